/* Integration tests of macvtaps: real macvtaps on a veth pair in the
 * sandbox's own network namespace (one end the administrator allows as a
 * parent, another veth not), their /dev/tapN given to the caller, batches
 * mixing taps, bridged taps and macvtaps, leases, and the helper killed at
 * each step of making one.
 *
 * /dev/tapN comes from the machine's devtmpfs, which every network
 * namespace shares, and N is the ifindex, which each namespace counts on
 * its own: two sandboxes making macvtaps at once could both want
 * /dev/tap5.  So these tests never run beside each other: meson runs them
 * one at a time (is_parallel: false) and each holds an exclusive lock on
 * a file in the machine's /tmp while it runs, which also keeps out a
 * second meson run (another checkout) doing the same.  The helper's own
 * check of the node's device number against sysfs would refuse a node of
 * another namespace's macvtap, but a test should not depend on that. */
#include <fcntl.h>
#include <linux/if.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mh-test-runner.h"
#include "mh-test.h"

#define LOCK_PATH "/tmp/microvm-helper-macvtap-tests.lock"
#define CONFIG "[Network]\nAllowedMacvtapLinks=lan0\nAllowedBridges=br-ok\n"

static int lock_fd = -1;

static void
take_machine_lock (void)
{
  lock_fd = open (LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  g_assert_cmpint (lock_fd, >=, 0);
  g_assert_cmpint (flock (lock_fd, LOCK_EX), ==, 0);
}

/* lan0 (allowed) and lan1 (not) are each one end of a veth pair, as a
 * host's uplink would be; br-ok is an allowed bridge. */
static void
make_links (void)
{
  MH_TEST_RUN ("ip", "link", "add", "lan0", "type", "veth", "peer", "name", "lan0-peer");
  MH_TEST_RUN ("ip", "link", "add", "lan1", "type", "veth", "peer", "name", "lan1-peer");
  MH_TEST_RUN ("ip", "link", "set", "lan0", "up");
  MH_TEST_RUN ("ip", "link", "add", "br-ok", "type", "bridge");
}

static char *
node_of (const char *name)
{
  return g_strdup_printf ("/dev/tap%" G_GINT64_FORMAT, mh_test_iface_attr_int (name, "ifindex"));
}

/* The /dev/tapN nodes of the machine, sorted. */
static char *
tap_nodes (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/dev", 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *entry;

  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (entry, "tap") && g_ascii_isdigit (entry[3]))
      g_ptr_array_add (names, g_strdup (entry));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static void
log_ip_link (const char *name)
{
  g_autofree char *out = NULL;
  const char *argv[] = { "ip", "-d", "link", "show", name, NULL };

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               NULL, NULL, NULL));
  g_test_message ("ip -d link show %s:\n%s", name, out);
}

static char *
read_attr (const char *name, const char *attribute)
{
  g_autofree char *path = g_build_filename ("/sys/class/net", name, attribute, NULL);
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return g_strstrip (text);
}

/* Everything a refusal must not change. */
typedef struct {
  char *interfaces;
  char *nodes;
  char *registry;
} World;

static void
world_take (World *world, MhTestAgent *agent)
{
  /* The helper running, so the snapshot has its registry file. */
  g_variant_unref (mh_test_assert_call_ok (agent, "ListTaps", "()"));
  world->interfaces = mh_test_iface_list ();
  world->nodes = tap_nodes ();
  world->registry = mh_test_helper_registry ();
}

static void
world_assert_same (World *before)
{
  g_autofree char *interfaces = mh_test_iface_list ();
  g_autofree char *nodes = tap_nodes ();
  g_autofree char *registry = mh_test_helper_registry ();

  g_assert_cmpstr (interfaces, ==, before->interfaces);
  g_assert_cmpstr (nodes, ==, before->nodes);
  g_assert_cmpstr (registry, ==, before->registry);
  g_free (before->interfaces);
  g_free (before->nodes);
  g_free (before->registry);
}

static void
assert_refused (MhTestAgent *agent, const char *method, const char *args, const char *short_name,
                const char *part)
{
  World before;
  g_autofree char *message = NULL;

  world_take (&before, agent);
  message = mh_test_assert_call_error (agent, method, args, short_name, part);
  world_assert_same (&before);
}

/* The macvtap @name is complete: on @link, up with allmulticast, IPv6
 * off, its node the macvtap's device, @uid's, 0600. */
static void
assert_macvtap (const char *name, const char *link, guint32 uid)
{
  g_autofree char *node = node_of (name);
  g_autofree char *devpath = g_strdup_printf ("macvtap/tap%" G_GINT64_FORMAT "/dev",
                                              mh_test_iface_attr_int (name, "ifindex"));
  g_autofree char *dev = read_attr (name, devpath);
  g_autofree char *ipv6_path = g_strdup_printf ("/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
  g_autofree char *ipv6 = NULL;
  g_autofree char *rdev = NULL;
  struct stat st;

  g_assert_cmpint (mh_test_iface_attr_int (name, "iflink"), ==,
                   mh_test_iface_attr_int (link, "ifindex"));
  g_assert_cmphex (mh_test_iface_attr_int (name, "flags") & (IFF_UP | IFF_ALLMULTI), ==,
                   IFF_UP | IFF_ALLMULTI);
  g_assert_true (g_file_get_contents (ipv6_path, &ipv6, NULL, NULL));
  g_assert_cmpstr (g_strstrip (ipv6), ==, "1");
  g_assert_cmpint (lstat (node, &st), ==, 0);
  g_assert_true (S_ISCHR (st.st_mode));
  rdev = g_strdup_printf ("%u:%u", major (st.st_rdev), minor (st.st_rdev));
  g_assert_cmpstr (rdev, ==, dev);
  g_assert_cmpuint (st.st_uid, ==, uid);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0600);
}

static GVariant *
details_of (MhTestAgent *agent, const char *name)
{
  g_autoptr (GVariant) listed = mh_test_assert_call_ok (agent, "ListTaps", "()");
  g_autoptr (GVariant) taps = g_variant_get_child_value (listed, 0);

  for (gsize i = 0; i < g_variant_n_children (taps); i++)
    {
      const char *entry_name;
      gint32 ifindex;
      GVariant *details;

      g_variant_get_child (taps, i, "(&si@a{sv})", &entry_name, &ifindex, &details);
      if (strcmp (entry_name, name) == 0)
        return details;
      g_variant_unref (details);
    }
  return NULL;
}

static void
test_create_list_delete (void)
{
  g_autoptr (MhTestAgent) alice = NULL;
  g_autoptr (MhTestAgent) bob = NULL;
  g_autoptr (GVariant) created = NULL;
  g_autoptr (GVariant) details = NULL;
  g_autofree char *node = NULL;
  g_autofree char *mac = NULL;
  g_autofree char *opened = NULL;
  g_autofree char *refused = NULL;
  g_autofree char *expected_open = NULL;
  const char *text;
  gint32 ifindex;

  make_links ();
  mh_test_helper_set_config (CONFIG);
  alice = mh_test_agent_new ("alice");
  bob = mh_test_agent_new ("bob");

  created = mh_test_assert_call_ok (
    alice, "CreateTap",
    "('vm-mv', {'type': <'macvtap'>, 'link': <'lan0'>, 'mac': <'02:AA:bb:00:00:01'>})");
  g_variant_get (created, "(&si)", &text, &ifindex);
  g_assert_cmpint (ifindex, ==, mh_test_iface_attr_int ("vm-mv", "ifindex"));
  log_ip_link ("vm-mv");
  assert_macvtap ("vm-mv", "lan0", MH_TEST_UID_ALICE);
  mac = read_attr ("vm-mv", "address");
  g_assert_cmpstr (mac, ==, "02:aa:bb:00:00:01");

  /* The hypervisor opens the node itself; another user cannot. */
  node = node_of ("vm-mv");
  opened = mh_test_agent_command (alice, "open-macvtap %s", node);
  expected_open = g_strdup ("ok vm-mv");
  g_assert_cmpstr (opened, ==, expected_open);
  refused = mh_test_agent_command (bob, "open-macvtap %s", node);
  g_assert_true (g_str_has_prefix (refused, "errno 13 "));

  details = details_of (alice, "vm-mv");
  g_assert_nonnull (details);
  g_assert_true (g_variant_lookup (details, "type", "&s", &text));
  g_assert_cmpstr (text, ==, "macvtap");
  g_assert_true (g_variant_lookup (details, "link", "&s", &text));
  g_assert_cmpstr (text, ==, "lan0");
  g_assert_true (g_variant_lookup (details, "mode", "&s", &text));
  g_assert_cmpstr (text, ==, "bridge");
  g_assert_true (g_variant_lookup (details, "mac", "&s", &text));
  g_assert_cmpstr (text, ==, "02:aa:bb:00:00:01");
  g_assert_true (g_variant_lookup (details, "device", "&s", &text));
  g_assert_cmpstr (text, ==, node);
  g_assert_null (details_of (bob, "vm-mv"));

  /* The same again reuses it; as a tap, or on another mode, it is Busy. */
  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap",
                                           "('vm-mv', {'type': <'macvtap'>, 'link': <'lan0'>})"));
  assert_refused (alice, "CreateTap", "('vm-mv', @a{sv} {})", "Busy", "your macvtap");
  assert_refused (alice, "CreateTap",
                  "('vm-mv', {'type': <'macvtap'>, 'link': <'lan0'>, 'mode': <'vepa'>})", "Busy",
                  "exists on lan0 in mode bridge");

  g_variant_unref (mh_test_assert_call_ok (alice, "DeleteTap", "('vm-mv',)"));
  g_assert_false (mh_test_iface_exists ("vm-mv"));
  g_assert_false (g_file_test (node, G_FILE_TEST_EXISTS));
  g_assert_true (mh_test_iface_exists ("lan0"));
}

static void
test_refusals (void)
{
  g_autoptr (MhTestAgent) alice = NULL;
  g_autoptr (MhTestAgent) bob = NULL;

  make_links ();
  alice = mh_test_agent_new ("alice");
  /* No [Network]: no parent at all. */
  assert_refused (alice, "CreateTap", "('vm-x', {'type': <'macvtap'>, 'link': <'lan0'>})",
                  "Refused",
                  "vm-x: the administrator allows no interface as the parent link of a macvtap "
                  "(AllowedMacvtapLinks= in the [Network] group of /run/mh-sandbox/helper.conf)");
  mh_test_helper_kill ();
  mh_test_helper_wait_gone ();
  mh_test_helper_set_config ("[Network]\nAllowedMacvtapLinks=lan0;lan9;vm-*\n");
  bob = mh_test_agent_new ("bob");

  assert_refused (alice, "CreateTap", "('vm-x', {'type': <'macvtap'>, 'link': <'lan1'>})",
                  "Refused", "allows only lan0, lan9, vm-* as the parent link of a macvtap");
  assert_refused (alice, "CreateTap", "('vm-x', {'type': <'macvtap'>, 'link': <'lan9'>})",
                  "NotFound", "vm-x: the parent link lan9 does not exist");
  g_variant_unref (mh_test_assert_call_ok (bob, "CreateTap", "('vm-bob', @a{sv} {})"));
  assert_refused (alice, "CreateTap", "('vm-x', {'type': <'macvtap'>, 'link': <'vm-bob'>})",
                  "Refused", "vm-bob is a virtual machine's tap, not a network of this computer");
  assert_refused (alice, "CreateTap",
                  "('vm-x', {'type': <'macvtap'>, 'link': <'lan0'>, 'mode': <'passthru'>})",
                  "Refused", "macvtap mode passthru needs the administrator's consent");
  assert_refused (alice, "CreateTap",
                  "('vm-x', {'type': <'macvtap'>, 'link': <'lan0'>, 'mode': <'nat'>})",
                  "InvalidArgument", "option mode: \"nat\" is not a macvtap mode");
  assert_refused (alice, "CreateTap", "('vm-x', {'type': <'macvtap'>})", "InvalidArgument",
                  "needs the option link");
  assert_refused (alice, "CreateTap",
                  "('vm-x', {'type': <'macvtap'>, 'link': <'lan0'>, 'bridge': <'br-ok'>})",
                  "InvalidArgument", "option bridge does not apply to type \"macvtap\"");
  assert_refused (alice, "CreateTap", "('vm-x', {'link': <'lan0'>})", "InvalidArgument",
                  "option link does not apply to type \"tap\"");
  assert_refused (alice, "CreateTap",
                  "('vm-x', {'type': <'macvtap'>, 'link': <'lan0'>, 'mac': <'01:00:5e:00:00:01'>})",
                  "InvalidArgument", "not a unicast Ethernet address");
  assert_refused (alice, "CreateTap",
                  "('vm-x', {'type': <'macvtap'>, 'link': <'lan0'>, 'mtu': <uint32 67>})",
                  "InvalidArgument", "outside 68..65535");
  /* The one plain mode beside bridge, and an MTU, work. */
  g_variant_unref (mh_test_assert_call_ok (
    alice, "CreateTap",
    "('vm-x', {'type': <'macvtap'>, 'link': <'lan0'>, 'mode': <'vepa'>, 'mtu': <uint32 1400>})"));
  assert_macvtap ("vm-x", "lan0", MH_TEST_UID_ALICE);
  g_assert_cmpint (mh_test_iface_attr_int ("vm-x", "mtu"), ==, 1400);
}

static void
test_consented_modes (void)
{
  g_autoptr (MhTestAgent) alice = NULL;
  g_autoptr (GVariant) details = NULL;
  const char *mode;

  make_links ();
  mh_test_helper_set_config ("[Network]\nAllowedMacvtapLinks=lan0\nAllowedMacvtapModes=source\n");
  alice = mh_test_agent_new ("alice");
  g_variant_unref (mh_test_assert_call_ok (
    alice, "CreateTap", "('vm-src', {'type': <'macvtap'>, 'link': <'lan0'>, 'mode': <'source'>})"));
  details = details_of (alice, "vm-src");
  g_assert_true (g_variant_lookup (details, "mode", "&s", &mode));
  g_assert_cmpstr (mode, ==, "source");
  assert_refused (alice, "CreateTap",
                  "('vm-pt', {'type': <'macvtap'>, 'link': <'lan0'>, 'mode': <'passthru'>})",
                  "Refused", "AllowedMacvtapModes=");
}

static void
test_mixed_batch (void)
{
  g_autoptr (MhTestAgent) alice = NULL;
  g_autofree char *master = NULL;

  make_links ();
  MH_TEST_RUN ("ip", "link", "add", "vm-taken", "type", "veth", "peer", "name", "vm-taken-p");
  mh_test_helper_set_config (CONFIG);
  alice = mh_test_agent_new ("alice");

  /* The last entry fails in the kernel after a macvtap and a bridged tap
   * were made: both undone, their node too. */
  assert_refused (alice, "CreateTaps",
                  "([('vm-c', {'type': <'macvtap'>, 'link': <'lan0'>}), "
                  "('vm-b', {'bridge': <'br-ok'>}), ('vm-taken', @a{sv} {})],)",
                  "Busy", "vm-taken: an interface of that name already exists");
  /* A refusal before polkit, on the last entry. */
  assert_refused (alice, "CreateTaps",
                  "([('vm-a', @a{sv} {}), ('vm-b', {'bridge': <'br-ok'>}), "
                  "('vm-c', {'type': <'macvtap'>, 'link': <'lan1'>})],)",
                  "Refused", "vm-c: the administrator allows only lan0");

  g_variant_unref (
    mh_test_assert_call_ok (alice, "CreateTaps",
                            "([('vm-a', @a{sv} {}), ('vm-b', {'bridge': <'br-ok'>}), "
                            "('vm-c', {'type': <'macvtap'>, 'link': <'lan0'>})],)"));
  log_ip_link ("vm-b");
  assert_macvtap ("vm-c", "lan0", MH_TEST_UID_ALICE);
  master = g_file_read_link ("/sys/class/net/vm-b/master", NULL);
  g_assert_true (g_str_has_suffix (master, "/br-ok"));
  g_assert_cmpint (mh_test_iface_attr_int ("vm-a", "owner"), ==, MH_TEST_UID_ALICE);
}

static void
test_lease_released (void)
{
  g_autoptr (MhTestAgent) alice = NULL;
  g_autoptr (MhTestAgent) leaser = NULL;
  g_autofree char *node = NULL;

  make_links ();
  mh_test_helper_set_config (CONFIG);
  alice = mh_test_agent_new ("alice");
  leaser = mh_test_agent_new ("alice");
  g_variant_unref (mh_test_assert_call_ok (
    leaser, "CreateTaps",
    "([('vm-l0', {'type': <'macvtap'>, 'link': <'lan0'>, 'release_on_disconnect': <true>}), "
    "('vm-l1', {'release_on_disconnect': <true>})],)"));
  node = node_of ("vm-l0");
  g_assert_true (g_file_test (node, G_FILE_TEST_EXISTS));
  mh_test_agent_kill (leaser);
  g_assert_true (mh_test_wait_iface ("vm-l0", FALSE, 5000));
  g_assert_true (mh_test_wait_iface ("vm-l1", FALSE, 5000));
  g_assert_true (mh_test_wait_registry ("vm-l0", FALSE, 5000));
  g_assert_false (g_file_test (node, G_FILE_TEST_EXISTS));
  g_assert_true (mh_test_iface_exists ("lan0"));
}

/* Someone with the right to (root here) gives the node to bob: alice's
 * macvtap is no longer hers to delete, and the helper leaves it alone. */
static void
test_given_away (void)
{
  g_autoptr (MhTestAgent) alice = NULL;
  g_autofree char *node = NULL;
  g_autofree char *m = NULL;

  make_links ();
  mh_test_helper_set_config (CONFIG);
  alice = mh_test_agent_new ("alice");
  g_variant_unref (mh_test_assert_call_ok (
    alice, "CreateTap", "('vm-given', {'type': <'macvtap'>, 'link': <'lan0'>})"));
  node = node_of ("vm-given");
  g_assert_cmpint (chown (node, MH_TEST_UID_BOB, (gid_t) -1), ==, 0);

  m =
    mh_test_assert_call_error (alice, "DeleteTap", "('vm-given',)", "Refused", "owner was changed");
  g_assert_true (mh_test_iface_exists ("vm-given"));
  g_assert_null (details_of (alice, "vm-given"));
}

/* microvm-user runs a VM whose runner lists a macvtap and two taps, the
 * taps on a bridge from --bridge: one CreateTaps, the hypervisor opens
 * /dev/tapN itself as upstream's microvm-run does, and stopping the VM
 * leaves no interface, no node and no record. */
static void
test_frontend_run (void)
{
  MhTestRunnerSpec spec = mh_test_full_spec;
  g_autofree char *output = mh_test_user_path ("alice", "frontend.log");
  g_autofree char *binary = mh_test_microvm_user ();
  g_autofree char *report = NULL;
  g_autofree char *runner = NULL;
  g_autofree char *nodes = NULL;
  g_autofree char *nodes_after = NULL;
  g_autofree char *master = NULL;
  g_autofree char *said = NULL;
  g_autofree char *log = NULL;
  g_autofree char *registry = NULL;
  g_autoptr (GSubprocess) frontend = NULL;

  make_links ();
  mh_test_helper_set_config (CONFIG);
  spec.name = "net";
  spec.shares = FALSE;
  spec.hypervisor = "--tap vm-f0:multi --macvtap vm-mv";
  runner = mh_test_make_runner (&spec);
  mh_test_write_file (runner, "share/microvm/macvtap-interfaces",
                      "vm-mv 02:00:00:00:00:09 lan0 source\n", 0644);
  report = mh_test_report_path ("net");
  nodes = tap_nodes ();

  /* source is a mode the administrator has not consented to. */
  frontend = mh_test_start_run ("alice", runner, output, "--bridge=br-ok");
  g_assert_cmpint (mh_test_wait_exit (frontend, 30000), ==, 1);
  g_file_get_contents (output, &log, NULL, NULL);
  g_assert_nonnull (strstr (log, "macvtap mode source needs the administrator's consent"));
  g_assert_false (mh_test_iface_exists ("vm-f0"));
  g_clear_object (&frontend);

  mh_test_write_file (runner, "share/microvm/macvtap-interfaces",
                      "vm-mv 02:00:00:00:00:09 lan0 bridge\n", 0644);
  frontend = mh_test_start_run ("alice", runner, output, "--bridge=br-ok");
  g_assert_true (mh_test_wait_file_contains (report, "ready\n", 30000));
  g_assert_true (mh_test_file_contains (report, "tap vm-f0 ok\n"));
  g_assert_true (mh_test_file_contains (report, "macvtap vm-mv ok\n"));
  assert_macvtap ("vm-mv", "lan0", MH_TEST_UID_ALICE);
  master = g_file_read_link ("/sys/class/net/vm-f1/master", NULL);
  g_assert_true (g_str_has_suffix (master, "/br-ok"));
  log_ip_link ("vm-f1");

  g_assert_cmpint (
    mh_test_run_as ("alice", &said, (const char *const[]){ binary, "stop", "net", NULL }), ==, 0);
  g_assert_cmpint (mh_test_wait_exit (frontend, 30000), ==, 0);
  g_clear_pointer (&log, g_free);
  g_file_get_contents (output, &log, NULL, NULL);
  g_test_message ("frontend output:\n%s", log);
  g_assert_nonnull (strstr (log, "the taps on the bridge br-ok (from --bridge)"));
  g_assert_true (mh_test_wait_iface ("vm-mv", FALSE, 5000));
  g_assert_false (mh_test_iface_exists ("vm-f0"));
  g_assert_false (mh_test_iface_exists ("vm-f1"));
  nodes_after = tap_nodes ();
  g_assert_cmpstr (nodes_after, ==, nodes);
  g_assert_true (mh_test_wait_registry ("vm-mv", FALSE, 5000));
  registry = mh_test_helper_registry ();
  g_assert_null (strstr (registry, "name="));
}

#ifdef MH_FAULT_INJECTION
/* The helper killed at each step of making a macvtap: the next start
 * deletes a half-made one (the name was reserved for it) and adopts a
 * complete one; either way the kernel, the nodes and the registry agree
 * and the same call succeeds again. */
static void
test_create_killed (gconstpointer data)
{
  const char *point = data;
  gboolean survives = strcmp (point, "macvtap-create-node") == 0;
  g_autoptr (MhTestAgent) alice = NULL;
  g_autofree char *env = g_strdup_printf ("MH_FAULT_KILL_AT=%s\n", point);
  g_autofree char *error_name = NULL;
  g_autofree char *message = NULL;
  g_autoptr (GVariant) result = NULL;
  g_autofree char *nodes = NULL;
  g_autofree char *registry = NULL;

  make_links ();
  mh_test_helper_set_config (CONFIG);
  alice = mh_test_agent_new ("alice");
  nodes = tap_nodes ();
  mh_test_helper_set_env (env);
  result = mh_test_agent_call (
    alice, "CreateTap", "('vm-f', {'type': <'macvtap'>, 'link': <'lan0'>})", &error_name, &message);
  g_assert_null (result);
  g_assert_cmpstr (error_name, ==, "org.freedesktop.DBus.Error.NoReply");
  mh_test_helper_wait_gone ();
  mh_test_helper_set_env ("");

  /* The next call starts a new helper, which reconciles first. */
  {
    g_autoptr (GVariant) details = details_of (alice, "vm-f");

    g_assert_cmpint (details != NULL, ==, survives);
  }
  g_assert_cmpint (mh_test_iface_exists ("vm-f"), ==, survives);
  g_assert_true (mh_test_wait_registry ("vm-f", survives, 0));
  registry = mh_test_helper_registry ();
  g_assert_null (strstr (registry, "state=creating"));
  if (!survives)
    {
      g_autofree char *after = tap_nodes ();
      g_assert_cmpstr (after, ==, nodes);
    }
  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap",
                                           "('vm-f', {'type': <'macvtap'>, 'link': <'lan0'>})"));
  assert_macvtap ("vm-f", "lan0", MH_TEST_UID_ALICE);
}
#endif

int
main (int argc, char **argv)
{
  mh_test_init (&argc, &argv);
  take_machine_lock ();

  g_test_add_func ("/macvtap/create-list-delete", test_create_list_delete);
  g_test_add_func ("/macvtap/refusals", test_refusals);
  g_test_add_func ("/macvtap/consented-modes", test_consented_modes);
  g_test_add_func ("/macvtap/mixed-batch", test_mixed_batch);
  g_test_add_func ("/macvtap/lease-released", test_lease_released);
  g_test_add_func ("/macvtap/given-away", test_given_away);
  g_test_add_func ("/macvtap/frontend-run", test_frontend_run);
#ifdef MH_FAULT_INJECTION
  g_test_add_data_func ("/macvtap/create-killed/macvtap-create-made", "macvtap-create-made",
                        test_create_killed);
  g_test_add_data_func ("/macvtap/create-killed/macvtap-create-isolated", "macvtap-create-isolated",
                        test_create_killed);
  g_test_add_data_func ("/macvtap/create-killed/macvtap-create-up", "macvtap-create-up",
                        test_create_killed);
  g_test_add_data_func ("/macvtap/create-killed/macvtap-create-node", "macvtap-create-node",
                        test_create_killed);
#endif

  return g_test_run ();
}
