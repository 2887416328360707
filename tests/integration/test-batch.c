/* Integration tests of CreateTaps: one authorization for a VM's whole set
 * of taps, all or nothing. */
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>

#include "mh-test.h"

static void
assert_absent (const char *const *names)
{
  for (; *names != NULL; names++)
    {
      if (mh_test_iface_exists (*names))
        g_error ("%s exists but should not", *names);
      g_assert_true (mh_test_wait_registry (*names, FALSE, 0));
    }
}

static void
test_four_taps (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (GVariant) created = NULL;
  g_autoptr (GVariant) list = NULL;
  const char *names[] = { "vm-n0", "vm-n1", "vm-n2", "vm-n3" };

  created = mh_test_assert_call_ok (
    alice, "CreateTaps",
    "([('vm-n0', {'multi_queue': <true>}), ('vm-n1', {}), "
    "('vm-n2', {'vnet_hdr': <false>}), ('vm-n3', {'multi_queue': <true>})],)");
  list = g_variant_get_child_value (created, 0);
  g_assert_cmpuint (g_variant_n_children (list), ==, 4);
  for (gsize i = 0; i < 4; i++)
    {
      const char *name;
      gint32 ifindex;
      guint expected = IFF_TAP | IFF_NO_PI | IFF_PERSIST;

      g_variant_get_child (list, i, "(&si)", &name, &ifindex);
      g_assert_cmpstr (name, ==, names[i]);
      g_assert_cmpint (ifindex, ==, mh_test_iface_attr_int (name, "ifindex"));
      g_assert_cmpint (mh_test_iface_attr_int (name, "owner"), ==, MH_TEST_UID_ALICE);
      if (i != 2)
        expected |= IFF_VNET_HDR;
      if (i == 0 || i == 3)
        expected |= IFF_MULTI_QUEUE;
      g_assert_cmphex (mh_test_iface_attr_int (name, "tun_flags"), ==, expected);
      g_assert_cmphex (mh_test_iface_attr_int (name, "flags") & IFF_UP, ==, IFF_UP);
    }
}

/* More than four taps are made on a worker thread, fewer on the main
 * thread: the same taps either way. */
static void
test_more_than_four_taps (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (GVariant) created = mh_test_assert_call_ok (
    alice, "CreateTaps",
    "([('vm-m0', {}), ('vm-m1', {'vnet_hdr': <false>}), ('vm-m2', {}), ('vm-m3', {}), "
    "('vm-m4', {'multi_queue': <true>}), ('vm-m5', {})],)");
  g_autoptr (GVariant) list = g_variant_get_child_value (created, 0);

  g_assert_cmpuint (g_variant_n_children (list), ==, 6);
  for (gsize i = 0; i < 6; i++)
    {
      g_autofree char *expected_name = g_strdup_printf ("vm-m%" G_GSIZE_FORMAT, i);
      g_autofree char *args = g_strdup_printf ("('%s',)", expected_name);
      guint expected = IFF_TAP | IFF_NO_PI | IFF_PERSIST;
      const char *name;
      gint32 ifindex;

      g_variant_get_child (list, i, "(&si)", &name, &ifindex);
      g_assert_cmpstr (name, ==, expected_name);
      g_assert_cmpint (ifindex, ==, mh_test_iface_attr_int (name, "ifindex"));
      g_assert_cmpint (mh_test_iface_attr_int (name, "owner"), ==, MH_TEST_UID_ALICE);
      if (i != 1)
        expected |= IFF_VNET_HDR;
      if (i == 4)
        expected |= IFF_MULTI_QUEUE;
      g_assert_cmphex (mh_test_iface_attr_int (name, "tun_flags"), ==, expected);
      g_assert_cmphex (mh_test_iface_attr_int (name, "flags") & IFF_UP, ==, IFF_UP);
      g_assert_true (mh_test_wait_registry (name, TRUE, 0));
      g_variant_unref (mh_test_assert_call_ok (alice, "DeleteTap", args));
      g_assert_false (mh_test_iface_exists (name));
    }
}

static void
test_bad_name_in_the_middle (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autofree char *before = mh_test_iface_list ();
  g_autofree char *after = NULL;
  g_autofree char *m = NULL;
  const char *names[] = { "vm-b0", "vm-b1", "vm-b3", NULL };

  m = mh_test_assert_call_error (alice, "CreateTaps",
                                 "([('vm-b0', {}), ('vm-b1', {}), ('vm/b2', {}), ('vm-b3', {})],)",
                                 "InvalidArgument", "taps[2] \"vm/b2\"");
  assert_absent (names);
  after = mh_test_iface_list ();
  g_assert_cmpstr (before, ==, after);
}

static void
test_other_users_name_in_the_middle (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) bob = mh_test_agent_new ("bob");
  G_GNUC_UNUSED g_autoptr (GVariant) bobs =
    mh_test_assert_call_ok (bob, "CreateTap", "('vm-bob', {})");
  g_autofree char *m1 = NULL, *m2 = NULL;
  gint64 bob_ifindex = mh_test_iface_attr_int ("vm-bob", "ifindex");
  const char *names[] = { "vm-a0", "vm-a1", "vm-a2", "vm-a3", NULL };

  /* Recorded as bob's: refused before anything is made. */
  m1 = mh_test_assert_call_error (alice, "CreateTaps",
                                  "([('vm-a0', {}), ('vm-bob', {}), ('vm-a1', {})],)", "Busy",
                                  "vm-bob: the name is taken by another user's tap");
  assert_absent (names);

  /* Made for bob outside the helper: only the kernel knows, half-way
   * through the batch; what the call made is deleted again. */
  MH_TEST_RUN ("ip", "tuntap", "add", "dev", "vm-bob2", "mode", "tap", "user", "61002");
  m2 = mh_test_assert_call_error (
    alice, "CreateTaps", "([('vm-a2', {}), ('vm-a3', {}), ('vm-bob2', {}), ('vm-a0', {})],)",
    "Busy", "vm-bob2: an interface of that name already exists");
  assert_absent (names);

  g_assert_cmpint (mh_test_iface_attr_int ("vm-bob", "ifindex"), ==, bob_ifindex);
  g_assert_cmpint (mh_test_iface_attr_int ("vm-bob", "owner"), ==, MH_TEST_UID_BOB);
  g_assert_cmpint (mh_test_iface_attr_int ("vm-bob2", "owner"), ==, MH_TEST_UID_BOB);
}

static void
test_denied (void)
{
  g_autoptr (MhTestAgent) mallory = mh_test_agent_new ("mallory");
  g_autoptr (MhTestAgent) carol = mh_test_agent_new ("carol");
  g_autofree char *m1 = NULL, *m2 = NULL;
  g_autofree char *before = mh_test_iface_list ();
  g_autofree char *after = NULL;

  m1 = mh_test_assert_call_error (mallory, "CreateTaps", "([('vm-m0', {}), ('vm-m1', {})],)",
                                  "NotAuthorized", "org.microvm.helper.manage-taps");
  m2 = mh_test_assert_call_error (carol, "CreateTaps", "([('vm-c0', {}), ('vm-c1', {})],)",
                                  "NotAuthorized", "needs authentication");
  after = mh_test_iface_list ();
  g_assert_cmpstr (before, ==, after);
}

static void
test_idempotent_repeat (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (GVariant) first = NULL;
  g_autoptr (GVariant) second = NULL;
  g_autoptr (GVariant) partial = NULL;
  g_autofree char *p1 = NULL, *p2 = NULL;
  const char *batch = "([('vm-i0', {}), ('vm-i1', {'multi_queue': <true>})],)";

  first = mh_test_assert_call_ok (alice, "CreateTaps", batch);
  second = mh_test_assert_call_ok (alice, "CreateTaps", batch);
  p1 = g_variant_print (first, FALSE);
  p2 = g_variant_print (second, FALSE);
  g_assert_cmpstr (p1, ==, p2);

  /* Existing and new mixed: the existing one is reused, the new made. */
  partial = mh_test_assert_call_ok (alice, "CreateTaps", "([('vm-i0', {}), ('vm-i2', {})],)");
  g_assert_true (mh_test_iface_exists ("vm-i2"));

  /* A failure after a reuse leaves the reused one as it was. */
  MH_TEST_RUN ("ip", "link", "add", "vm-veth", "type", "veth", "peer", "name", "vm-veth1");
  g_free (mh_test_assert_call_error (
    alice, "CreateTaps", "([('vm-i0', {}), ('vm-i3', {}), ('vm-veth', {})],)", "Busy", "vm-veth"));
  g_assert_true (mh_test_iface_exists ("vm-i0"));
  g_assert_false (mh_test_iface_exists ("vm-i3"));
}

static void
test_leased_batch_released (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  const char *names[] = { "vm-l0", "vm-l1", "vm-l2", "vm-l3", NULL };

  g_variant_unref (mh_test_assert_call_ok (
    alice, "CreateTaps",
    "([('vm-l0', {'release_on_disconnect': <true>}), ('vm-l1', {'release_on_disconnect': <true>}), "
    "('vm-l2', {'release_on_disconnect': <true>}), ('vm-l3', {'release_on_disconnect': "
    "<true>})],)"));
  for (const char *const *n = names; *n != NULL; n++)
    g_assert_true (mh_test_iface_exists (*n));
  mh_test_agent_kill (alice);
  for (const char *const *n = names; *n != NULL; n++)
    {
      g_assert_true (mh_test_wait_iface (*n, FALSE, 5000));
      g_assert_true (mh_test_wait_registry (*n, FALSE, 5000));
    }
}

static void
test_empty_and_too_long (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (GString) many = g_string_new ("([");
  g_autofree char *m1 = NULL, *m2 = NULL, *m3 = NULL;

  m1 =
    mh_test_assert_call_error (alice, "CreateTaps", "(@a(sa{sv}) [],)", "InvalidArgument", "empty");
  for (int i = 0; i < 33; i++)
    g_string_append_printf (many, "%s('vm-%d', {})", i > 0 ? ", " : "", i);
  g_string_append (many, "],)");
  m2 = mh_test_assert_call_error (alice, "CreateTaps", many->str, "LimitExceeded",
                                  "33 taps asked for in one call");
  m3 = mh_test_assert_call_error (alice, "CreateTaps", "([('vm-d', {}), ('vm-d', {})],)",
                                  "InvalidArgument", "more than once");
  g_assert_false (mh_test_iface_exists ("vm-0"));
  g_assert_false (mh_test_iface_exists ("vm-d"));
}

int
main (int argc, char **argv)
{
  mh_test_init (&argc, &argv);

  g_test_add_func ("/batch/four-taps", test_four_taps);
  g_test_add_func ("/batch/more-than-four-taps", test_more_than_four_taps);
  g_test_add_func ("/batch/bad-name-in-the-middle", test_bad_name_in_the_middle);
  g_test_add_func ("/batch/other-users-name-in-the-middle", test_other_users_name_in_the_middle);
  g_test_add_func ("/batch/denied", test_denied);
  g_test_add_func ("/batch/idempotent-repeat", test_idempotent_repeat);
  g_test_add_func ("/batch/leased-batch-released", test_leased_batch_released);
  g_test_add_func ("/batch/empty-and-too-long", test_empty_and_too_long);

  return g_test_run ();
}
