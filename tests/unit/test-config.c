#include <string.h>

#include "mh-config.h"
#include "mh-error.h"

static MhConfig *
parse (const char *text, GError **error)
{
  return mh_config_parse (text, strlen (text), "test.conf", error);
}

static void
test_defaults (void)
{
  g_autoptr (MhConfig) empty = NULL;
  g_autoptr (MhConfig) missing = NULL;
  g_autoptr (GError) error = NULL;

  empty = parse ("", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (empty->max_taps_per_user, ==, 32);
  g_assert_cmpuint (empty->max_taps_total, ==, MH_CONFIG_DEFAULT_MAX_TAPS_TOTAL);
  g_assert_true (mh_config_check_tap_name (empty, "anything", NULL));

  missing = mh_config_load ("/nonexistent/helper.conf", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (missing->max_taps_per_user, ==, 32);

  /* PCI: any device, no memory locking until the administrator says how
   * much. */
  g_assert_null (empty->pci_allow);
  g_assert_null (empty->pci_deny);
  g_assert_cmpuint (empty->max_memlock, ==, 0);
  g_assert_true (mh_config_check_pci_device (empty, "0000:01:00.0", 0x8086, 0x10d3, NULL));
}

static void
test_pci_values (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) denied = NULL;
  g_autoptr (GError) unlisted = NULL;
  g_autoptr (MhConfig) config = parse ("[PCI]\nAllow=01:00.0; 8086:1520 ;0000:AB:00.1;10DE:1EB8\n"
                                       "Deny=8086:1520;0000:ab:00.1\nMaxMemlock= 17179869184 \n",
                                       &error);

  g_assert_no_error (error);
  g_assert_cmpuint (config->max_memlock, ==, G_GUINT64_CONSTANT (17179869184));
  /* Entries are stored canonically, and matched by address or by ids. */
  g_assert_cmpstr (config->pci_allow[0], ==, "0000:01:00.0");
  g_assert_cmpstr (config->pci_allow[2], ==, "0000:ab:00.1");
  g_assert_cmpstr (config->pci_allow[3], ==, "10de:1eb8");
  g_assert_true (mh_config_check_pci_device (config, "0000:01:00.0", 0x8086, 0x10d3, NULL));
  g_assert_true (mh_config_check_pci_device (config, "0000:42:00.0", 0x10de, 0x1eb8, NULL));
  /* Deny wins over Allow, by ids or by address. */
  g_assert_false (mh_config_check_pci_device (config, "0000:04:10.0", 0x8086, 0x1520, &denied));
  g_assert_error (denied, MH_ERROR, MH_ERROR_REFUSED);
  g_assert_nonnull (strstr (denied->message, "matches 8086:1520 in Deny="));
  g_assert_false (mh_config_check_pci_device (config, "0000:ab:00.1", 0x1234, 0x5678, NULL));
  /* Allow is a list of the only devices allowed. */
  g_assert_false (mh_config_check_pci_device (config, "0000:02:00.0", 0x8086, 0x56a0, &unlisted));
  g_assert_error (unlisted, MH_ERROR, MH_ERROR_REFUSED);
  g_assert_nonnull (strstr (unlisted->message, "allows binding only 0000:01:00.0, 8086:1520"));
  g_assert_nonnull (strstr (unlisted->message, "test.conf"));
}

static void
test_pci_empty_allow (void)
{
  g_autoptr (MhConfig) config = parse ("[PCI]\nAllow=\n", NULL);
  g_autoptr (MhConfig) deny_only = parse ("[PCI]\nDeny=0000:01:00.0\n", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (config);
  g_assert_false (mh_config_check_pci_device (config, "0000:01:00.0", 0x8086, 0x10d3, &error));
  g_assert_nonnull (strstr (error->message, "allows binding only no device"));
  g_assert_false (mh_config_check_pci_device (deny_only, "0000:01:00.0", 0x8086, 0x10d3, NULL));
  g_assert_true (mh_config_check_pci_device (deny_only, "0000:01:00.1", 0x8086, 0x10d3, NULL));
}

static void
test_values (void)
{
  g_autoptr (MhConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) refused = NULL;

  config =
    parse ("# comment\n[Taps]\nMaxPerUser=4\nMaxTotal= 10 \nAllowedNames=vm-*; mvm-?x\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (config->max_taps_per_user, ==, 4);
  g_assert_cmpuint (config->max_taps_total, ==, 10);
  g_assert_false (config->host_ipv6);
  g_assert_true (mh_config_check_tap_name (config, "vm-web", NULL));
  g_assert_true (mh_config_check_tap_name (config, "mvm-1x", NULL));
  g_assert_false (mh_config_check_tap_name (config, "tap0", &refused));
  g_assert_error (refused, MH_ERROR, MH_ERROR_REFUSED);
  g_assert_nonnull (strstr (refused->message, "vm-*, mvm-?x"));
  g_assert_nonnull (strstr (refused->message, "test.conf"));
}

static void
test_reserved_names (void)
{
  g_autoptr (MhConfig) config = mh_config_new_default ();
  const char *reserved[] = { "sit0",    "tunl0",    "gre0",    "gretap0", "erspan0", "ip6tnl0",
                             "ip_vti0", "ip6_vti0", "ip6gre0", "bond0",   "virbr0",  "docker0" };

  for (gsize i = 0; i < G_N_ELEMENTS (reserved); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_false (mh_config_check_tap_name (config, reserved[i], &error));
      g_assert_error (error, MH_ERROR, MH_ERROR_REFUSED);
      g_assert_nonnull (strstr (error->message, "the kernel or a common service"));
    }
  g_assert_true (mh_config_check_tap_name (config, "vm-web", NULL));
  g_assert_true (mh_config_check_tap_name (config, "bond1", NULL));
}

static void
test_host_ipv6 (void)
{
  g_autoptr (MhConfig) config = parse ("[Taps]\nHostIPv6 = true\n", NULL);

  g_assert_nonnull (config);
  g_assert_true (config->host_ipv6);
}

static void
test_empty_allow_list_allows_nothing (void)
{
  g_autoptr (MhConfig) config = parse ("[Taps]\nAllowedNames=\n", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (config);
  g_assert_false (mh_config_check_tap_name (config, "vm-web", &error));
  g_assert_nonnull (strstr (error->message, "matching nothing"));
}

static void
check_rejected (const char *text, const char *message_part)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MhConfig) config = parse (text, &error);

  g_assert_null (config);
  g_assert_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT);
  if (strstr (error->message, message_part) == NULL)
    g_error ("\"%s\" lacks \"%s\"", error->message, message_part);
  g_assert_true (g_str_has_prefix (error->message, "test.conf: "));
}

static void
test_rejected (void)
{
  check_rejected ("[Taps]\nMaxPerUsr=3\n", "unknown key \"MaxPerUsr\" in [Taps]");
  check_rejected ("[Tap]\nMaxPerUser=3\n", "unknown group [\"Tap\"]");
  check_rejected ("[Taps]\nMaxPerUser=-1\n", "not a whole number");
  check_rejected ("[Taps]\nMaxPerUser=3x\n", "not a whole number");
  check_rejected ("[Taps]\nMaxTotal=99999999999\n", "not a whole number");
  check_rejected ("[Taps]\nAllowedNames=a/b\n", "not a pattern");
  check_rejected ("[Taps]\nHostIPv6=yes\n", "HostIPv6=\"yes\" is neither true nor false");
  check_rejected ("not a key file", "test.conf");
  check_rejected ("[PCI]\nAlow=0000:01:00.0\n", "unknown key \"Alow\" in [PCI]");
  check_rejected ("[PCI]\nAllow=0000:01:20.0\n", "neither a PCI address");
  check_rejected ("[PCI]\nDeny=8086:10d\n", "neither a PCI address");
  check_rejected ("[PCI]\nDeny=8086\n", "neither a PCI address");
  check_rejected ("[PCI]\nMaxMemlock=-1\n", "not a number of bytes");
  check_rejected ("[PCI]\nMaxMemlock=8G\n", "not a number of bytes");
  check_rejected ("[PCI]\nMaxMemlock=99999999999999999999\n", "not a number of bytes");
}

static void
test_network_bridges (void)
{
  g_autoptr (MhConfig) none = mh_config_new_default ();
  g_autoptr (MhConfig) empty = parse ("[Network]\nAllowedBridges=\n", NULL);
  g_autoptr (MhConfig) some = parse ("[Network]\nAllowedBridges=br0; br-vm*\n", NULL);
  g_autoptr (GError) missing = NULL;
  g_autoptr (GError) listed_none = NULL;
  g_autoptr (GError) not_listed = NULL;

  /* No key: no bridge, and the message says which key, where. */
  g_assert_false (mh_config_check_bridge (none, "br0", &missing));
  g_assert_error (missing, MH_ERROR, MH_ERROR_REFUSED);
  g_assert_nonnull (strstr (missing->message, "AllowedBridges= in the [Network] group of "));
  g_assert_nonnull (strstr (missing->message, "to allow br0"));
  g_assert_false (mh_config_check_bridge (empty, "br0", &listed_none));
  g_assert_nonnull (strstr (listed_none->message, "allows no bridge"));
  g_assert_nonnull (strstr (listed_none->message, "test.conf"));

  g_assert_true (mh_config_check_bridge (some, "br0", NULL));
  g_assert_true (mh_config_check_bridge (some, "br-vm7", NULL));
  g_assert_false (mh_config_check_bridge (some, "br1", &not_listed));
  g_assert_nonnull (strstr (not_listed->message, "only the bridges br0, br-vm* (AllowedBridges= "
                                                 "in the [Network] group of test.conf)"));

  check_rejected ("[Network]\nAllowedBridge=br0\n", "unknown key \"AllowedBridge\" in [Network]");
  check_rejected ("[Network]\nAllowedBridges=br/0\n", "[Network] AllowedBridges: ");
}

static void
test_network_macvtap (void)
{
  g_autoptr (MhConfig) none = mh_config_new_default ();
  g_autoptr (MhConfig) some =
    parse ("[Network]\nAllowedMacvtapLinks=enp*\nAllowedMacvtapModes=source\n", NULL);
  g_autoptr (GError) no_link = NULL;
  g_autoptr (GError) other_link = NULL;
  g_autoptr (GError) mode = NULL;

  g_assert_false (mh_config_check_macvtap (none, "enp3s0", "bridge", &no_link));
  g_assert_error (no_link, MH_ERROR, MH_ERROR_REFUSED);
  g_assert_nonnull (strstr (no_link->message, "allows no interface as the parent link of a "
                                              "macvtap (AllowedMacvtapLinks= in the [Network] "
                                              "group of (built-in defaults))"));
  g_assert_true (mh_config_check_macvtap (some, "enp3s0", "bridge", NULL));
  g_assert_true (mh_config_check_macvtap (some, "enp3s0", "vepa", NULL));
  g_assert_true (mh_config_check_macvtap (some, "enp3s0", "private", NULL));
  g_assert_true (mh_config_check_macvtap (some, "enp3s0", "source", NULL));
  g_assert_false (mh_config_check_macvtap (some, "enp3s0", "passthru", &mode));
  g_assert_nonnull (strstr (mode->message, "passthru needs the administrator's consent"));
  g_assert_false (mh_config_check_macvtap (some, "eth0", "bridge", &other_link));
  g_assert_nonnull (strstr (other_link->message, "allows only enp*"));

  check_rejected ("[Network]\nAllowedMacvtapModes=bridge;nat\n", "\"nat\" is not a macvtap mode");
  check_rejected ("[Network]\nAllowedMacvtapLinks=a/b\n", "[Network] AllowedMacvtapLinks: ");
}

/* fuzz-config: an AllowedNames= value GKeyFile cannot read (a bad
 * escape, invalid UTF-8) was dropped, so the helper started and allowed
 * nothing instead of saying what is wrong with the file. */
static void
test_unreadable_allow_list (void)
{
  check_rejected ("[Taps]\nAllowedNames=vm-\\q*\n", "[Taps] AllowedNames: ");
  check_rejected ("[Taps]\nAllowedNames=vm-\xff*\n", "[Taps] AllowedNames: ");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/defaults", test_defaults);
  g_test_add_func ("/config/values", test_values);
  g_test_add_func ("/config/host-ipv6", test_host_ipv6);
  g_test_add_func ("/config/reserved-names", test_reserved_names);
  g_test_add_func ("/config/empty-allow-list", test_empty_allow_list_allows_nothing);
  g_test_add_func ("/config/rejected", test_rejected);
  g_test_add_func ("/config/network-bridges", test_network_bridges);
  g_test_add_func ("/config/network-macvtap", test_network_macvtap);
  g_test_add_func ("/config/pci-values", test_pci_values);
  g_test_add_func ("/config/pci-empty-allow", test_pci_empty_allow);
  g_test_add_func ("/config/unreadable-allow-list", test_unreadable_allow_list);
  return g_test_run ();
}
