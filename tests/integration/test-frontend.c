/* Integration tests of microvm-user, run as the unprivileged test users in
 * the sandbox against the real helper, polkitd and the C virtiofsd.  The
 * runners are generated here; their bin/microvm-run execs
 * mh-fake-hypervisor, which checks its world as qemu would (attaches to
 * the taps by name, holds a connection to every virtiofs socket) and
 * reports what it saw. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mh-test-runner.h"

static void
test_stop_by_signal (gconstpointer data)
{
  int signal_number = GPOINTER_TO_INT (data);
  g_autofree char *output = mh_test_user_path ("alice", "frontend.log");
  g_autofree char *report = mh_test_report_path ("full");
  g_autoptr (GSubprocess) frontend = mh_test_start_full_vm (output);

  g_subprocess_send_signal (frontend, signal_number);
  mh_test_finish_full_vm (frontend, output, 0);
  /* Stopped gracefully, through bin/microvm-shutdown. */
  g_assert_true (mh_test_file_contains (report, "powered off\n"));
}

static void
test_stop_command (void)
{
  g_autofree char *output = mh_test_user_path ("alice", "frontend.log");
  g_autofree char *report = mh_test_report_path ("full");
  g_autoptr (GSubprocess) frontend = mh_test_start_full_vm (output);
  g_autofree char *binary = mh_test_microvm_user ();
  g_autofree char *said = NULL;
  g_autofree char *said_again = NULL;
  int status;

  status = mh_test_run_as ("alice", &said, (const char *const[]){ binary, "stop", "full", NULL });
  g_test_message ("stop said: %s", said);
  g_assert_cmpint (status, ==, 0);
  /* `stop` returns once the VM is gone. */
  g_assert_true (mh_test_file_contains (report, "powered off\n"));
  mh_test_finish_full_vm (frontend, output, 0);

  status =
    mh_test_run_as ("alice", &said_again, (const char *const[]){ binary, "stop", "full", NULL });
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (said_again, "the VM full is not running"));
}

static void
test_hypervisor_exit_status (void)
{
  MhTestRunnerSpec spec = mh_test_full_spec;
  g_autofree char *output = mh_test_user_path ("alice", "frontend.log");
  g_autofree char *runner = NULL;
  g_autofree char *log = NULL;
  g_autoptr (GSubprocess) frontend = NULL;

  spec.hypervisor = "--exit-code 3";
  runner = mh_test_make_runner (&spec);
  frontend = mh_test_start_run ("alice", runner, output, NULL);
  g_assert_cmpint (mh_test_wait_exit (frontend, 30000), ==, 3);
  g_file_get_contents (output, &log, NULL, NULL);
  g_assert_nonnull (strstr (log, "the VM ended on its own: the hypervisor exited with status 3"));
  mh_test_assert_nothing_left ((const char *const[]){ "vm-f0", "vm-f1", NULL });
}

static void
test_polkit_denied (void)
{
  MhTestRunnerSpec spec = mh_test_full_spec;
  g_autofree char *runner = NULL;
  g_autofree char *output = NULL;
  g_autofree char *binary = mh_test_microvm_user ();
  g_autofree char *report = NULL;
  int status;

  spec.name = "denied";
  runner = mh_test_make_runner (&spec);
  report = mh_test_report_path ("denied");
  /* mallory can read alice's runner; the rules deny her taps. */
  status =
    mh_test_run_as ("mallory", &output, (const char *const[]){ binary, "run", runner, NULL });
  g_test_message ("%s", output);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (output, "microvm-user: cannot create the taps: not authorized"));
  g_assert_false (g_file_test (report, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (mh_test_count_processes ("virtiofsd", -1), ==, 0);
  g_assert_false (mh_test_iface_exists ("vm-f0"));
}

static void
test_refuses_root_and_unusable_tun (void)
{
  g_autofree char *runner = mh_test_make_runner (&mh_test_full_spec);
  g_autofree char *binary = mh_test_microvm_user ();
  g_autofree char *output = NULL;
  g_autofree char *tun = g_build_filename (g_getenv ("MH_SANDBOX_DIR"), "dev", "tun-0600", NULL);
  g_autoptr (GSubprocess) as_root = NULL;
  g_autofree char *log = NULL;
  g_autofree char *log_path = mh_test_user_path ("alice", "root.log");
  int status;

  /* As root: refused, saying why. */
  {
    g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
    g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
    as_root = g_subprocess_launcher_spawn (launcher, NULL, binary, "run", runner, NULL);
  }
  g_assert_cmpint (mh_test_wait_exit (as_root, 10000), ==, 1);
  g_file_get_contents (log_path, &log, NULL, NULL);
  g_assert_nonnull (strstr (log, "refusing to run a VM as root"));

  /* /dev/net/tun 0600 as on these build machines: said before anything. */
  MH_TEST_RUN ("mknod", "-m", "0600", tun, "c", "10", "200");
  MH_TEST_RUN ("mount", "--bind", tun, "/dev/net/tun");
  status = mh_test_run_as ("alice", &output, (const char *const[]){ binary, "run", runner, NULL });
  MH_TEST_RUN ("umount", "/dev/net/tun");
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (output, "/dev/net/tun is mode 0600 here"));
  g_assert_cmpint (mh_test_helper_pid (), ==, 0);
}

static void
test_already_running (void)
{
  g_autofree char *output = mh_test_user_path ("alice", "frontend.log");
  g_autoptr (GSubprocess) frontend = mh_test_start_full_vm (output);
  g_autofree char *runner = mh_test_user_path ("alice", "microvm-qemu-full");
  g_autofree char *binary = mh_test_microvm_user ();
  g_autofree char *second = NULL;
  int status;

  status = mh_test_run_as ("alice", &second, (const char *const[]){ binary, "run", runner, NULL });
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (second, "the VM full is already running"));
  /* The first one is untouched. */
  g_assert_true (mh_test_iface_exists ("vm-f0"));
  g_assert_cmpuint (mh_test_count_processes ("virtiofsd", -1), >=, 2);

  g_subprocess_send_signal (frontend, SIGINT);
  mh_test_finish_full_vm (frontend, output, 0);
}

static void
test_shutdown_timeout_escalates (void)
{
  MhTestRunnerSpec spec = mh_test_full_spec;
  g_autofree char *output = mh_test_user_path ("alice", "frontend.log");
  g_autofree char *runner = NULL;
  g_autofree char *report = mh_test_report_path ("full");
  g_autofree char *log = NULL;
  g_autoptr (GSubprocess) frontend = NULL;

  spec.hypervisor = "--ignore-shutdown";
  runner = mh_test_make_runner (&spec);
  frontend = mh_test_start_run ("alice", runner, output, "--shutdown-timeout=1");
  g_assert_true (mh_test_wait_file_contains (report, "ready\n", 15000));
  g_subprocess_send_signal (frontend, SIGTERM);
  /* Ignored the power button, so after 1 s: SIGTERM; the status is the
   * hypervisor's (128 + 15). */
  g_assert_cmpint (mh_test_wait_exit (frontend, 30000), ==, 143);
  g_assert_true (mh_test_file_contains (report, "shutdown request ignored\n"));
  g_assert_true (mh_test_file_contains (report, "killed by SIGTERM\n"));
  g_file_get_contents (output, &log, NULL, NULL);
  g_assert_nonnull (strstr (log, "the hypervisor is still running: sending SIGTERM"));
  mh_test_assert_nothing_left ((const char *const[]){ "vm-f0", "vm-f1", NULL });
}

/* Runs `microvm-user run` and `inspect` on a broken runner: both must fail
 * with @message (which names file and line), and nothing may have asked
 * the helper (it was never even started). */
static void
check_malformed (const char *runner, const char *message)
{
  static const char *const commands[] = { "run", "inspect", NULL };

  mh_test_assert_runner_refused (runner, commands, message, FALSE);
}

static void
test_malformed_layouts (void)
{
  MhTestRunnerSpec spec = mh_test_full_spec;
  g_autofree char *runner = NULL;
  g_autofree char *big = NULL;
  g_autofree char *expected = NULL;

  spec.name = "bad";
  runner = mh_test_make_runner (&spec);

#define REBUILD()                           \
  do                                        \
    {                                       \
      MH_TEST_RUN ("rm", "-rf", runner);    \
      g_free (mh_test_make_runner (&spec)); \
    }                                       \
  while (0)

  mh_test_write_file (runner, "share/microvm/tap-interfaces", "vm-ok\n\nvm/bad\n", 0644);
  expected = g_strdup_printf ("%s/share/microvm/tap-interfaces line 3: invalid interface name "
                              "\"vm/bad\": the character '/' is not allowed",
                              runner);
  check_malformed (runner, expected);

  REBUILD ();
  mh_test_write_file (runner, "share/microvm/tap-flags", "vnet_hdr\nturbo\n", 0644);
  check_malformed (runner, "share/microvm/tap-flags line 2: unknown tap flag \"turbo\"");

  REBUILD ();
  mh_test_write_file (runner, "share/microvm/virtiofs/a/b/source", "x\n", 0644);
  mh_test_write_file (runner, "share/microvm/virtiofs/a/b/socket", "x.sock\n", 0644);
  check_malformed (runner, "share/microvm/virtiofs/a: the tag \"a/b\" contains '/'");

  REBUILD ();
  {
    g_autofree char *run = g_build_filename (runner, "bin", "microvm-run", NULL);
    g_assert_cmpint (unlink (run), ==, 0);
    check_malformed (runner, "bin/microvm-run: it is missing; is this a microvm.nix runner");
  }

  REBUILD ();
  {
    g_autofree char *taps = g_build_filename (runner, "share/microvm/tap-interfaces", NULL);
    g_assert_cmpint (chmod (taps, 0), ==, 0);
    check_malformed (runner, "share/microvm/tap-interfaces: cannot read it: Permission denied");
  }

  REBUILD ();
  {
    g_autofree char *flags = g_build_filename (runner, "share/microvm/tap-flags", NULL);
    g_assert_cmpint (unlink (flags), ==, 0);
    g_assert_cmpint (symlink ("tap-flags", flags), ==, 0);
    check_malformed (runner, "share/microvm/tap-flags: it is a symlink loop");
  }

  REBUILD ();
  {
    g_autofree char *taps = g_build_filename (runner, "share/microvm/tap-interfaces", NULL);
    g_assert_cmpint (unlink (taps), ==, 0);
    g_assert_cmpint (symlink ("/etc/shadow", taps), ==, 0);
    check_malformed (runner, "share/microvm/tap-interfaces: it is a symlink leading outside the "
                             "runner (to \"/etc/shadow\")");
  }

  REBUILD ();
  {
    g_autoptr (GString) lines = g_string_new (NULL);
    while (lines->len < 1024 * 1024)
      g_string_append_printf (lines, "vm-%u\n", (guint) lines->len % 100000);
    mh_test_write_file (runner, "share/microvm/tap-interfaces", lines->str, 0644);
    big = g_strdup_printf ("share/microvm/tap-interfaces: it is %zu bytes, more than the 65536",
                           lines->len);
    check_malformed (runner, big);
  }

  REBUILD ();
  mh_test_write_file (runner, "share/microvm/virtiofs/rel/source", "one\ntwo\n", 0644);
  check_malformed (runner, "share/microvm/virtiofs/rel/source line 2: only one line is expected");

  REBUILD ();
  {
    g_autofree char *socket = g_build_filename (runner, "share/microvm/virtiofs/rel/socket", NULL);
    g_assert_cmpint (unlink (socket), ==, 0);
    check_malformed (runner, "share/microvm/virtiofs/rel/socket: the file is missing");
  }

  REBUILD ();
  mh_test_write_file (runner, "share/microvm/hypervisor", "qemu; rm -rf /\n", 0644);
  check_malformed (runner, "share/microvm/hypervisor line 1: \"qemu; rm -rf /\" is not a "
                           "hypervisor name");
#undef REBUILD
}

static void
test_socket_path_too_long (void)
{
  MhTestRunnerSpec spec = mh_test_full_spec;
  g_autofree char *runner = NULL;
  g_autofree char *binary = mh_test_microvm_user ();
  g_autofree char *output = NULL;
  g_autofree char *long_name = g_strnfill (110, 's');
  g_autofree char *socket = g_strdup_printf ("%s.sock\n", long_name);
  int status;

  spec.name = "longsock";
  runner = mh_test_make_runner (&spec);
  mh_test_write_file (runner, "share/microvm/virtiofs/rel/socket", socket, 0644);
  status = mh_test_run_as ("alice", &output, (const char *const[]){ binary, "run", runner, NULL });
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (output, "the socket path of the share rel is 115 bytes long, but a "
                                    "unix socket path may have at most 107"));
  g_assert_cmpint (mh_test_helper_pid (), ==, 0);
}

static void
test_unsupported_devices (void)
{
  MhTestRunnerSpec spec = mh_test_full_spec;
  g_autofree char *runner = NULL;
  g_autofree char *binary = mh_test_microvm_user ();
  g_autofree char *run_output = NULL;
  g_autofree char *inspect_output = NULL;
  int status;

  spec.name = "devices";
  runner = mh_test_make_runner (&spec);
  mh_test_write_file (runner, "share/microvm/macvtap-interfaces",
                      "vm-mv aa:bb:cc:00:11:22 eth0 bridge\n", 0644);
  mh_test_write_file (runner, "share/microvm/usb-devices", "vendorid=0x0bda,productid=0x2838\n",
                      0644);
  status =
    mh_test_run_as ("alice", &run_output, (const char *const[]){ binary, "run", runner, NULL });
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (run_output, "lists 1 macvtap interface(s) (vm-mv on eth0), which "
                                        "microvm-user does not support yet"));
  status = mh_test_run_as ("alice", &inspect_output,
                           (const char *const[]){ binary, "inspect", runner, NULL });
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (inspect_output, "macvtap:     vm-mv on eth0 (bridge, "
                                            "aa:bb:cc:00:11:22): not supported yet\n"));
  g_assert_nonnull (strstr (inspect_output, "usb devices: vendorid=0x0bda,productid=0x2838 (not "
                                            "acted on)\n"));
  g_assert_cmpint (mh_test_helper_pid (), ==, 0);
}

/* A runner passing through the fake world's network card 0000:01:00.0
 * (e1000e, alone in IOMMU group 1), which the test rules let the group
 * microvm bind without a password. */
static char *
json_eval (const char *json, const char *expression)
{
  g_autofree char *script = g_strdup_printf ("import json, sys\nd = json.load(sys.stdin)\n"
                                             "print(%s)\n",
                                             expression);
  g_autoptr (GSubprocess) python = NULL;
  g_autoptr (GError) error = NULL;
  char *out = NULL;

  g_autofree char *err = NULL;

  python = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_PIPE,
                             &error, "python3", "-c", script, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (python, json, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (python))
    g_error ("%s on %s: %s", expression, json, err);
  g_strchomp (out);
  return out;
}

#define ASSERT_JSON(json, expression, expected)               \
  do                                                          \
    {                                                         \
      g_autofree char *value_ = json_eval (json, expression); \
      g_assert_cmpstr (value_, ==, expected);                 \
    }                                                         \
  while (0)

static void
test_list_and_inspect (void)
{
  MhTestRunnerSpec second = mh_test_full_spec;
  g_autofree char *output = mh_test_user_path ("alice", "frontend.log");
  g_autofree char *binary = mh_test_microvm_user ();
  g_autofree char *inspect = NULL;
  g_autofree char *list = NULL;
  g_autofree char *list_outdated = NULL;
  g_autofree char *list_stopped = NULL;
  g_autofree char *table = NULL;
  g_autofree char *result = mh_test_user_path ("alice", "result");
  g_autofree char *report = mh_test_report_path ("full");
  g_autofree char *first = mh_test_make_runner (&mh_test_full_spec);
  g_autofree char *first_system = g_build_filename (first, "share/microvm/system", NULL);
  g_autofree char *second_runner = NULL;
  g_autofree char *second_system = NULL;
  g_autoptr (GSubprocess) frontend = NULL;

  g_assert_cmpint (symlink ("/nix/store/aaaa-nixos-system-full-1", first_system), ==, 0);
  g_assert_cmpint (symlink (first, result), ==, 0);

  g_assert_cmpint (
    mh_test_run_as ("alice", &inspect,
                    (const char *const[]){ binary, "inspect", "--json", result, NULL }),
    ==, 0);
  ASSERT_JSON (inspect, "d['name']", "full");
  ASSERT_JSON (inspect, "d['runner']", first);
  ASSERT_JSON (inspect, "d['given']", result);
  ASSERT_JSON (inspect, "d['hypervisor']", "qemu");
  ASSERT_JSON (inspect, "d['taps']", "['vm-f0', 'vm-f1']");
  ASSERT_JSON (inspect, "d['tap_flags']", "{'vnet_hdr': True, 'multi_queue': True}");
  ASSERT_JSON (inspect, "[s['tag'] for s in d['shares']]", "['abs', 'rel']");
  ASSERT_JSON (inspect,
               "d['shares'][1]['socket_path'].endswith('/.local/state/microvm/full/rel.sock')",
               "True");
  ASSERT_JSON (inspect, "d['system']", "/nix/store/aaaa-nixos-system-full-1");
  ASSERT_JSON (inspect, "(d['pci_devices'], d['macvtaps'], d['vsock_cid'], d['has_shutdown'])",
               "([], [], None, True)");

  /* Run through the `result` symlink, then "rebuild": re-point it. */
  frontend = mh_test_start_run ("alice", result, output, NULL);
  g_assert_true (mh_test_wait_file_contains (report, "ready\n", 15000));
  g_assert_cmpint (
    mh_test_run_as ("alice", &list, (const char *const[]){ binary, "list", "--json", NULL }), ==,
    0);
  ASSERT_JSON (list, "[(v['name'], v['running'], v['outdated']) for v in d]",
               "[('full', True, False)]");
  ASSERT_JSON (list, "d[0]['current']", result);

  second.name = "full2";
  second_runner = mh_test_make_runner (&second);
  second_system = g_build_filename (second_runner, "share/microvm/system", NULL);
  g_assert_cmpint (symlink ("/nix/store/bbbb-nixos-system-full-2", second_system), ==, 0);
  g_assert_cmpint (unlink (result), ==, 0);
  g_assert_cmpint (symlink (second_runner, result), ==, 0);
  g_assert_cmpint (mh_test_run_as ("alice", &list_outdated,
                                   (const char *const[]){ binary, "list", "--json", NULL }),
                   ==, 0);
  ASSERT_JSON (list_outdated,
               "(d[0]['running'], d[0]['outdated'], d[0]['booted_system'], "
               "d[0]['current_system'])",
               "(True, True, '/nix/store/aaaa-nixos-system-full-1', "
               "'/nix/store/bbbb-nixos-system-full-2')");
  g_assert_cmpint (mh_test_run_as ("alice", &table, (const char *const[]){ binary, "list", NULL }),
                   ==, 0);
  g_assert_nonnull (strstr (table, "full                 running  outdated "));

  g_subprocess_send_signal (frontend, SIGTERM);
  g_assert_cmpint (mh_test_wait_exit (frontend, 30000), ==, 0);
  g_assert_cmpint (mh_test_run_as ("alice", &list_stopped,
                                   (const char *const[]){ binary, "list", "--json", NULL }),
                   ==, 0);
  ASSERT_JSON (list_stopped, "[(v['name'], v['running'], v['booted']) for v in d]",
               "[('full', False, None)]");
}

static void
test_install_start_status_stop (void)
{
  g_autofree char *runner = mh_test_make_runner (&mh_test_full_spec);
  g_autofree char *binary = mh_test_microvm_user ();
  g_autofree char *report = mh_test_report_path ("full");
  g_autofree char *said = NULL, *started = NULL, *status_running = NULL, *stopped = NULL;
  g_autofree char *status_stopped = NULL, *unknown = NULL, *again = NULL;
  g_autofree char *logs = NULL, *not_installed = NULL, *console_text = NULL;
  g_autofree char *state = mh_test_state_dir ("alice", "web");
  g_autofree char *console = g_build_filename (state, "console.log", NULL);

  g_assert_cmpint (mh_test_run_as ("alice", &said,
                                   (const char *const[]){ binary, "install", "web", runner, NULL }),
                   ==, 0);
  g_assert_nonnull (strstr (said, "Installed web: "));
  g_assert_nonnull (strstr (said, "systemctl --user enable microvm@web.service"));

  /* No systemd user manager in the sandbox: started in the background. */
  g_assert_cmpint (
    mh_test_run_as ("alice", &started, (const char *const[]){ binary, "start", "web", NULL }), ==,
    0);
  g_test_message ("%s", started);
  g_assert_nonnull (strstr (started, "Started web in the background"));
  g_assert_true (mh_test_wait_file_contains (report, "ready\n", 15000));
  g_assert_true (mh_test_iface_exists ("vm-f0"));
  g_assert_cmpint (
    mh_test_run_as ("alice", &again, (const char *const[]){ binary, "start", "web", NULL }), ==, 1);
  g_assert_nonnull (strstr (again, "the VM web is already running"));

  g_assert_cmpint (mh_test_run_as ("alice", &status_running,
                                   (const char *const[]){ binary, "status", "web", NULL }),
                   ==, 0);
  g_assert_nonnull (strstr (status_running, "state:    running\n"));
  g_assert_nonnull (strstr (status_running, "unit:     no systemd user manager here\n"));

  g_assert_cmpint (
    mh_test_run_as ("alice", &stopped, (const char *const[]){ binary, "stop", "web", NULL }), ==,
    0);
  g_assert_true (mh_test_file_contains (report, "powered off\n"));
  mh_test_assert_nothing_left ((const char *const[]){ "vm-f0", "vm-f1", NULL });
  g_assert_true (g_file_test (console, G_FILE_TEST_EXISTS));

  g_assert_cmpint (mh_test_run_as ("alice", &status_stopped,
                                   (const char *const[]){ binary, "status", "web", NULL }),
                   ==, 3);
  g_assert_nonnull (strstr (status_stopped, "state:    stopped\n"));
  g_assert_cmpint (
    mh_test_run_as ("alice", &unknown, (const char *const[]){ binary, "start", "nope", NULL }), ==,
    1);
  g_assert_nonnull (strstr (unknown, "no VM named nope is installed"));

  /* Without a user manager, logs shows the background run's console. */
  g_assert_cmpint (
    mh_test_run_as ("alice", &logs, (const char *const[]){ binary, "logs", "web", NULL }), ==, 0);
  g_assert_true (g_file_get_contents (console, &console_text, NULL, NULL));
  g_assert_cmpstr (logs, ==, console_text);
  /* `run --name` without a runner (what microvm@.service runs) needs an
   * installed VM. */
  g_assert_cmpint (mh_test_run_as ("alice", &not_installed,
                                   (const char *const[]){ binary, "run", "--name", "nope", NULL }),
                   ==, 1);
  g_assert_nonnull (strstr (not_installed, "no VM named nope is installed; record its runner "
                                           "first with `microvm-user install nope RUNNER`"));
}

int
main (int argc, char **argv)
{
  mh_test_init (&argc, &argv);

  g_test_add_data_func ("/frontend/stop-by-sigint", GINT_TO_POINTER (SIGINT), test_stop_by_signal);
  g_test_add_data_func ("/frontend/stop-by-sigterm", GINT_TO_POINTER (SIGTERM),
                        test_stop_by_signal);
  g_test_add_func ("/frontend/stop-command", test_stop_command);
  g_test_add_func ("/frontend/hypervisor-exit-status", test_hypervisor_exit_status);
  g_test_add_func ("/frontend/polkit-denied", test_polkit_denied);
  g_test_add_func ("/frontend/refuses-root-and-unusable-tun", test_refuses_root_and_unusable_tun);
  g_test_add_func ("/frontend/already-running", test_already_running);
  g_test_add_func ("/frontend/shutdown-timeout-escalates", test_shutdown_timeout_escalates);
  g_test_add_func ("/frontend/malformed-layouts", test_malformed_layouts);
  g_test_add_func ("/frontend/socket-path-too-long", test_socket_path_too_long);
  g_test_add_func ("/frontend/unsupported-devices", test_unsupported_devices);
  g_test_add_func ("/frontend/list-and-inspect", test_list_and_inspect);
  g_test_add_func ("/frontend/install-start-status-stop", test_install_start_status_stop);

  return g_test_run ();
}
