/* Faults: the helper killed with SIGKILL at every step of creating and
 * deleting a tap and of binding and releasing a PCI device (fault points,
 * in builds with -Dfault_injection=true), polkitd gone, the registry's
 * directory read-only or full.  After each, a restarted helper must agree
 * with the kernel: no half-made tap, every recorded tap exists, every tap
 * of the user exists in the registry, a device is either bound and
 * recorded for its user or back on its driver and forgotten, and leases
 * of clients that are gone are released. */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "mh-test-pci.h"
#include "mh-test.h"

/* Create points before TUNSETPERSIST leave nothing; after it, the tap is
 * complete and the next helper must adopt it.  tap-create-isolated (IPv6
 * and proxy ARP turned off) lies between two points the leased case
 * already covers, and is the same kernel work with a lease or without:
 * no leased case of its own, a sandbox less in CI. */
static const struct {
  const char *point;
  gboolean tap_survives;
  gboolean no_leased_case;
} create_points[] = {
  { "tap-create-reserved", FALSE }, { "tap-create-tunsetiff", FALSE },
  { "tap-create-owner", FALSE },    { "tap-create-isolated", FALSE, TRUE },
  { "tap-create-up", FALSE },       { "tap-create-persist", TRUE },
  { "tap-create-made", TRUE },      { "tap-create-recorded", TRUE },
};

static void
kill_at (const char *point)
{
  g_autofree char *line = g_strdup_printf ("MH_FAULT_KILL_AT=%s\n", point);

  mh_test_helper_set_env (point != NULL ? line : "");
}

static void
expect_helper_died (MhTestAgent *agent, const char *method, const char *args)
{
  g_autofree char *error_name = NULL;
  g_autofree char *message = NULL;
  g_autoptr (GVariant) result = mh_test_agent_call (agent, method, args, &error_name, &message);

  g_assert_null (result);
  g_assert_cmpstr (error_name, ==, "org.freedesktop.DBus.Error.NoReply");
  mh_test_helper_wait_gone ();
}

/* Registry and kernel agree about @name, and ListTaps says the same. */
static void
assert_consistent (MhTestAgent *agent, const char *name, gboolean present)
{
  g_autoptr (GVariant) listed = mh_test_assert_call_ok (agent, "ListTaps", "()");
  g_autofree char *printed = g_variant_print (listed, FALSE);
  g_autofree char *quoted = g_strdup_printf ("'%s'", name);

  g_assert_cmpint (mh_test_iface_exists (name), ==, present);
  g_assert_true (mh_test_wait_registry (name, present, 0));
  g_assert_cmpint (strstr (printed, quoted) != NULL, ==, present);
  if (present)
    {
      g_autofree char *registry = mh_test_helper_registry ();
      g_assert_cmpint (mh_test_iface_attr_int (name, "owner"), ==, MH_TEST_UID_ALICE);
      g_assert_null (strstr (registry, "state=creating"));
    }
}

static void
test_create_killed (gconstpointer data)
{
  guint index = GPOINTER_TO_UINT (data);
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");

  kill_at (create_points[index].point);
  expect_helper_died (alice, "CreateTap", "('vm-f', {})");
  kill_at (NULL);

  /* The next call starts a new helper, which reconciles before serving. */
  assert_consistent (alice, "vm-f", create_points[index].tap_survives);
  /* Either way the name is usable again. */
  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-f', {})"));
  g_variant_unref (mh_test_assert_call_ok (alice, "DeleteTap", "('vm-f',)"));
  assert_consistent (alice, "vm-f", FALSE);
}

/* A batch of more than four taps does its kernel work on a worker thread
 * (a VM's few taps are made on the main thread): killed there before the
 * first tap is persistent, nothing is left; killed once all are made but
 * before the registry says so, the next helper adopts every one. */
#define WORKER_BATCH 6

static void
test_worker_batch_killed (gconstpointer data)
{
  const char *point = data;
  gboolean survive = strcmp (point, "tap-create-made") == 0;
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (GString) batch = g_string_new ("([");

  for (guint i = 0; i < WORKER_BATCH; i++)
    g_string_append_printf (batch, "%s('vm-w%u', {})", i > 0 ? ", " : "", i);
  g_string_append (batch, "],)");
  kill_at (point);
  expect_helper_died (alice, "CreateTaps", batch->str);
  kill_at (NULL);

  for (guint i = 0; i < WORKER_BATCH; i++)
    {
      g_autofree char *name = g_strdup_printf ("vm-w%u", i);
      g_autofree char *args = g_strdup_printf ("('%s',)", name);

      assert_consistent (alice, name, survive);
      if (survive)
        g_variant_unref (mh_test_assert_call_ok (alice, "DeleteTap", args));
    }
}

/* A tap on a bridge passes two more points, between the owner and the
 * isolation: its MTU and its master.  Killed anywhere before
 * TUNSETPERSIST, the port goes with the device and the bridge is as it
 * was; after it, the tap is adopted as a port of the bridge. */
static const struct {
  const char *point;
  gboolean tap_survives;
} bridged_points[] = {
  { "tap-create-owner", FALSE },    { "tap-create-mtu", FALSE }, { "tap-create-master", FALSE },
  { "tap-create-isolated", FALSE }, { "tap-create-up", FALSE },  { "tap-create-persist", TRUE },
};

static char *
bridge_ports (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/sys/class/net/br-f/brif", 0, NULL);
  const char *entry;
  gboolean has_tap = FALSE, has_uplink = FALSE;

  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      has_tap |= strcmp (entry, "vm-f") == 0;
      has_uplink |= strcmp (entry, "up-f") == 0;
    }
  g_assert_true (has_uplink);
  return g_strdup (has_tap ? "up-f vm-f" : "up-f");
}

static void
test_bridged_create_killed (gconstpointer data)
{
  guint index = GPOINTER_TO_UINT (data);
  g_autoptr (MhTestAgent) alice = NULL;
  g_autofree char *ports = NULL;
  g_autofree char *ports_again = NULL;

  MH_TEST_RUN ("ip", "link", "add", "br-f", "mtu", "1400", "type", "bridge");
  MH_TEST_RUN ("ip", "link", "add", "up-f", "mtu", "1400", "type", "veth", "peer", "name",
               "up-f-peer", "mtu", "1400");
  MH_TEST_RUN ("ip", "link", "set", "up-f", "master", "br-f");
  mh_test_helper_set_config ("[Network]\nAllowedBridges=br-f\n");
  alice = mh_test_agent_new ("alice");

  kill_at (bridged_points[index].point);
  expect_helper_died (alice, "CreateTap", "('vm-f', {'bridge': <'br-f'>})");
  kill_at (NULL);

  assert_consistent (alice, "vm-f", bridged_points[index].tap_survives);
  ports = bridge_ports ();
  g_assert_cmpstr (ports, ==, bridged_points[index].tap_survives ? "up-f vm-f" : "up-f");
  g_assert_cmpint (mh_test_iface_attr_int ("br-f", "mtu"), ==, 1400);
  /* Either way the same request succeeds now, reusing or making it. */
  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-f', {'bridge': <'br-f'>})"));
  ports_again = bridge_ports ();
  g_assert_cmpstr (ports_again, ==, "up-f vm-f");
  g_assert_cmpint (mh_test_iface_attr_int ("vm-f", "mtu"), ==, 1400);
}

static void
test_leased_create_killed (gconstpointer data)
{
  guint index = GPOINTER_TO_UINT (data);
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) leaser = mh_test_agent_new ("alice");

  kill_at (create_points[index].point);
  expect_helper_died (leaser, "CreateTap", "('vm-l', {'release_on_disconnect': <true>})");
  kill_at (NULL);
  /* The client goes too, while no helper runs. */
  mh_test_agent_kill (leaser);

  assert_consistent (alice, "vm-l", FALSE);
}

static void
test_delete_killed (gconstpointer data)
{
  const char *point = data;
  gboolean survives = strcmp (point, "tap-delete-before-kernel") == 0;
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");

  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-d', {})"));
  mh_test_helper_kill ();
  kill_at (point);
  expect_helper_died (alice, "DeleteTap", "('vm-d',)");
  kill_at (NULL);

  assert_consistent (alice, "vm-d", survives);
  if (survives)
    g_variant_unref (mh_test_assert_call_ok (alice, "DeleteTap", "('vm-d',)"));
  assert_consistent (alice, "vm-d", FALSE);
}

/* A lease of several taps ends (its client goes, as `microvm-user stop`
 * makes it go) and the helper is killed around the one group deletion:
 * the next helper deletes whatever is left, and nothing of the lease
 * stays, in the kernel or in the registry. */
static void
test_lease_release_killed (gconstpointer data)
{
  const char *point = data;
  const char *const taps[] = { "vm-g0", "vm-g1", "vm-g2" };
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) leaser = mh_test_agent_new ("alice");

  g_variant_unref (mh_test_assert_call_ok (
    leaser, "CreateTaps",
    "([('vm-g0', {'release_on_disconnect': <true>}), ('vm-g1', {'release_on_disconnect': "
    "<true>}), ('vm-g2', {'release_on_disconnect': <true>})],)"));
  /* A helper that will die at @point, holding the lease of a client that
   * is still there. */
  mh_test_helper_kill ();
  kill_at (point);
  g_variant_unref (mh_test_assert_call_ok (alice, "ListTaps", "()"));
  for (guint i = 0; i < G_N_ELEMENTS (taps); i++)
    g_assert_true (mh_test_iface_exists (taps[i]));

  mh_test_agent_kill (leaser);
  mh_test_helper_wait_gone ();
  kill_at (NULL);

  /* The next helper finishes the release before it serves. */
  for (guint i = 0; i < G_N_ELEMENTS (taps); i++)
    assert_consistent (alice, taps[i], FALSE);
}

static GPid
polkitd_pid (void)
{
  g_autoptr (GArray) pids = mh_test_find_processes ("polkitd", -1);

  return pids->len > 0 ? g_array_index (pids, GPid, 0) : 0;
}

static void
test_polkitd_gone (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (GSubprocess) polkitd = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  GPid pid = polkitd_pid ();

  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-p0', {})"));
  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  while (polkitd_pid () != 0)
    g_usleep (10 * 1000);

  before = mh_test_iface_list ();
  message = mh_test_assert_call_error (alice, "CreateTap", "('vm-p1', {})", "NotAuthorized",
                                       "is polkitd running?");
  g_free (message);
  message = mh_test_assert_call_error (alice, "DeleteTap", "('vm-p0',)", "NotAuthorized",
                                       "is polkitd running?");
  after = mh_test_iface_list ();
  g_assert_cmpstr (before, ==, after);
  g_assert_true (mh_test_wait_registry ("vm-p0", TRUE, 0));
  g_assert_true (mh_test_wait_registry ("vm-p1", FALSE, 0));

  /* polkitd back: the same helper works again. */
  polkitd = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
                              &error, "/usr/lib/polkit-1/polkitd", "--no-debug", NULL);
  g_assert_no_error (error);
  for (int i = 0;; i++)
    {
      g_autofree char *error_name = NULL;
      g_autofree char *answer = NULL;
      g_autoptr (GVariant) result =
        mh_test_agent_call (alice, "CreateTap", "('vm-p1', {})", &error_name, &answer);
      if (result != NULL)
        break;
      g_assert_cmpint (i, <, 100);
      g_usleep (50 * 1000);
    }
  g_assert_true (mh_test_iface_exists ("vm-p1"));
  g_variant_unref (mh_test_assert_call_ok (alice, "DeleteTap", "('vm-p0',)"));
  g_subprocess_force_exit (polkitd);
}

/* The registry's directory on a small tmpfs of its own, prepared before
 * the helper first starts. */
static void
mount_small_runtime_dir (void)
{
  g_assert_cmpint (mh_test_helper_pid (), ==, 0);
  MH_TEST_RUN ("mkdir", "-p", "/run/microvm-helper");
  MH_TEST_RUN ("mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", "/run/microvm-helper");
}

static void
check_refused_without_loss (MhTestAgent *alice, const char *reason)
{
  g_autofree char *registry_before = mh_test_helper_registry ();
  g_autofree char *registry_after = NULL;
  g_autofree char *message = NULL;
  g_autofree char *interfaces_before = mh_test_iface_list ();
  g_autofree char *interfaces_after = NULL;

  message =
    mh_test_assert_call_error (alice, "CreateTaps", "([('vm-r1', {}), ('vm-r2', {})],)", "Failed",
                               "nothing was created: cannot record taps in the registry");
  g_assert_nonnull (strstr (message, reason));
  registry_after = mh_test_helper_registry ();
  interfaces_after = mh_test_iface_list ();
  g_assert_cmpstr (registry_before, ==, registry_after);
  g_assert_cmpstr (interfaces_before, ==, interfaces_after);
  /* What it had is still served. */
  {
    g_autoptr (GVariant) listed = mh_test_assert_call_ok (alice, "ListTaps", "()");
    g_autofree char *printed = g_variant_print (listed, FALSE);
    g_assert_nonnull (strstr (printed, "'vm-r0'"));
  }
}

/* The release of a leased tap fails once (as it would for lack of file
 * descriptors): the helper says so in ListTaps and tries again until the
 * tap is gone. */
static void
test_release_retried (void)
{
  g_autoptr (MhTestAgent) holder = NULL;
  g_autoptr (MhTestAgent) alice = NULL;
  gboolean reported = FALSE;

  mh_test_helper_set_env ("MH_FAULT_FAIL_ONCE=tap-delete\n");
  holder = mh_test_agent_new ("alice");
  g_variant_unref (mh_test_assert_call_ok (holder, "CreateTap",
                                           "('vm-retry', {'release_on_disconnect': <true>})"));
  mh_test_agent_kill (holder);

  alice = mh_test_agent_new ("alice");
  for (guint waited = 0; waited < 1000 && !reported; waited += 20)
    {
      g_autoptr (GVariant) listed = mh_test_assert_call_ok (alice, "ListTaps", "()");
      g_autofree char *printed = g_variant_print (listed, FALSE);

      if (strstr (printed, "'release_error': <'delete vm-retry (fault injection)") != NULL)
        reported = TRUE;
      else
        g_usleep (20 * 1000);
    }
  g_assert_true (reported);
  g_assert_true (mh_test_iface_exists ("vm-retry"));

  /* The first retry, a second later, deletes it. */
  g_assert_true (mh_test_wait_iface ("vm-retry", FALSE, 5000));
  g_assert_true (mh_test_wait_registry ("vm-retry", FALSE, 2000));
  {
    g_autoptr (GVariant) listed = mh_test_assert_call_ok (alice, "ListTaps", "()");
    mh_test_assert_printed (listed, "([],)");
  }
}

static void
test_registry_read_only (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");

  mount_small_runtime_dir ();
  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-r0', {})"));
  MH_TEST_RUN ("mount", "-o", "remount,ro", "/run/microvm-helper");
  check_refused_without_loss (alice, "Read-only file system");
  MH_TEST_RUN ("mount", "-o", "remount,rw", "/run/microvm-helper");
  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-r1', {})"));
}

static void
test_registry_disk_full (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  char block[4096] = { 0 };
  int fd;

  mount_small_runtime_dir ();
  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-r0', {})"));
  fd = open ("/run/microvm-helper/filler", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  while (write (fd, block, sizeof block) > 0)
    ;
  close (fd);
  check_refused_without_loss (alice, "No space left on device");
  g_assert_cmpint (unlink ("/run/microvm-helper/filler"), ==, 0);
  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-r1', {})"));
}

/* ------------------------------------------------------------------ */
/* PCI: the fake PCI world (tests/fakepci) stands in for sysfs and
 * /dev/vfio; everything else is real. */

#define NIC "0000:01:00.0"
#define NIC_GROUP 1

/* Binding points before the final record leave nothing: the next helper
 * gives the device back to e1000e.  After it, the device is bound and
 * recorded, and the next helper keeps it for its user. */
static const struct {
  const char *point;
  gboolean stays_bound;
} bind_points[] = {
  { "pci-bind-recorded", FALSE }, { "pci-bind-override", FALSE }, { "pci-bind-unbound", FALSE },
  { "pci-bind-probed", FALSE },   { "pci-bind-checked", FALSE },  { "pci-bind-node-owned", FALSE },
  { "pci-bind-bound", TRUE },
};

/* A release interrupted at any step is finished by the next helper.
 * pci-restore-bound-by-name is reached only when probing does not bring
 * the original driver back, so the world is told to fail the probe. */
static const struct {
  const char *point;
  gboolean probe_fails;
} release_points[] = {
  { "pci-release-recorded", FALSE },  { "pci-release-node-taken", FALSE },
  { "pci-restore-override", FALSE },  { "pci-restore-unbound", FALSE },
  { "pci-restore-probed", FALSE },    { "pci-restore-bound-by-name", TRUE },
  { "pci-release-forgotten", FALSE },
};

static void
start_pci_world (void)
{
  g_autofree char *spec = mh_test_pci_standard_spec (TRUE);

  mh_test_pci_start (spec, NULL);
}

/* Back on e1000e as before the bind, no override, no group node, no
 * record, nothing listed. */
static void
assert_pci_given_back (MhTestAgent *alice)
{
  /* Starts the next helper if none runs; it gives back on a worker. */
  g_autoptr (GVariant) devices = mh_test_pci_list (alice);

  g_assert_cmpuint (g_variant_n_children (devices), ==, 0);
  g_assert_true (mh_test_pci_wait_driver (NIC, "e1000e", 10000));
  g_assert_true (mh_test_pci_wait_registry (NIC, FALSE, 10000));
  mh_test_pci_assert_override (NIC, "(null)");
  g_assert_false (mh_test_pci_node_exists (NIC_GROUP));
  mh_test_pci_assert_no_violation ();
}

/* On vfio-pci, recorded as alice's, her group node, listed. */
static void
assert_pci_still_bound (MhTestAgent *alice)
{
  g_autoptr (GVariant) devices = mh_test_pci_list (alice);
  g_autofree char *registry = mh_test_pci_registry ();

  mh_test_pci_assert_driver (NIC, "vfio-pci");
  mh_test_pci_assert_override (NIC, "vfio-pci");
  g_assert_nonnull (strstr (registry, "address=" NIC "\n"));
  g_assert_null (strstr (registry, "state=binding"));
  mh_test_pci_assert_node_owner (NIC_GROUP, MH_TEST_UID_ALICE);
  g_assert_cmpuint (g_variant_n_children (devices), ==, 1);
  mh_test_pci_assert_no_violation ();
}

/* Whatever happened, the device can be bound and given back again. */
static void
assert_pci_usable (MhTestAgent *alice)
{
  g_free (mh_test_pci_bind_ok (alice, NIC, "{}"));
  mh_test_pci_assert_node_owner (NIC_GROUP, MH_TEST_UID_ALICE);
  mh_test_pci_release_ok (alice, NIC);
  mh_test_pci_assert_driver (NIC, "e1000e");
  mh_test_pci_assert_no_violation ();
}

static void
test_pci_bind_killed (gconstpointer data)
{
  guint index = GPOINTER_TO_UINT (data);
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");

  start_pci_world ();
  kill_at (bind_points[index].point);
  expect_helper_died (alice, "BindPciDevice", "('" NIC "', {})");
  kill_at (NULL);

  /* The next call starts a new helper, which reconciles before serving. */
  if (bind_points[index].stays_bound)
    {
      assert_pci_still_bound (alice);
      mh_test_pci_release_ok (alice, NIC);
    }
  else
    assert_pci_given_back (alice);
  assert_pci_usable (alice);
}

static void
test_pci_leased_bind_killed (gconstpointer data)
{
  guint index = GPOINTER_TO_UINT (data);
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) leaser = mh_test_agent_new ("alice");

  start_pci_world ();
  kill_at (bind_points[index].point);
  expect_helper_died (leaser, "BindPciDevice", "('" NIC "', {'release_on_disconnect': <true>})");
  kill_at (NULL);
  /* The client goes too, while no helper runs: whatever step the bind
   * reached, the device is given back. */
  mh_test_agent_kill (leaser);
  assert_pci_given_back (alice);
  assert_pci_usable (alice);
}

static void
test_pci_release_killed (gconstpointer data)
{
  guint index = GPOINTER_TO_UINT (data);
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autofree char *error_name = NULL;
  g_autofree char *message = NULL;

  start_pci_world ();
  g_free (mh_test_pci_bind_ok (alice, NIC, "{}"));
  mh_test_helper_kill ();
  kill_at (release_points[index].point);
  if (release_points[index].probe_fails)
    mh_test_pci_control ("fail drivers_probe " NIC);
  /* The new helper keeps the device for alice, then dies releasing it. */
  expect_helper_died (alice, "ReleasePciDevice", "('" NIC "',)");
  kill_at (NULL);

  /* The next helper finishes what alice asked for. */
  assert_pci_given_back (alice);
  mh_test_pci_control ("clear-failures");
  assert_pci_usable (alice);
}

static void
test_pci_lease_release_killed (gconstpointer data)
{
  guint index = GPOINTER_TO_UINT (data);
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) leaser = mh_test_agent_new ("alice");

  start_pci_world ();
  /* Binding passes none of the release points. */
  kill_at (release_points[index].point);
  g_free (mh_test_pci_bind_ok (leaser, NIC, "{'release_on_disconnect': <true>}"));
  if (release_points[index].probe_fails)
    mh_test_pci_control ("fail drivers_probe " NIC);
  /* The client leaves: the helper gives the device back and dies on the
   * way. */
  mh_test_agent_kill (leaser);
  mh_test_helper_wait_gone ();
  kill_at (NULL);

  assert_pci_given_back (alice);
  mh_test_pci_control ("clear-failures");
  assert_pci_usable (alice);
}

int
main (int argc, char **argv)
{
  mh_test_init (&argc, &argv);

  for (guint i = 0; i < G_N_ELEMENTS (create_points); i++)
    {
      g_autofree char *path = g_strdup_printf ("/faults/create-killed/%s", create_points[i].point);
      g_autofree char *leased =
        g_strdup_printf ("/faults/leased-create-killed/%s", create_points[i].point);
      g_test_add_data_func (path, GUINT_TO_POINTER (i), test_create_killed);
      if (!create_points[i].no_leased_case)
        g_test_add_data_func (leased, GUINT_TO_POINTER (i), test_leased_create_killed);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bridged_points); i++)
    {
      g_autofree char *path =
        g_strdup_printf ("/faults/bridged-create-killed/%s", bridged_points[i].point);
      g_test_add_data_func (path, GUINT_TO_POINTER (i), test_bridged_create_killed);
    }
  g_test_add_data_func ("/faults/worker-batch-killed/tap-create-up", "tap-create-up",
                        test_worker_batch_killed);
  g_test_add_data_func ("/faults/worker-batch-killed/tap-create-made", "tap-create-made",
                        test_worker_batch_killed);
  g_test_add_data_func ("/faults/delete-killed/tap-delete-before-kernel",
                        "tap-delete-before-kernel", test_delete_killed);
  g_test_add_data_func ("/faults/delete-killed/tap-delete-after-kernel", "tap-delete-after-kernel",
                        test_delete_killed);
  g_test_add_data_func ("/faults/lease-release-killed/tap-delete-before-kernel",
                        "tap-delete-before-kernel", test_lease_release_killed);
  g_test_add_data_func ("/faults/lease-release-killed/tap-delete-after-kernel",
                        "tap-delete-after-kernel", test_lease_release_killed);
  for (guint i = 0; i < G_N_ELEMENTS (bind_points); i++)
    {
      g_autofree char *path = g_strdup_printf ("/faults/pci-bind-killed/%s", bind_points[i].point);
      g_autofree char *leased =
        g_strdup_printf ("/faults/pci-leased-bind-killed/%s", bind_points[i].point);
      g_test_add_data_func (path, GUINT_TO_POINTER (i), test_pci_bind_killed);
      g_test_add_data_func (leased, GUINT_TO_POINTER (i), test_pci_leased_bind_killed);
    }
  for (guint i = 0; i < G_N_ELEMENTS (release_points); i++)
    {
      g_autofree char *path =
        g_strdup_printf ("/faults/pci-release-killed/%s", release_points[i].point);
      g_autofree char *leased =
        g_strdup_printf ("/faults/pci-lease-release-killed/%s", release_points[i].point);
      g_test_add_data_func (path, GUINT_TO_POINTER (i), test_pci_release_killed);
      g_test_add_data_func (leased, GUINT_TO_POINTER (i), test_pci_lease_release_killed);
    }
  g_test_add_func ("/faults/polkitd-gone", test_polkitd_gone);
  g_test_add_func ("/faults/registry-read-only", test_registry_read_only);
  g_test_add_func ("/faults/release-retried", test_release_retried);
  g_test_add_func ("/faults/registry-disk-full", test_registry_disk_full);

  return g_test_run ();
}
