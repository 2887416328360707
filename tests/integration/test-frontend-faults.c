/* microvm-user when things go wrong: a virtiofsd killed or crashing in a
 * loop, the hypervisor crashing, microvm-user itself killed, the system
 * bus restarted; and PCI passthrough against the fake PCI world.  Same
 * runners and checks as test-frontend.c (tests/support/mh-test-runner.h). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mh-test-pci.h"
#include "mh-test-runner.h"

static char *
make_pci_runner (const char *name)
{
  MhTestRunnerSpec spec = mh_test_full_spec;
  g_autofree char *runner = NULL;
  g_autofree char *hypervisor = g_strdup_printf ("--open %s", "/run/mh-fakepci/dev/vfio/1");

  spec.name = name;
  spec.hypervisor = hypervisor;
  runner = mh_test_make_runner (&spec);
  mh_test_write_file (runner, "share/microvm/pci-devices", "01:00.0\n", 0644);
  return g_steal_pointer (&runner);
}

static gboolean
serves_share (GPid pid, const char *socket)
{
  g_autofree char *cmdline_path = g_strdup_printf ("/proc/%d/cmdline", pid);
  g_autofree char *cmdline = NULL;
  gsize length = 0;

  return g_file_get_contents (cmdline_path, &cmdline, &length, NULL) &&
         memmem (cmdline, length, socket, strlen (socket)) != NULL;
}

static void
test_virtiofsd_restarted (void)
{
  g_autofree char *output = mh_test_user_path ("alice", "frontend.log");
  g_autoptr (GSubprocess) frontend = mh_test_start_full_vm (output);
  g_autoptr (GArray) before = mh_test_find_processes ("virtiofsd", MH_TEST_UID_ALICE);
  g_autoptr (GArray) killed = g_array_new (FALSE, FALSE, sizeof (GPid));
  g_autofree char *log = NULL;
  gint64 deadline;

  /* Kill every virtiofsd of the share "rel": the supervisor starts it
   * again and the VM keeps running. */
  for (guint i = 0; i < before->len; i++)
    {
      GPid pid = g_array_index (before, GPid, i);
      if (serves_share (pid, "rel.sock") && kill (pid, SIGKILL) == 0)
        g_array_append_val (killed, pid);
    }
  g_assert_cmpuint (killed->len, >, 0);

  /* Said so, and a virtiofsd that was not killed serves "rel" again. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr (GArray) now = mh_test_find_processes ("virtiofsd", MH_TEST_UID_ALICE);
      gboolean renewed = FALSE;

      for (guint i = 0; i < now->len; i++)
        {
          GPid pid = g_array_index (now, GPid, i);
          gboolean was_killed = FALSE;
          for (guint j = 0; j < killed->len; j++)
            was_killed |= pid == g_array_index (killed, GPid, j);
          renewed |= !was_killed && serves_share (pid, "rel.sock");
        }
      if (renewed && mh_test_file_contains (output, "; restarting it in 250 ms"))
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20 * 1000);
    }
  g_assert_cmpuint (mh_test_count_processes ("mh-fake-hypervi", MH_TEST_UID_ALICE), ==, 1);

  g_subprocess_send_signal (frontend, SIGTERM);
  mh_test_finish_full_vm (frontend, output, 0);
  g_file_get_contents (output, &log, NULL, NULL);
  /* Killing the C virtiofsd's sandboxed worker makes its parent exit 1;
   * either way it is noticed and restarted. */
  g_assert_nonnull (strstr (log, "virtiofsd for the share rel "));
  /* Stopping makes virtiofsd exit too; that is not restarted. */
  g_assert_null (strstr (strstr (log, "asking the VM to power off"), "restarting"));
}

static void
test_frontend_killed (void)
{
  g_autofree char *output = mh_test_user_path ("alice", "frontend.log");
  g_autoptr (GSubprocess) frontend = mh_test_start_full_vm (output);

  g_subprocess_force_exit (frontend);
  mh_test_wait_exit (frontend, 5000);
  /* PR_SET_PDEATHSIG takes the children down; the helper releases the
   * taps leased to the dead frontend's bus connection. */
  mh_test_assert_nothing_left ((const char *const[]){ "vm-f0", "vm-f1", NULL });
}

static void
test_hypervisor_crash (void)
{
  MhTestRunnerSpec spec = mh_test_full_spec;
  g_autofree char *output = mh_test_user_path ("alice", "frontend.log");
  g_autofree char *runner = NULL;
  g_autofree char *log = NULL;
  g_autoptr (GSubprocess) frontend = NULL;

  spec.hypervisor = "--crash";
  runner = mh_test_make_runner (&spec);
  frontend = mh_test_start_run ("alice", runner, output, NULL);
  g_assert_cmpint (mh_test_wait_exit (frontend, 30000), ==, 128 + SIGSEGV);
  g_file_get_contents (output, &log, NULL, NULL);
  g_assert_nonnull (strstr (log, "the hypervisor was killed by signal 11 (Segmentation fault)"));
  mh_test_assert_nothing_left ((const char *const[]){ "vm-f0", "vm-f1", NULL });
}

static void
test_virtiofsd_crash_loop (void)
{
  g_autofree char *output = mh_test_user_path ("alice", "frontend.log");
  g_autofree char *runner = mh_test_make_runner (&mh_test_full_spec);
  g_autofree char *fake = mh_test_user_path ("alice", "crashing-virtiofsd");
  g_autofree char *option = g_strdup_printf ("--virtiofsd=%s", fake);
  g_autofree char *log = NULL;
  g_autofree char *report = mh_test_report_path ("full");
  g_autoptr (GSubprocess) frontend = NULL;
  g_autofree char *home = mh_test_home ("alice");

  /* Looks like the Rust virtiofsd, and exits at once every time. */
  mh_test_write_file (home, "crashing-virtiofsd",
                      "#!/bin/sh\n"
                      "case \"$1\" in --help) echo '--shared-dir DIR'; exit 0 ;; esac\n"
                      "echo 'crashing-virtiofsd: out of luck' >&2\n"
                      "exit 1\n",
                      0755);
  frontend = mh_test_start_run ("alice", runner, output, option);
  g_assert_cmpint (mh_test_wait_exit (frontend, 60000), ==, 1);
  g_file_get_contents (output, &log, NULL, NULL);
  g_test_message ("%s", log);
  g_assert_nonnull (strstr (log, "restarting it in 4000 ms"));
  /* Both shares crash; whichever gives up first ends the start. */
  g_assert_true (strstr (log, "microvm-user: virtiofsd for the share abs keeps exiting (it "
                              "exited with status 1, 5 restarts in 60 s)") != NULL ||
                 strstr (log, "microvm-user: virtiofsd for the share rel keeps exiting (it "
                              "exited with status 1, 5 restarts in 60 s)") != NULL);
  /* The VM never started, and nothing is left. */
  g_assert_false (g_file_test (report, G_FILE_TEST_EXISTS));
  mh_test_assert_nothing_left ((const char *const[]){ "vm-f0", "vm-f1", NULL });
}

#define RESTARTED_BUS_SOCKET "/run/dbus/restarted_bus_socket"

static void
test_bus_restarted (void)
{
  g_autofree char *output = mh_test_user_path ("alice", "frontend.log");
  g_autofree char *report = mh_test_report_path ("full");
  g_autoptr (GSubprocess) frontend = mh_test_start_full_vm (output);
  g_autofree char *pid_path = g_build_filename (g_getenv ("MH_SANDBOX_DIR"), "dbus.pid", NULL);
  g_autofree char *config =
    g_build_filename (g_getenv ("MH_SANDBOX_DIR"), "dbus", "system.conf", NULL);
  g_autofree char *config_option = g_strdup_printf ("--config-file=%s", config);
  g_autofree char *pid_text = NULL;
  g_autofree char *log = NULL;
  g_autoptr (GSubprocess) bus = NULL;
  g_autoptr (GSubprocess) polkitd = NULL;
  g_autoptr (GError) error = NULL;

  /* The bus goes away and comes back (as when dbus is restarted).  The
   * new one listens elsewhere until polkitd is on it: the frontend
   * reconnects within 100 ms of the socket appearing, and polkitd, not
   * activatable here as it is on a real system, would not be there yet
   * under load. */
  g_assert_true (g_file_get_contents (pid_path, &pid_text, NULL, NULL));
  g_assert_cmpint (kill (atoi (pid_text), SIGKILL), ==, 0);
  g_usleep (100 * 1000);
  unlink ("/run/dbus/system_bus_socket");
  bus = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, "dbus-daemon", config_option,
                          "--address=unix:path=" RESTARTED_BUS_SOCKET, "--nofork", "--nopidfile",
                          "--nosyslog", NULL);
  g_assert_no_error (error);
  while (!g_file_test (RESTARTED_BUS_SOCKET, G_FILE_TEST_EXISTS))
    g_usleep (10 * 1000);
  {
    g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDERR_SILENCE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
    g_autoptr (GDBusConnection) watcher = NULL;

    g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS",
                                  "unix:path=" RESTARTED_BUS_SOCKET, TRUE);
    polkitd = g_subprocess_launcher_spawn (launcher, &error, "/usr/lib/polkit-1/polkitd",
                                           "--no-debug", NULL);
    g_assert_no_error (error);
    watcher =
      g_dbus_connection_new_for_address_sync ("unix:path=" RESTARTED_BUS_SOCKET,
                                              G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                              NULL, NULL, &error);
    g_assert_no_error (error);
    for (gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;;)
      {
        g_autoptr (GVariant) owned = g_dbus_connection_call_sync (
          watcher, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
          "NameHasOwner", g_variant_new ("(s)", "org.freedesktop.PolicyKit1"),
          G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        gboolean has_owner = FALSE;

        g_assert_no_error (error);
        g_variant_get (owned, "(b)", &has_owner);
        if (has_owner)
          break;
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_usleep (10 * 1000);
      }
  }
  g_assert_cmpint (symlink (RESTARTED_BUS_SOCKET, "/run/dbus/system_bus_socket"), ==, 0);

  /* The frontend says so, stops the VM gracefully and gets the taps
   * removed by the helper of the new bus. */
  g_assert_cmpint (mh_test_wait_exit (frontend, 30000), ==, 0);
  g_file_get_contents (output, &log, NULL, NULL);
  g_test_message ("%s", log);
  g_assert_nonnull (strstr (log, "the connection to the system bus was lost"));
  g_assert_true (mh_test_file_contains (report, "powered off\n"));
  g_assert_nonnull (strstr (log, "the taps are gone"));
  mh_test_assert_nothing_left ((const char *const[]){ "vm-f0", "vm-f1", NULL });
  g_subprocess_force_exit (polkitd);
  g_subprocess_force_exit (bus);
}

static void
test_pci_passthrough (void)
{
  g_autofree char *runner = NULL;
  g_autofree char *output = mh_test_user_path ("alice", "frontend.log");
  g_autofree char *report = mh_test_report_path ("pci");
  g_autofree char *log = NULL;
  g_autoptr (GSubprocess) frontend = NULL;
  g_autofree char *spec = mh_test_pci_standard_spec (TRUE);

  mh_test_pci_start (spec, NULL);
  runner = make_pci_runner ("pci");
  /* 4 MiB is below the 8 MiB limit the user has: nothing to raise. */
  frontend = mh_test_start_run ("alice", runner, output, "--memlock=4M");
  if (!mh_test_wait_file_contains (report, "ready\n", 20000))
    {
      g_file_get_contents (output, &log, NULL, NULL);
      g_error ("the VM did not start:\n%s", log);
    }
  /* The hypervisor holds the group, which the helper handed to alice. */
  g_assert_true (mh_test_file_contains (report, "open /run/mh-fakepci/dev/vfio/1 ok\n"));
  mh_test_pci_assert_driver ("0000:01:00.0", "vfio-pci");
  mh_test_pci_assert_node_owner (1, MH_TEST_UID_ALICE);

  g_subprocess_send_signal (frontend, SIGTERM);
  g_assert_cmpint (mh_test_wait_exit (frontend, 30000), ==, 0);
  g_file_get_contents (output, &log, NULL, NULL);
  g_test_message ("%s", log);
  g_assert_nonnull (strstr (log, "PCI device 0000:01:00.0 is yours: "
                                 "/run/mh-fakepci/dev/vfio/1"));
  g_assert_nonnull (strstr (log, "giving back the PCI devices bound for this run (0000:01:00.0)"));
  /* Given back after the hypervisor let go, to the driver it had. */
  g_assert_true (mh_test_pci_wait_driver ("0000:01:00.0", "e1000e", 5000));
  g_assert_false (mh_test_pci_node_exists (1));
  mh_test_pci_assert_no_violation ();
  g_assert_true (mh_test_pci_wait_registry ("0000:01:00.0", FALSE, 5000));
  mh_test_assert_nothing_left ((const char *const[]){ "vm-f0", "vm-f1", NULL });
}

static void
test_pci_memlock (void)
{
  g_autofree char *runner = NULL;
  g_autofree char *binary = mh_test_microvm_user ();
  g_autofree char *no_size = NULL;
  g_autofree char *refused = NULL;
  g_autofree char *report = mh_test_report_path ("pcimem");
  g_autofree char *spec = mh_test_pci_standard_spec (TRUE);

  mh_test_pci_start (spec, NULL);
  runner = make_pci_runner ("pcimem");

  /* Without a size: said what to give, before the VM starts. */
  g_assert_cmpint (
    mh_test_run_as ("alice", &no_size, (const char *const[]){ binary, "run", runner, NULL }), ==,
    1);
  g_assert_nonnull (strstr (no_size, "PCI passthrough pins all of the VM's memory, and your "
                                     "locked-memory limit is 8388608 bytes: give --memlock=SIZE"));

  /* More than the user has, and the administrator set no MaxMemlock. */
  g_assert_cmpint (
    mh_test_run_as ("alice", &refused,
                    (const char *const[]){ binary, "run", "--memlock=6G", runner, NULL }),
    ==, 1);
  g_test_message ("%s", refused);
  g_assert_nonnull (strstr (refused, "microvm-user: cannot raise the locked-memory limit to "
                                     "6442450944 bytes: "));
  /* Nothing started, and the device went back. */
  g_assert_false (g_file_test (report, G_FILE_TEST_EXISTS));
  g_assert_true (mh_test_pci_wait_driver ("0000:01:00.0", "e1000e", 5000));
  mh_test_pci_assert_no_violation ();
  mh_test_assert_nothing_left ((const char *const[]){ "vm-f0", "vm-f1", NULL });
}

/* Evaluates a Python expression over the parsed JSON document `d`. */
int
main (int argc, char **argv)
{
  mh_test_init (&argc, &argv);

  g_test_add_func ("/frontend/virtiofsd-restarted", test_virtiofsd_restarted);
  g_test_add_func ("/frontend/frontend-killed", test_frontend_killed);
  g_test_add_func ("/frontend/hypervisor-crash", test_hypervisor_crash);
  g_test_add_func ("/frontend/virtiofsd-crash-loop", test_virtiofsd_crash_loop);
  g_test_add_func ("/frontend/bus-restarted", test_bus_restarted);
  g_test_add_func ("/frontend/pci-passthrough", test_pci_passthrough);
  g_test_add_func ("/frontend/pci-memlock", test_pci_memlock);

  return g_test_run ();
}
