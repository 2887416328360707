#include <string.h>

#include "mh-error.h"
#include "mh-tap-request.h"

static void
test_defaults_and_options (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) none = g_variant_ref_sink (g_variant_new_parsed ("@a{sv} {}"));
  g_autoptr (GVariant) all = g_variant_ref_sink (g_variant_new_parsed (
    "{'multi_queue': <true>, 'vnet_hdr': <false>, 'release_on_disconnect': <true>}"));
  g_autoptr (MhTapRequest) plain = mh_tap_request_parse ("vm-a", none, &error);
  g_autoptr (MhTapRequest) full = mh_tap_request_parse ("vm-b", all, &error);

  g_assert_no_error (error);
  g_assert_false (plain->multi_queue);
  g_assert_true (plain->vnet_hdr);
  g_assert_false (plain->release_on_disconnect);
  g_assert_true (full->multi_queue);
  g_assert_false (full->vnet_hdr);
  g_assert_true (full->release_on_disconnect);
  g_assert_null (plain->bridge);
  g_assert_cmpuint (plain->mtu, ==, 0);
}

static void
test_network_options (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) low = g_variant_ref_sink (
    g_variant_new_parsed ("{'type': <'tap'>, 'mtu': <uint32 68>, 'bridge': <'br-lan'>}"));
  g_autoptr (GVariant) high = g_variant_ref_sink (g_variant_new_parsed ("{'mtu': <uint32 65521>}"));
  g_autoptr (MhTapRequest) a = mh_tap_request_parse ("vm-a", low, &error);
  g_autoptr (MhTapRequest) b = mh_tap_request_parse ("vm-b", high, &error);
  g_autoptr (GVariant) batch = g_variant_ref_sink (g_variant_new_parsed (
    "[('vm-a', {'bridge': <'br1'>}), ('vm-b', @a{sv} {}), ('vm-c', {'bridge': <'br0'>}), "
    "('vm-d', {'bridge': <'br1'>})]"));
  g_autoptr (GPtrArray) requests = NULL;
  g_autoptr (GPtrArray) plain = NULL;
  g_autofree char *bridges = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (a->bridge, ==, "br-lan");
  g_assert_cmpuint (a->mtu, ==, 68);
  g_assert_null (b->bridge);
  g_assert_cmpuint (b->mtu, ==, 65521);

  /* Each bridge once, in the order asked: the polkit detail. */
  requests = mh_tap_request_parse_batch (batch, &error);
  g_assert_no_error (error);
  bridges = mh_tap_request_join_bridges (requests, " ");
  g_assert_cmpstr (bridges, ==, "br1 br0");
  plain = g_ptr_array_new_with_free_func ((GDestroyNotify) mh_tap_request_free);
  g_ptr_array_add (plain, g_steal_pointer (&b));
  g_assert_null (mh_tap_request_join_bridges (plain, " "));
}

static void
test_macvtap_options (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) options =
    g_variant_ref_sink (g_variant_new_parsed ("{'type': <'macvtap'>, 'link': <'eth0'>, 'mac': "
                                              "<'02:AB:cd:00:00:0F'>, 'mtu': <uint32 65535>}"));
  g_autoptr (MhTapRequest) request = mh_tap_request_parse ("vm-m", options, &error);

  g_assert_no_error (error);
  g_assert_cmpint (request->type, ==, MH_TAP_TYPE_MACVTAP);
  g_assert_cmpstr (request->link, ==, "eth0");
  g_assert_cmpstr (request->mode, ==, "bridge");
  g_assert_cmpstr (request->mac, ==, "02:ab:cd:00:00:0f");
  g_assert_cmpuint (request->mtu, ==, 65535);
}

static void
check_option_error (const char *options_text, const char *message_part)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) options = g_variant_ref_sink (g_variant_new_parsed (options_text));
  g_autoptr (MhTapRequest) request = mh_tap_request_parse ("vm-a", options, &error);

  g_assert_null (request);
  g_assert_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT);
  if (strstr (error->message, message_part) == NULL)
    g_error ("\"%s\" lacks \"%s\"", error->message, message_part);
}

static void
test_bad_options (void)
{
  GVariantBuilder builder;
  g_autoptr (GVariant) twice = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MhTapRequest) request = NULL;

  check_option_error ("{'colour': <'red'>}", "unknown option \"colour\"");
  check_option_error ("{'multi_queue': <'true'>}", "must be a boolean (D-Bus type 'b'), not 's'");
  check_option_error ("{'vnet_hdr': <<true>>}", "not 'v'");
  check_option_error ("{'link': <'eth0'>}", "option link does not apply to type \"tap\"");
  check_option_error ("{'type': <'macvtap'>}", "needs the option link");
  check_option_error ("{'type': <'macvtap'>, 'link': <'eth0'>, 'vnet_hdr': <true>}",
                      "option vnet_hdr does not apply to type \"macvtap\"");
  check_option_error ("{'type': <'macvtap'>, 'link': <'eth0'>, 'mac': <'ff:ff:ff:ff:ff:ff'>}",
                      "not a unicast Ethernet address");
  check_option_error ("{'type': <'macvtap'>, 'link': <'eth0'>, 'mac': <'00:00:00:00:00:00'>}",
                      "not a unicast Ethernet address");
  check_option_error ("{'type': <'macvtap'>, 'link': <'eth0'>, 'mac': <'02:00:00:00:00:1'>}",
                      "not a unicast Ethernet address");
  check_option_error ("{'type': <'macvtap'>, 'link': <'eth0'>, 'mac': <'02-00-00-00-00-01'>}",
                      "not a unicast Ethernet address");
  check_option_error ("{'type': <'macvtap'>, 'link': <'eth0'>, 'mode': <'bridged'>}",
                      "not a macvtap mode");
  check_option_error ("{'type': <'bridge'>}", "type \"bridge\" is not supported");
  check_option_error ("{'bridge': <uint32 0>}", "must be a string (D-Bus type 's'), not 'u'");
  check_option_error ("{'bridge': <'br/0'>}", "option bridge: ");
  check_option_error ("{'bridge': <''>}", "option bridge: ");
  check_option_error ("{'mtu': <1500>}", "must be an unsigned 32-bit number (D-Bus type 'u')");
  check_option_error ("{'mtu': <uint32 67>}", "option mtu: 67 is outside 68..65535");
  check_option_error ("{'mtu': <uint32 65536>}", "option mtu: 65536 is outside 68..65535");
  check_option_error ("{'mtu': <uint32 0>}", "option mtu: 0 is outside");
  check_option_error ("{'mtu': <uint32 65535>}", "more than a tap's largest MTU, 65521");

  /* A dict with the same key twice (legal on the wire). */
  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "multi_queue", g_variant_new_boolean (FALSE));
  g_variant_builder_add (&builder, "{sv}", "multi_queue", g_variant_new_boolean (TRUE));
  twice = g_variant_ref_sink (g_variant_builder_end (&builder));
  request = mh_tap_request_parse ("vm-a", twice, &error);
  g_assert_null (request);
  g_assert_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "given twice"));
}

static void
check_batch_error (const char *text, const char *message_part)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) taps =
    g_variant_parse (G_VARIANT_TYPE ("a(sa{sv})"), text, NULL, NULL, NULL);
  g_autoptr (GPtrArray) requests = mh_tap_request_parse_batch (taps, &error);

  g_assert_null (requests);
  g_assert_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT);
  if (strstr (error->message, message_part) == NULL)
    g_error ("\"%s\" lacks \"%s\"", error->message, message_part);
}

static void
test_batch (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) taps = g_variant_ref_sink (
    g_variant_new_parsed ("[('vm-a', @a{sv} {}), ('vm-b', {'multi_queue': <true>})]"));
  g_autoptr (GPtrArray) requests = mh_tap_request_parse_batch (taps, &error);
  g_autofree char *joined = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (requests->len, ==, 2);
  joined = mh_tap_request_join_names (requests, " ");
  g_assert_cmpstr (joined, ==, "vm-a vm-b");

  check_batch_error ("[]", "empty");
  check_batch_error ("[('vm-a', @a{sv} {}), ('x/y', @a{sv} {})]", "taps[1] \"x/y\": invalid");
  check_batch_error ("[('vm-a', @a{sv} {}), ('vm-b', {'z': <1>})]", "taps[1] \"vm-b\": unknown");
  check_batch_error ("[('vm-a', @a{sv} {}), ('vm-a', @a{sv} {})]", "listed more than once");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tap-request/defaults-and-options", test_defaults_and_options);
  g_test_add_func ("/tap-request/bad-options", test_bad_options);
  g_test_add_func ("/tap-request/network-options", test_network_options);
  g_test_add_func ("/tap-request/macvtap-options", test_macvtap_options);
  g_test_add_func ("/tap-request/batch", test_batch);
  return g_test_run ();
}
