/* A tap is held by one run at a time (issue 14): a second VM of the same
 * user listing a tap that a running VM holds is refused by `run` and by
 * `start`, naming the holder, before the helper is asked for anything;
 * the first VM's tap stays as it was, attached and working; and two runs
 * starting at once cannot both pass.  Real microvm-user, bus, polkitd and
 * helper; the hypervisor is mh-fake-hypervisor, attached to its taps. */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "mh-test-runner.h"

/* Whether @process has not exited (it is not reaped before the test
 * waits for it, so its /proc entry is there either way). */
static gboolean
still_running (GSubprocess *process)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", g_subprocess_get_identifier (process));
  g_autofree char *stat = NULL;
  const char *end;

  if (!g_file_get_contents (path, &stat, NULL, NULL) || (end = strrchr (stat, ')')) == NULL)
    return FALSE;
  return end[1] == ' ' && end[2] != 'Z';
}

/* Taps vm-o0 and vm-f1: the second is also the full VM's, with the same
 * flags, so that without the rule the helper would hand it over. */
static const MhTestRunnerSpec other_spec = {
  .name = "other",
  .taps = "vm-o0\nvm-f1\n",
  .tap_flags = "vnet_hdr\nmulti_queue\n",
  .shutdown = TRUE,
};

/* The full VM's taps are where they were, alice's, recorded by the
 * helper, and still attached to its hypervisor (a tap's carrier is up
 * while a queue is attached). */
static void
assert_full_vm_taps_intact (void)
{
  for (const char *const *tap = (const char *const[]){ "vm-f0", "vm-f1", NULL }; *tap; tap++)
    {
      g_assert_true (mh_test_iface_exists (*tap));
      g_assert_cmpint (mh_test_iface_attr_int (*tap, "owner"), ==, MH_TEST_UID_ALICE);
      g_assert_cmpint (mh_test_iface_attr_int (*tap, "carrier"), ==, 1);
      g_assert_true (mh_test_wait_registry (*tap, TRUE, 1000));
    }
}

/* Nothing of the refused VM: no tap asked for, no hypervisor report. */
static void
assert_other_vm_untouched (void)
{
  g_autofree char *report = mh_test_report_path ("other");

  g_assert_false (mh_test_iface_exists ("vm-o0"));
  g_assert_false (mh_test_wait_registry ("vm-o0", TRUE, 200));
  g_assert_false (g_file_test (report, G_FILE_TEST_EXISTS));
}

/* @data is the command that must refuse: "run" (in the terminal) or
 * "start" (no user manager in the sandbox: in the background, so it must
 * refuse before it hands the VM over).  Then the first VM stops, the
 * other one runs through the same command, and nothing is left. */
static void
test_refused_while_held (gconstpointer data)
{
  const char *command = data;
  gboolean start = g_str_equal (command, "start");
  g_autofree char *output = mh_test_user_path ("alice", "frontend.log");
  g_autoptr (GSubprocess) frontend = mh_test_start_full_vm (output);
  g_autofree char *runner = mh_test_make_runner (&other_spec);
  g_autofree char *binary = mh_test_microvm_user ();
  g_autofree char *other_state = mh_test_state_dir ("alice", "other");
  g_autofree char *other_report = mh_test_report_path ("other");
  g_autofree char *full_report = mh_test_report_path ("full");
  g_autofree char *other_output = mh_test_user_path ("alice", "other.log");
  g_autofree char *said = NULL, *refused = NULL, *status = NULL, *log = NULL;
  const char *argument = start ? "other" : runner;
  g_autoptr (GSubprocess) other = NULL;

  if (start)
    g_assert_cmpint (
      mh_test_run_as ("alice", &said,
                      (const char *const[]){ binary, "install", "other", runner, NULL }),
      ==, 0);
  g_assert_cmpint (
    mh_test_run_as ("alice", &refused, (const char *const[]){ binary, command, argument, NULL }),
    ==, 1);
  g_test_message ("%s said: %s", command, refused);
  g_assert_nonnull (strstr (refused, "microvm-user: the tap vm-f1 is held by the VM full, which "
                                     "is running"));
  g_assert_nonnull (strstr (refused, "`microvm-user stop full`"));
  if (start)
    {
      g_autofree char *console = g_build_filename (other_state, "console.log", NULL);
      g_assert_false (g_file_test (console, G_FILE_TEST_EXISTS));
    }
  else /* refused before anything: not even the VM's state directory */
    g_assert_false (g_file_test (other_state, G_FILE_TEST_EXISTS));
  assert_other_vm_untouched ();
  assert_full_vm_taps_intact ();

  /* `status` shows what the running VM holds. */
  g_assert_cmpint (
    mh_test_run_as ("alice", &status, (const char *const[]){ binary, "status", "full", NULL }), ==,
    0);
  g_assert_nonnull (strstr (status, "taps:     vm-f0 vm-f1\n"));

  /* The first VM ran on undisturbed and stops cleanly. */
  g_assert_false (mh_test_file_contains (full_report, "error"));
  g_subprocess_send_signal (frontend, SIGINT);
  mh_test_finish_full_vm (frontend, output, 0);

  /* Now that it is gone, the tap is free for the other VM. */
  other = mh_test_spawn_as ("alice", other_output,
                            (const char *const[]){ binary, command, argument, NULL });
  if (!mh_test_wait_file_contains (other_report, "ready\n", 15000))
    {
      g_file_get_contents (other_output, &log, NULL, NULL);
      g_error ("the other VM did not start once the tap was free:\n%s", log);
    }
  g_assert_true (mh_test_file_contains (other_report, "tap vm-f1 ok\n"));
  if (start)
    {
      g_autofree char *stopped = NULL;

      g_assert_cmpint (mh_test_wait_exit (other, 30000), ==, 0);
      g_assert_cmpint (
        mh_test_run_as ("alice", &stopped, (const char *const[]){ binary, "stop", "other", NULL }),
        ==, 0);
    }
  else
    {
      g_subprocess_send_signal (other, SIGTERM);
      g_assert_cmpint (mh_test_wait_exit (other, 30000), ==, 0);
    }
  mh_test_assert_nothing_left ((const char *const[]){ "vm-o0", "vm-f0", "vm-f1", NULL });
}

/* A frontend killed with SIGKILL leaves its record behind, but the record
 * holds nothing once its run lock is gone: the tap is free again. */
static void
test_killed_holder_holds_nothing (void)
{
  g_autofree char *output = mh_test_user_path ("alice", "frontend.log");
  g_autoptr (GSubprocess) frontend = mh_test_start_full_vm (output);
  g_autofree char *runner = mh_test_make_runner (&other_spec);
  g_autofree char *record = NULL;
  g_autofree char *full_state = mh_test_state_dir ("alice", "full");
  g_autofree char *other_output = mh_test_user_path ("alice", "other.log");
  g_autofree char *other_report = mh_test_report_path ("other");
  g_autofree char *log = NULL;
  g_autoptr (GSubprocess) other = NULL;

  g_subprocess_force_exit (frontend);
  mh_test_wait_exit (frontend, 5000);
  mh_test_assert_nothing_left ((const char *const[]){ "vm-f0", "vm-f1", NULL });
  record = g_build_filename (full_state, "held-taps", NULL);
  g_assert_true (mh_test_file_contains (record, "vm-f1\n"));

  other = mh_test_start_run ("alice", runner, other_output, NULL);
  if (!mh_test_wait_file_contains (other_report, "ready\n", 15000))
    {
      g_file_get_contents (other_output, &log, NULL, NULL);
      g_error ("the tap of a killed VM stayed held:\n%s", log);
    }
  g_subprocess_send_signal (other, SIGTERM);
  g_assert_cmpint (mh_test_wait_exit (other, 30000), ==, 0);
  mh_test_assert_nothing_left ((const char *const[]){ "vm-o0", "vm-f1", NULL });
}

/* Two runs of VMs sharing vm-r0 started at once, while the test holds
 * the user's tap lock: neither gets past the check (the helper is not
 * even started) until the lock is free; then exactly one runs and the
 * other is refused, naming it. */
static void
test_two_runs_at_once (void)
{
  const char *names[] = { "race-a", "race-b" };
  g_autofree char *root = mh_test_user_path ("alice", ".local/state/microvm");
  g_autofree char *lock_path = g_build_filename (root, ".taps-lock", NULL);
  g_autofree char *binary = mh_test_microvm_user ();
  g_autofree char *made = NULL;
  GSubprocess *runs[2];
  char *outputs[2];
  char *reports[2];
  int lock_fd;
  int refused = -1;

  /* The lock file as alice's run would make it, then held by the test. */
  g_assert_cmpint (
    mh_test_run_as ("alice", &made,
                    (const char *const[]){ "sh", "-c", "mkdir -p \"$1\" && touch \"$1/.taps-lock\"",
                                           "sh", root, NULL }),
    ==, 0);
  lock_fd = open (lock_path, O_RDWR | O_CLOEXEC);
  g_assert_cmpint (lock_fd, >=, 0);
  g_assert_cmpint (flock (lock_fd, LOCK_EX), ==, 0);

  for (guint i = 0; i < 2; i++)
    {
      MhTestRunnerSpec spec = {
        .name = names[i], .taps = "vm-r0\n", .tap_flags = "vnet_hdr\n", .shutdown = TRUE
      };
      g_autofree char *runner = mh_test_make_runner (&spec);
      g_autofree char *log = g_strdup_printf ("%s.log", names[i]);

      outputs[i] = mh_test_user_path ("alice", log);
      reports[i] = mh_test_report_path (names[i]);
      runs[i] = mh_test_start_run ("alice", runner, outputs[i], NULL);
    }
  g_usleep (1500 * 1000);
  for (guint i = 0; i < 2; i++)
    g_assert_true (still_running (runs[i]));
  g_assert_cmpint (mh_test_helper_pid (), ==, 0);
  g_assert_false (mh_test_iface_exists ("vm-r0"));
  close (lock_fd);

  /* One of them is refused, naming the other, which runs. */
  for (gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC; refused < 0;)
    {
      for (guint i = 0; i < 2 && refused < 0; i++)
        if (mh_test_file_contains (outputs[i], "is held by the VM"))
          refused = (int) i;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20 * 1000);
    }
  {
    int runs_on = 1 - refused;
    g_autofree char *expected =
      g_strdup_printf ("the tap vm-r0 is held by the VM %s, which is running", names[runs_on]);

    g_assert_cmpint (mh_test_wait_exit (runs[refused], 10000), ==, 1);
    g_assert_true (mh_test_file_contains (outputs[refused], expected));
    g_assert_false (g_file_test (reports[refused], G_FILE_TEST_EXISTS));
    g_assert_true (mh_test_wait_file_contains (reports[runs_on], "ready\n", 15000));
    g_assert_true (mh_test_file_contains (reports[runs_on], "tap vm-r0 ok\n"));
    g_assert_cmpint (mh_test_iface_attr_int ("vm-r0", "carrier"), ==, 1);
    g_subprocess_send_signal (runs[runs_on], SIGTERM);
    g_assert_cmpint (mh_test_wait_exit (runs[runs_on], 30000), ==, 0);
  }
  mh_test_assert_nothing_left ((const char *const[]){ "vm-r0", NULL });
  for (guint i = 0; i < 2; i++)
    {
      g_object_unref (runs[i]);
      g_free (outputs[i]);
      g_free (reports[i]);
    }
}

int
main (int argc, char **argv)
{
  mh_test_init (&argc, &argv);

  g_test_add_data_func ("/tap-hold/run-refused-while-held", "run", test_refused_while_held);
  g_test_add_data_func ("/tap-hold/start-refused-while-held", "start", test_refused_while_held);
  g_test_add_func ("/tap-hold/killed-holder-holds-nothing", test_killed_holder_holds_nothing);
  g_test_add_func ("/tap-hold/two-runs-at-once", test_two_runs_at_once);

  return g_test_run ();
}
