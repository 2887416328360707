/* Fuzz target for the CreateTap and CreateTaps argument parsers
 * (mh_tap_request_parse, mh_tap_request_parse_batch): the first thing the
 * helper does with what any local user sends it.
 *
 * Input: one byte choosing the method (even: CreateTap "(sa{sv})", odd:
 * CreateTaps "(a(sa{sv}))"), then a serialized GVariant of that type.  The
 * bytes are loaded untrusted, as any GVariant from outside must be, and
 * parsed twice: in normal form (what GDBus hands a method handler) and as
 * they came (GVariant promises that reading a value that is not in normal
 * form gives the same as its normal form).  Both must give the same result,
 * and the result must agree with the option rules of the D-Bus contract,
 * written again below. */
#include <gio/gio.h>
#include <string.h>

#include "fuzz-common.h"
#include "mh-error.h"
#include "mh-ifname.h"
#include "mh-tap-request.h"

/* What the contract says a{sv} options give: FALSE on an unknown key, a
 * duplicate key or a value of the wrong type.  The flags are modelled
 * exactly; the network options (type, bridge, mtu, link, mode, mac) are
 * only type-checked here, and *@networked says one was given, because
 * which of them fit together is the parser's rule, not this model's. */
static gboolean
expected_options (GVariant *options, MhTapRequest *expected, gboolean *networked)
{
  static const char *const flags[] = { "multi_queue", "vnet_hdr", "release_on_disconnect", NULL };
  static const char *const strings[] = { "type", "bridge", "link", "mode", "mac", NULL };
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gsize n = g_variant_n_children (options);

  expected->multi_queue = FALSE;
  expected->vnet_hdr = TRUE;
  expected->release_on_disconnect = FALSE;
  *networked = FALSE;
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (GVariant) value = NULL;
      const char *key;
      gboolean flag;

      g_variant_get_child (options, i, "{&sv}", &key, &value);
      if (!g_hash_table_add (seen, g_strdup (key)))
        return FALSE;
      if (g_strv_contains (strings, key) || strcmp (key, "mtu") == 0)
        {
          if (!g_variant_is_of_type (value, strcmp (key, "mtu") == 0 ? G_VARIANT_TYPE_UINT32
                                                                     : G_VARIANT_TYPE_STRING))
            return FALSE;
          *networked = TRUE;
          continue;
        }
      if (!g_strv_contains (flags, key) || !g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
        return FALSE;
      flag = g_variant_get_boolean (value);
      if (strcmp (key, "multi_queue") == 0)
        expected->multi_queue = flag;
      else if (strcmp (key, "vnet_hdr") == 0)
        expected->vnet_hdr = flag;
      else
        expected->release_on_disconnect = flag;
    }
  return TRUE;
}

static void
check_request (const MhTapRequest *request, const char *name, GVariant *options)
{
  MhTapRequest expected = { 0 };
  gboolean networked;
  const char *text = NULL;
  guint32 mtu = 0;

  g_assert_true (mh_ifname_validate (request->name, NULL));
  g_assert_cmpstr (request->name, ==, name);
  g_assert_true (expected_options (options, &expected, &networked));
  g_assert_cmpint (request->multi_queue, ==, expected.multi_queue);
  g_assert_cmpint (request->vnet_hdr, ==, expected.vnet_hdr);
  g_assert_cmpint (request->release_on_disconnect, ==, expected.release_on_disconnect);
  /* What was given and accepted is what the request holds. */
  if (g_variant_lookup (options, "bridge", "&s", &text))
    g_assert_cmpstr (request->bridge, ==, text);
  if (g_variant_lookup (options, "link", "&s", &text))
    g_assert_cmpstr (request->link, ==, text);
  if (g_variant_lookup (options, "mtu", "u", &mtu))
    g_assert_cmpuint (request->mtu, ==, mtu);
}

static void
describe_request (GString *out, const MhTapRequest *request)
{
  g_string_append_printf (out, "[%s mq=%d vnet=%d release=%d]", request->name, request->multi_queue,
                          request->vnet_hdr, request->release_on_disconnect);
}

static void
describe_error (GString *out, const GError *error)
{
  mh_fuzz_check_error (error, MH_ERROR);
  g_assert_cmpint (error->code, ==, MH_ERROR_INVALID_ARGUMENT);
  g_string_append_printf (out, "error %d: %s", error->code, error->message);
}

/* Parses @args as CreateTap's arguments; returns a description of the
 * result for comparison. */
static char *
run_create_tap (GVariant *args)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GVariant) options = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MhTapRequest) request = NULL;
  MhTapRequest expected = { 0 };
  gboolean networked = FALSE;
  const char *name;

  g_variant_get (args, "(&s@a{sv})", &name, &options);
  request = mh_tap_request_parse (name, options, &error);
  if (request == NULL)
    {
      /* Refused: so the name or the options must be bad. */
      g_assert_false (mh_ifname_validate (name, NULL) &&
                      expected_options (options, &expected, &networked) && !networked);
      describe_error (out, error);
    }
  else
    {
      g_assert_no_error (error);
      check_request (request, name, options);
      describe_request (out, request);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
run_create_taps (GVariant *args)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GVariant) taps = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) requests = NULL;

  g_variant_get (args, "(@a(sa{sv}))", &taps);
  requests = mh_tap_request_parse_batch (taps, &error);
  if (requests == NULL)
    {
      describe_error (out, error);
      return g_string_free (g_steal_pointer (&out), FALSE);
    }

  g_assert_no_error (error);
  g_assert_cmpuint (requests->len, >, 0);
  g_assert_cmpuint (requests->len, ==, g_variant_n_children (taps));
  for (guint i = 0; i < requests->len; i++)
    {
      g_autoptr (GVariant) options = NULL;
      const char *name;

      g_variant_get_child (taps, i, "(&s@a{sv})", &name, &options);
      check_request (requests->pdata[i], name, options);
      for (guint j = 0; j < i; j++)
        g_assert_cmpstr (((MhTapRequest *) requests->pdata[j])->name, !=, name);
      describe_request (out, requests->pdata[i]);
    }
  {
    g_autofree char *joined = mh_tap_request_join_names (requests, " ");
    g_string_append_printf (out, " names=%s", joined);
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GVariant) args = NULL;
  g_autoptr (GVariant) normal = NULL;
  g_autofree char *from_normal = NULL;
  g_autofree char *from_raw = NULL;
  gboolean batch;

  if (size < 1)
    return 0;
  batch = (data[0] & 1) != 0;
  /* A heap copy of exactly the serialized bytes: the sanitizer sees any
   * read past them. */
  bytes = g_bytes_new (data + 1, size - 1);
  args = g_variant_ref_sink (g_variant_new_from_bytes (
    batch ? G_VARIANT_TYPE ("(a(sa{sv}))") : G_VARIANT_TYPE ("(sa{sv})"), bytes, FALSE));
  normal = g_variant_get_normal_form (args);
  g_assert_true (g_variant_is_normal_form (normal));
  if (g_variant_is_normal_form (args))
    g_assert_true (g_variant_equal (args, normal));

  from_normal = batch ? run_create_taps (normal) : run_create_tap (normal);
  from_raw = batch ? run_create_taps (args) : run_create_tap (args);
  g_assert_cmpstr (from_raw, ==, from_normal);
  return 0;
}
