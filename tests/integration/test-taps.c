/* Integration tests of CreateTap, DeleteTap, ListTaps and Version: real
 * bus, real polkitd with the sandbox's rules, the real helper activated by
 * the bus, real taps in the sandbox's network namespace.  Each case runs in
 * a sandbox of its own. */
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mh-test.h"

#define TUN_FLAGS_TAP_BASE (IFF_TAP | IFF_NO_PI | IFF_PERSIST)

static void
assert_tap (const char *name, guint32 owner, guint flags)
{
  g_assert_true (mh_test_iface_exists (name));
  g_assert_cmpint (mh_test_iface_attr_int (name, "owner"), ==, owner);
  g_assert_cmphex (mh_test_iface_attr_int (name, "tun_flags"), ==, flags);
  g_assert_cmphex (mh_test_iface_attr_int (name, "flags") & IFF_UP, ==, IFF_UP);
}

static int
ifindex_of (GVariant *create_result)
{
  const char *name;
  gint32 ifindex;

  g_variant_get (create_result, "(&si)", &name, &ifindex);
  return ifindex;
}

static void
test_create_list_delete (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (GVariant) created = NULL;
  g_autoptr (GVariant) listed = NULL;
  g_autoptr (GVariant) details = NULL;
  g_autofree char *attach = NULL;
  g_autofree char *attach_wrong = NULL;
  const char *name;
  gint32 ifindex;
  gboolean flag;
  guint32 owner;

  created = mh_test_assert_call_ok (alice, "CreateTap", "('vm-web', {'multi_queue': <true>})");
  g_variant_get (created, "(&si)", &name, &ifindex);
  g_assert_cmpstr (name, ==, "vm-web");
  g_assert_cmpint (ifindex, ==, mh_test_iface_attr_int ("vm-web", "ifindex"));
  assert_tap ("vm-web", MH_TEST_UID_ALICE, TUN_FLAGS_TAP_BASE | IFF_VNET_HDR | IFF_MULTI_QUEUE);

  /* The user, unprivileged, can attach as a hypervisor would; with the
   * wrong multi_queue setting the kernel refuses, as it would refuse qemu. */
  attach = mh_test_agent_command (alice, "open-tap vm-web multi");
  g_assert_cmpstr (attach, ==, "ok");
  attach_wrong = mh_test_agent_command (alice, "open-tap vm-web single");
  g_assert_true (g_str_has_prefix (attach_wrong, "errno 22 "));

  listed = mh_test_assert_call_ok (alice, "ListTaps", "()");
  {
    g_autoptr (GVariant) taps = g_variant_get_child_value (listed, 0);
    g_autoptr (GVariant) entry = NULL;

    g_assert_cmpint (g_variant_n_children (taps), ==, 1);
    entry = g_variant_get_child_value (taps, 0);
    g_variant_get (entry, "(&si@a{sv})", &name, &ifindex, &details);
  }
  g_assert_cmpstr (name, ==, "vm-web");
  g_assert_cmpint (ifindex, ==, mh_test_iface_attr_int ("vm-web", "ifindex"));
  g_assert_true (g_variant_lookup (details, "owner", "u", &owner));
  g_assert_cmpuint (owner, ==, MH_TEST_UID_ALICE);
  g_assert_true (g_variant_lookup (details, "multi_queue", "b", &flag) && flag);
  g_assert_true (g_variant_lookup (details, "release_on_disconnect", "b", &flag) && !flag);
  g_assert_true (g_variant_lookup (details, "up", "b", &flag) && flag);

  g_variant_unref (mh_test_assert_call_ok (alice, "DeleteTap", "('vm-web',)"));
  g_assert_false (mh_test_iface_exists ("vm-web"));
  g_clear_pointer (&listed, g_variant_unref);
  listed = mh_test_assert_call_ok (alice, "ListTaps", "()");
  mh_test_assert_printed (listed, "([],)");
}

static void
test_single_queue_attach (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  G_GNUC_UNUSED g_autoptr (GVariant) created =
    mh_test_assert_call_ok (alice, "CreateTap", "('vm-sq', {})");
  g_autofree char *attach = NULL;
  g_autofree char *attach_mq = NULL;

  assert_tap ("vm-sq", MH_TEST_UID_ALICE, TUN_FLAGS_TAP_BASE | IFF_VNET_HDR);
  attach = mh_test_agent_command (alice, "open-tap vm-sq single");
  g_assert_cmpstr (attach, ==, "ok");
  attach_mq = mh_test_agent_command (alice, "open-tap vm-sq multi");
  g_assert_true (g_str_has_prefix (attach_mq, "errno 22 "));

  /* vnet_hdr=false is honoured too. */
  g_variant_unref (
    mh_test_assert_call_ok (alice, "CreateTap", "('vm-novnet', {'vnet_hdr': <false>})"));
  assert_tap ("vm-novnet", MH_TEST_UID_ALICE, TUN_FLAGS_TAP_BASE);
}

static void
test_idempotent_reuse (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) alice2 = mh_test_agent_new ("alice");
  g_autoptr (GVariant) first = NULL;
  g_autoptr (GVariant) again = NULL;
  g_autoptr (GVariant) other_connection = NULL;
  g_autofree char *registry = NULL;

  first = mh_test_assert_call_ok (alice, "CreateTap", "('vm-re', {'multi_queue': <true>})");
  again = mh_test_assert_call_ok (alice, "CreateTap", "('vm-re', {'multi_queue': <true>})");
  g_assert_cmpint (ifindex_of (first), ==, ifindex_of (again));
  /* Same user, another connection, asking for a lease: reused as it was. */
  other_connection = mh_test_assert_call_ok (
    alice2, "CreateTap", "('vm-re', {'multi_queue': <true>, 'release_on_disconnect': <true>})");
  g_assert_cmpint (ifindex_of (first), ==, ifindex_of (other_connection));
  mh_test_agent_kill (alice2);
  g_usleep (300 * 1000);
  g_assert_true (mh_test_iface_exists ("vm-re"));

  registry = mh_test_helper_registry ();
  g_assert_nonnull (strstr (registry, "name=vm-re"));
  g_assert_null (strstr (registry, "lease="));
}

static void
test_reuse_multi_queue_mismatch (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (GVariant) first = mh_test_assert_call_ok (alice, "CreateTap", "('vm-mq', {})");
  g_autofree char *message = NULL;

  message = mh_test_assert_call_error (alice, "CreateTap", "('vm-mq', {'multi_queue': <true>})",
                                       "Busy", "multi_queue off");
  assert_tap ("vm-mq", MH_TEST_UID_ALICE, TUN_FLAGS_TAP_BASE | IFF_VNET_HDR);
  g_assert_cmpint (mh_test_iface_attr_int ("vm-mq", "ifindex"), ==, ifindex_of (first));
}

static void
test_denied_user (void)
{
  g_autoptr (MhTestAgent) mallory = mh_test_agent_new ("mallory");
  g_autofree char *before = mh_test_iface_list ();
  g_autofree char *after = NULL;
  g_autofree char *message = NULL;

  message = mh_test_assert_call_error (mallory, "CreateTap", "('vm-evil', {})", "NotAuthorized",
                                       "polkit's rules do not allow uid 61003");
  g_free (message);
  message = mh_test_assert_call_error (mallory, "CreateTaps", "([('vm-evil', {})],)",
                                       "NotAuthorized", NULL);
  after = mh_test_iface_list ();
  g_assert_cmpstr (before, ==, after);
  {
    g_autofree char *registry = mh_test_helper_registry ();
    g_assert_null (strstr (registry, "name="));
  }
}

static void
test_unruled_user (void)
{
  g_autoptr (MhTestAgent) carol = mh_test_agent_new ("carol");
  g_autofree char *interactive = NULL;
  g_autofree char *before = mh_test_iface_list ();
  g_autofree char *after = NULL;
  char *error_name = NULL;
  char *message = NULL;
  GVariant *result;

  /* No rule covers carol: the default needs an admin password.  With
   * interaction allowed but no agent, and without interaction, the helper
   * says which it was. */
  interactive = mh_test_assert_call_error (carol, "CreateTap", "('vm-c', {})", "NotAuthorized",
                                           "no polkit agent answered");
  result = mh_test_agent_call (carol, "-n CreateTap", "('vm-c', {})", &error_name, &message);
  g_assert_null (result);
  g_assert_cmpstr (error_name, ==, "org.microvm.Helper1.Error.NotAuthorized");
  g_assert_nonnull (strstr (message, "did not allow interactive authorization"));
  g_free (error_name);
  g_free (message);
  after = mh_test_iface_list ();
  g_assert_cmpstr (before, ==, after);
}

static void
test_second_user (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) bob = mh_test_agent_new ("bob");
  g_autoptr (GVariant) created = mh_test_assert_call_ok (alice, "CreateTap", "('vm-a', {})");
  g_autoptr (GVariant) bob_list = NULL;
  g_autofree char *m1 = NULL, *m2 = NULL, *m3 = NULL, *attach = NULL;

  /* Deleting alice's tap needs manage-all, which bob does not have. */
  m1 = mh_test_assert_call_error (bob, "DeleteTap", "('vm-a',)", "NotAuthorized",
                                  "org.microvm.helper.manage-all");
  /* Taking the name over is refused, with either flag setting. */
  m2 = mh_test_assert_call_error (bob, "CreateTap", "('vm-a', {})", "Busy", "another user");
  m3 = mh_test_assert_call_error (bob, "CreateTaps", "([('vm-a', {'multi_queue': <true>})],)",
                                  "Busy", "another user");
  assert_tap ("vm-a", MH_TEST_UID_ALICE, TUN_FLAGS_TAP_BASE | IFF_VNET_HDR);
  g_assert_cmpint (mh_test_iface_attr_int ("vm-a", "ifindex"), ==, ifindex_of (created));

  /* bob cannot attach to it either: the kernel checks the owner. */
  attach = mh_test_agent_command (bob, "open-tap vm-a single");
  g_assert_true (g_str_has_prefix (attach, "errno 1 "));

  /* bob does not see it. */
  bob_list = mh_test_assert_call_ok (bob, "ListTaps", "()");
  mh_test_assert_printed (bob_list, "([],)");
}

static void
test_non_tap_interfaces (void)
{
  g_autoptr (MhTestAgent) bob = mh_test_agent_new ("bob");
  g_autofree char *m = NULL;
  const char *names[] = { "lo", "veth-t0", "veth-t1" };

  MH_TEST_RUN ("ip", "link", "add", "veth-t0", "type", "veth", "peer", "name", "veth-t1");
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *create_args = g_strdup_printf ("('%s', {})", names[i]);
      g_autofree char *delete_args = g_strdup_printf ("('%s',)", names[i]);
      g_autofree char *m_create = NULL, *m_delete = NULL;

      m_create =
        mh_test_assert_call_error (bob, "CreateTap", create_args, "Busy", "already exists");
      m_delete = mh_test_assert_call_error (bob, "DeleteTap", delete_args, "Refused", "left alone");
      g_assert_true (mh_test_iface_exists (names[i]));
    }
  m = mh_test_assert_call_error (bob, "DeleteTap", "('vm-none',)", "NotFound", "no interface");
}

static void
test_admin_manage_all (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) dave = mh_test_agent_new ("dave");

  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-x', {})"));
  g_variant_unref (mh_test_assert_call_ok (dave, "DeleteTap", "('vm-x',)"));
  g_assert_false (mh_test_iface_exists ("vm-x"));
}

static void
test_bad_names (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autofree char *before = mh_test_iface_list ();
  g_autofree char *after = NULL;
  g_autofree char *long_name = g_strnfill (10 * 1024, 'a');
  const char *names[] = {
    "",
    "abcdefghijklmnop", /* 16 bytes */
    "vm-0123456789abc", /* 16 bytes: CVE-2019-13164 would truncate to 15 */
    "a/b",
    "a:b",
    "a b",
    ".",
    "..",
    "tap%d",
    "1234",
    "all",
    "default",
    "vm-caf\xc3\xa9",
    "tab\there",
    long_name,
  };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (GVariant) literal = g_variant_ref_sink (g_variant_new_string (names[i]));
      g_autofree char *quoted = g_variant_print (literal, FALSE);
      g_autofree char *create = g_strdup_printf ("(%s, {})", quoted);
      g_autofree char *batch = g_strdup_printf ("([(%s, {})],)", quoted);
      g_autofree char *delete = g_strdup_printf ("(%s,)", quoted);
      g_autofree char *m1 = NULL, *m2 = NULL, *m3 = NULL;

      m1 = mh_test_assert_call_error (alice, "CreateTap", create, "InvalidArgument",
                                      "invalid interface name");
      g_assert_cmpuint (strlen (m1), <, 300); /* hostile input is cut in messages */
      m2 = mh_test_assert_call_error (alice, "CreateTaps", batch, "InvalidArgument",
                                      "invalid interface name");
      m3 = mh_test_assert_call_error (alice, "DeleteTap", delete, "InvalidArgument",
                                      "invalid interface name");
    }
  after = mh_test_iface_list ();
  g_assert_cmpstr (before, ==, after);
  {
    g_autofree char *registry = mh_test_helper_registry ();
    g_assert_null (strstr (registry, "name="));
  }
}

static void
test_bad_options (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autofree char *before = mh_test_iface_list ();
  g_autofree char *after = NULL;
  const struct {
    const char *args;
    const char *message;
  } cases[] = {
    { "('vm-o', {'colour': <'red'>})", "unknown option \"colour\"" },
    { "('vm-o', {'multi_queue': <'yes'>})", "must be a boolean" },
    { "('vm-o', {'vnet_hdr': <1>})", "must be a boolean" },
    { "('vm-o', {'release_on_disconnect': <<true>>})", "must be a boolean" },
    { "('vm-o', {'link': <'eth0'>})", "option link does not apply to type \"tap\"" },
    { "('vm-o', {'type': <'bridge'>})", "type \"bridge\" is not supported" },
    { "('vm-o', {'bridge': <'br/0'>})", "option bridge: " },
    { "('vm-o', {'mtu': <9000>})", "must be an unsigned 32-bit number" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      G_GNUC_UNUSED g_autofree char *m = mh_test_assert_call_error (
        alice, "CreateTap", cases[i].args, "InvalidArgument", cases[i].message);
    }
  after = mh_test_iface_list ();
  g_assert_cmpstr (before, ==, after);
}

static void
test_foreign_tap (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autofree char *m1 = NULL, *m2 = NULL;
  gint64 ifindex;

  /* A tap made outside the helper for alice is not the helper's: neither
   * reused nor deleted. */
  MH_TEST_RUN ("ip", "tuntap", "add", "dev", "vm-foreign", "mode", "tap", "user", "61001");
  ifindex = mh_test_iface_attr_int ("vm-foreign", "ifindex");
  m1 = mh_test_assert_call_error (alice, "CreateTap", "('vm-foreign', {})", "Busy",
                                  "did not make it for you");
  m2 = mh_test_assert_call_error (alice, "DeleteTap", "('vm-foreign',)", "Refused",
                                  "not made by microvm-helper");
  g_assert_true (mh_test_iface_exists ("vm-foreign"));
  g_assert_cmpint (mh_test_iface_attr_int ("vm-foreign", "ifindex"), ==, ifindex);
  g_assert_true (mh_test_wait_registry ("vm-foreign", FALSE, 0));
}

static void
test_per_user_cap (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) bob = mh_test_agent_new ("bob");
  g_autofree char *m1 = NULL, *m2 = NULL;

  mh_test_helper_set_config ("[Taps]\nMaxPerUser=3\n");
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *args = g_strdup_printf ("('vm-cap%d', {})", i);
      g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", args));
    }
  m1 = mh_test_assert_call_error (alice, "CreateTap", "('vm-cap3', {})", "LimitExceeded",
                                  "limit of 3 per user");
  m2 = mh_test_assert_call_error (
    alice, "CreateTaps", "([('vm-cap4', {}), ('vm-cap5', {}), ('vm-cap6', {}), ('vm-cap7', {})],)",
    "LimitExceeded", "limit of 3 per user");
  g_assert_false (mh_test_iface_exists ("vm-cap3"));
  g_assert_false (mh_test_iface_exists ("vm-cap4"));
  /* Reusing an existing one is not "more" and other users have their own cap. */
  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-cap0', {})"));
  g_variant_unref (mh_test_assert_call_ok (bob, "CreateTap", "('vm-bob0', {})"));
  /* Deleting frees a slot. */
  g_variant_unref (mh_test_assert_call_ok (alice, "DeleteTap", "('vm-cap0',)"));
  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-cap3', {})"));
}

static void
test_total_cap_and_name_patterns (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) bob = mh_test_agent_new ("bob");
  g_autofree char *m1 = NULL, *m2 = NULL;

  mh_test_helper_set_config ("[Taps]\nMaxTotal=2\nAllowedNames=vm-*;mvm-*\n");
  m1 = mh_test_assert_call_error (alice, "CreateTap", "('tap0', {})", "Refused",
                                  "only tap names matching vm-*, mvm-*");
  g_assert_false (mh_test_iface_exists ("tap0"));
  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-1', {})"));
  g_variant_unref (mh_test_assert_call_ok (bob, "CreateTap", "('mvm-2', {})"));
  m2 = mh_test_assert_call_error (bob, "CreateTap", "('vm-3', {})", "LimitExceeded", "MaxTotal");
  g_assert_false (mh_test_iface_exists ("vm-3"));
}

static void
test_release_on_disconnect (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) keeper = mh_test_agent_new ("alice");
  g_autoptr (GVariant) listed = NULL;
  gboolean leased = FALSE;

  g_variant_unref (
    mh_test_assert_call_ok (alice, "CreateTap", "('vm-lease', {'release_on_disconnect': <true>})"));
  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-keep', {})"));
  g_variant_unref (mh_test_assert_call_ok (keeper, "CreateTap",
                                           "('vm-other', {'release_on_disconnect': <true>})"));

  listed = mh_test_assert_call_ok (alice, "ListTaps", "()");
  {
    g_autoptr (GVariant) taps = g_variant_get_child_value (listed, 0);
    g_autoptr (GVariant) entry = g_variant_get_child_value (taps, 0);
    g_autoptr (GVariant) details = g_variant_get_child_value (entry, 2);
    g_autoptr (GVariant) name = g_variant_get_child_value (entry, 0);
    g_assert_cmpstr (g_variant_get_string (name, NULL), ==, "vm-keep");
    g_assert_true (g_variant_lookup (details, "release_on_disconnect", "b", &leased));
    g_assert_false (leased);
  }

  mh_test_agent_kill (alice);
  g_assert_true (mh_test_wait_iface ("vm-lease", FALSE, 5000));
  g_assert_true (mh_test_iface_exists ("vm-keep"));
  g_assert_true (mh_test_iface_exists ("vm-other"));
  g_assert_true (mh_test_wait_registry ("vm-lease", FALSE, 5000));
  g_assert_true (mh_test_wait_registry ("vm-keep", TRUE, 0));
}

static void
test_helper_restart_reconciles (void)
{
  g_autoptr (MhTestAgent) a = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) b = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) c = mh_test_agent_new ("bob");
  g_autofree char *registry = NULL;
  g_autoptr (GVariant) listed = NULL;

  g_variant_unref (
    mh_test_assert_call_ok (a, "CreateTap", "('vm-l1', {'release_on_disconnect': <true>})"));
  g_variant_unref (
    mh_test_assert_call_ok (b, "CreateTap", "('vm-l2', {'release_on_disconnect': <true>})"));
  g_variant_unref (mh_test_assert_call_ok (b, "CreateTap", "('vm-p', {})"));
  g_variant_unref (mh_test_assert_call_ok (c, "CreateTap", "('vm-gone', {})"));

  mh_test_helper_kill ();
  /* While no helper runs: one leasing client dies, and someone removes a
   * recorded tap behind the helper's back. */
  mh_test_agent_kill (b);
  MH_TEST_RUN ("ip", "link", "del", "vm-gone");
  g_assert_true (mh_test_iface_exists ("vm-l2"));

  /* The next call starts a new helper, which reconciles before serving. */
  listed = mh_test_assert_call_ok (a, "ListTaps", "()");
  g_assert_cmpint (mh_test_helper_pid (), >, 0);
  g_assert_false (mh_test_iface_exists ("vm-l2"));
  g_assert_true (mh_test_iface_exists ("vm-l1"));
  g_assert_true (mh_test_iface_exists ("vm-p"));
  registry = mh_test_helper_registry ();
  g_assert_null (strstr (registry, "vm-l2"));
  g_assert_null (strstr (registry, "vm-gone"));
  g_assert_nonnull (strstr (registry, "vm-l1"));
  g_assert_nonnull (strstr (registry, "vm-p"));

  /* The surviving lease is watched again by the new helper. */
  mh_test_agent_kill (a);
  g_assert_true (mh_test_wait_iface ("vm-l1", FALSE, 5000));
  g_assert_true (mh_test_wait_registry ("vm-l1", FALSE, 5000));
  g_assert_true (mh_test_iface_exists ("vm-p"));
}

static void
test_deleted_outside (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (GVariant) first = NULL;
  g_autoptr (GVariant) again = NULL;
  g_autoptr (GVariant) listed = NULL;
  g_autofree char *m = NULL;

  first = mh_test_assert_call_ok (alice, "CreateTap", "('vm-del', {})");
  MH_TEST_RUN ("ip", "link", "del", "vm-del");
  listed = mh_test_assert_call_ok (alice, "ListTaps", "()");
  mh_test_assert_printed (listed, "([],)");
  /* Asking again makes it anew. */
  again = mh_test_assert_call_ok (alice, "CreateTap", "('vm-del', {})");
  g_assert_cmpint (ifindex_of (again), !=, ifindex_of (first));
  assert_tap ("vm-del", MH_TEST_UID_ALICE, TUN_FLAGS_TAP_BASE | IFF_VNET_HDR);
  MH_TEST_RUN ("ip", "link", "del", "vm-del");
  m = mh_test_assert_call_error (alice, "DeleteTap", "('vm-del',)", "NotFound",
                                 "removed outside microvm-helper");
  g_assert_true (mh_test_wait_registry ("vm-del", FALSE, 0));
}

static void
test_owner_changed (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autofree char *m = NULL;

  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-given', {})"));
  /* Whoever attaches (here root, standing in for the user's hypervisor)
   * may hand the tap to someone else. */
  mh_test_tap_set_owner ("vm-given", MH_TEST_UID_BOB);

  m =
    mh_test_assert_call_error (alice, "DeleteTap", "('vm-given',)", "Refused", "owner was changed");
  g_assert_true (mh_test_iface_exists ("vm-given"));
  g_assert_cmpint (mh_test_iface_attr_int ("vm-given", "owner"), ==, MH_TEST_UID_BOB);
}

static void
test_version (void)
{
  g_autoptr (MhTestAgent) carol = mh_test_agent_new ("carol");
  g_autofree char *version = mh_test_agent_command (carol, "get Version");

  g_assert_cmpstr (version, ==, "ok '" MH_TEST_VERSION "'");
}

static void
test_capabilities (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  G_GNUC_UNUSED g_autoptr (GVariant) listed = mh_test_assert_call_ok (alice, "ListTaps", "()");
  g_autofree char *status_path = g_strdup_printf ("/proc/%d/status", mh_test_helper_pid ());
  g_autofree char *status = NULL;

  g_autofree char *expected = NULL;
  const char *const sets[] = { "CapPrm", "CapEff", "CapBnd" };

  g_assert_true (g_file_get_contents (status_path, &status, NULL, NULL));
  /* CAP_CHOWN (bit 0) and CAP_NET_ADMIN (bit 12), and CAP_SYS_RESOURCE
   * (bit 24) where the system grants it: effective, permitted and
   * bounding hold those and nothing else. */
  expected =
    g_strdup_printf ("%016" G_GINT64_MODIFIER "x",
                     (guint64) 0x1001 | (mh_test_root_has_capability (24) ? 0x1000000 : 0));
  for (gsize i = 0; i < G_N_ELEMENTS (sets); i++)
    {
      g_autofree char *line = g_strdup_printf ("%s:\t%s\n", sets[i], expected);
      if (strstr (status, line) == NULL)
        g_error ("the helper's status lacks \"%s\":\n%s", line, status);
    }
  g_assert_nonnull (strstr (status, "CapAmb:\t0000000000000000\n"));
}

static void
test_idle_exit (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  gint64 deadline;

  mh_test_helper_set_args ("--idle-timeout=1");
  g_variant_unref (
    mh_test_assert_call_ok (alice, "CreateTap", "('vm-idle', {'release_on_disconnect': <true>})"));
  /* A lease keeps the helper alive past its idle timeout... */
  g_usleep (2500 * 1000);
  g_assert_cmpint (mh_test_helper_pid (), >, 0);
  g_variant_unref (mh_test_assert_call_ok (alice, "DeleteTap", "('vm-idle',)"));
  /* ...and without one it exits. */
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (mh_test_helper_pid () != 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50 * 1000);
    }
  /* The next call starts it again. */
  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-idle2', {})"));
  g_assert_cmpint (mh_test_helper_pid (), >, 0);
}

static void
test_unknown_method (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autofree char *answer = mh_test_agent_command (alice, "call Reboot ()");

  g_assert_true (g_str_has_prefix (answer, "error org.freedesktop.DBus.Error.UnknownMethod "));
}

int
main (int argc, char **argv)
{
  mh_test_init (&argc, &argv);

  g_test_add_func ("/taps/create-list-delete", test_create_list_delete);
  g_test_add_func ("/taps/single-queue-attach", test_single_queue_attach);
  g_test_add_func ("/taps/idempotent-reuse", test_idempotent_reuse);
  g_test_add_func ("/taps/reuse-multi-queue-mismatch", test_reuse_multi_queue_mismatch);
  g_test_add_func ("/taps/denied-user", test_denied_user);
  g_test_add_func ("/taps/unruled-user", test_unruled_user);
  g_test_add_func ("/taps/second-user", test_second_user);
  g_test_add_func ("/taps/non-tap-interfaces", test_non_tap_interfaces);
  g_test_add_func ("/taps/admin-manage-all", test_admin_manage_all);
  g_test_add_func ("/taps/bad-names", test_bad_names);
  g_test_add_func ("/taps/bad-options", test_bad_options);
  g_test_add_func ("/taps/foreign-tap", test_foreign_tap);
  g_test_add_func ("/taps/per-user-cap", test_per_user_cap);
  g_test_add_func ("/taps/total-cap-and-name-patterns", test_total_cap_and_name_patterns);
  g_test_add_func ("/taps/release-on-disconnect", test_release_on_disconnect);
  g_test_add_func ("/taps/helper-restart-reconciles", test_helper_restart_reconciles);
  g_test_add_func ("/taps/deleted-outside", test_deleted_outside);
  g_test_add_func ("/taps/owner-changed", test_owner_changed);
  g_test_add_func ("/taps/version", test_version);
  g_test_add_func ("/taps/capabilities", test_capabilities);
  g_test_add_func ("/taps/idle-exit", test_idle_exit);
  g_test_add_func ("/taps/unknown-method", test_unknown_method);

  return g_test_run ();
}
