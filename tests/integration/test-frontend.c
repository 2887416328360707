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

/* A stop ends the lease of the run's taps (it closes the connection they
 * are leased to) instead of a DeleteTap each: the helper deletes them all
 * in one batch, polkit is not asked, and the stop still returns only once
 * they are gone.  A root monitor on the bus sees every call made. */
static void
test_stop_ends_the_lease (void)
{
  g_autofree char *output = mh_test_user_path ("alice", "frontend.log");
  g_autofree char *seen_path = g_build_filename (g_getenv ("MH_SANDBOX_DIR"), "monitor.log", NULL);
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr (GSubprocess) monitor = NULL;
  g_autoptr (GSubprocess) frontend = mh_test_start_full_vm (output);
  g_autoptr (GError) error = NULL;
  g_autofree char *seen = NULL;
  g_autofree char *log = NULL;

  g_subprocess_launcher_set_stdout_file_path (launcher, seen_path);
  monitor = g_subprocess_launcher_spawn (
    launcher, &error, "dbus-monitor", "--system",
    "type='method_call',interface='org.microvm.Helper1'",
    "type='method_call',interface='org.freedesktop.PolicyKit1.Authority'", NULL);
  g_assert_no_error (error);
  /* A monitor is told it lost its name once it is one. */
  g_assert_true (mh_test_wait_file_contains (seen_path, "member=NameLost", 10000));

  g_subprocess_send_signal (frontend, SIGTERM);
  g_assert_cmpint (mh_test_wait_exit (frontend, 30000), ==, 0);
  /* Gone already when the stop is over, not a moment later. */
  g_assert_false (mh_test_iface_exists ("vm-f0"));
  g_assert_false (mh_test_iface_exists ("vm-f1"));
  mh_test_finish_full_vm (frontend, output, 0);
  /* A call it must see, so that seeing none of the others means something. */
  mh_test_run ((const char *const[]){ "busctl", "--system", "--quiet", "call",
                                      "org.microvm.Helper1", "/org/microvm/Helper1",
                                      "org.microvm.Helper1", "ListTaps", NULL });
  g_assert_true (mh_test_wait_file_contains (seen_path, "member=ListTaps", 10000));
  g_subprocess_force_exit (monitor);
  g_subprocess_wait (monitor, NULL, NULL);

  g_file_get_contents (seen_path, &seen, NULL, NULL);
  g_file_get_contents (output, &log, NULL, NULL);
  g_test_message ("the bus saw:\n%s", seen);
  g_assert_null (strstr (seen, "member=DeleteTap"));
  g_assert_null (strstr (seen, "member=CheckAuthorization"));
  g_assert_nonnull (strstr (log, "deleting the taps made for this run (vm-f0, vm-f1) by ending "
                                 "their lease"));
  g_assert_nonnull (strstr (log, "the taps are gone"));
  g_assert_null (strstr (log, "has not deleted"));
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

  /* The distribution's python when there is one: a python3 found first on
   * PATH may be a version manager's shim, seconds per start (pyenv's took
   * 2.7 s here, against 0.17 s), and this runs dozens of times. */
  python = g_subprocess_new (
    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
    &error,
    g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE) ? "/usr/bin/python3" : "python3",
    "-c", script, NULL);
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
  /* A macvtap is the helper's to refuse, and its message names the key
   * the administrator would set; nothing was made (no /dev/tapN either,
   * so this may run beside other tests). */
  status =
    mh_test_run_as ("alice", &run_output, (const char *const[]){ binary, "run", runner, NULL });
  g_test_message ("%s", run_output);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (run_output, "vm-mv: the administrator allows no interface as the "
                                        "parent link of a macvtap (AllowedMacvtapLinks= in the "
                                        "[Network] group of "));
  g_assert_false (mh_test_iface_exists ("vm-f0"));
  /* Allowed, but the parent is missing: the message names it. */
  mh_test_helper_kill ();
  mh_test_helper_wait_gone ();
  mh_test_helper_set_config ("[Network]\nAllowedMacvtapLinks=eth0\n");
  g_clear_pointer (&run_output, g_free);
  status =
    mh_test_run_as ("alice", &run_output, (const char *const[]){ binary, "run", runner, NULL });
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (run_output, "vm-mv: the parent link eth0 does not exist"));
  g_assert_false (mh_test_iface_exists ("vm-f0"));
  mh_test_helper_kill ();
  mh_test_helper_wait_gone ();

  status = mh_test_run_as ("alice", &inspect_output,
                           (const char *const[]){ binary, "inspect", runner, NULL });
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (inspect_output, "macvtap:     vm-mv on eth0 (bridge, "
                                            "aa:bb:cc:00:11:22)\n"));
  g_assert_nonnull (strstr (inspect_output, "usb devices: vendorid=0x0bda,productid=0x2838 (not "
                                            "acted on)\n"));

  /* The whole plan, PCI devices, memlock and vsock too; still no call. */
  mh_test_write_file (runner, "share/microvm/pci-devices", "01:00.0\n", 0644);
  mh_test_write_file (runner, "share/microvm/vsock-cid", "7\n", 0644);
  g_clear_pointer (&inspect_output, g_free);
  status = mh_test_run_as (
    "alice", &inspect_output,
    (const char *const[]){ binary, "inspect", "--memlock=unlimited", runner, NULL });
  g_test_message ("%s", inspect_output);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (inspect_output,
                            "  taps:        CreateTaps vm-f0, vm-f1 (flags: vnet_hdr "
                            "multi_queue), one call with the macvtaps\n"
                            "               polkit: org.microvm.helper.attach-network\n"));
  g_assert_nonnull (strstr (inspect_output, "  pci devices: BindPciDevice 0000:01:00.0 to "
                                            "vfio-pci, one call each\n"
                                            "               polkit: org.microvm.helper.bind-pci"));
  g_assert_nonnull (strstr (inspect_output, "  memlock:     SetMemlockLimit to "));
  g_assert_nonnull (strstr (inspect_output,
                            "  macvtaps:    vm-mv on eth0 (mode bridge, aa:bb:cc:00:11:22), its "
                            "/dev/tapIFINDEX for the hypervisor\n"
                            "               in the same CreateTaps, polkit: "
                            "org.microvm.helper.attach-network\n"));
  g_assert_nonnull (strstr (inspect_output, "no privilege needed:\n  shares:      abs: "));
  g_assert_nonnull (strstr (inspect_output, "  vsock:       cid 7 "));
  g_clear_pointer (&inspect_output, g_free);
  status = mh_test_run_as ("alice", &inspect_output,
                           (const char *const[]){ binary, "inspect", "--json", runner, NULL });
  g_assert_cmpint (status, ==, 0);
  ASSERT_JSON (inspect_output,
               "[(t['name'], t['vnet_hdr'], t['multi_queue'], t['method']) for t in "
               "d['privileged']['taps']]",
               "[('vm-f0', True, True, 'CreateTaps'), ('vm-f1', True, True, 'CreateTaps')]");
  ASSERT_JSON (inspect_output, "d['privileged']['pci_devices']",
               "[{'address': '0000:01:00.0', 'driver': 'vfio-pci', 'method': 'BindPciDevice', "
               "'polkit_action': 'org.microvm.helper.bind-pci'}]");
  ASSERT_JSON (inspect_output,
               "(d['privileged']['memlock']['step'], "
               "d['privileged']['memlock']['bytes'])",
               "('size-missing', None)");
  ASSERT_JSON (inspect_output,
               "([(m['id'], m['link'], m['mode'], m['method'], m['polkit_action']) for m in "
               "d['privileged']['macvtaps']], d['privileged']['bridges'], "
               "[s['tag'] for s in d['shares']], d['vsock_cid'])",
               "([('vm-mv', 'eth0', 'bridge', 'CreateTaps', 'org.microvm.helper.attach-network')], "
               "[], ['abs', 'rel'], 7)");

  g_clear_pointer (&inspect_output, g_free);
  status =
    mh_test_run_as ("alice", &inspect_output,
                    (const char *const[]){ binary, "inspect", "--memlock=lots", runner, NULL });
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (inspect_output, "--memlock=lots is not a size"));
  g_assert_cmpint (mh_test_helper_pid (), ==, 0);
}

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
  g_autofree char *odd = mh_test_user_path ("alice", "r\xffun\\x");
  g_autofree char *inspect_odd = NULL;
  g_autofree char *list_odd = NULL;
  g_autofree char *fake_bin = mh_test_user_path ("alice", "fake-bin");
  g_autofree char *path_env = g_strdup_printf ("PATH=%s:/usr/bin:/bin", fake_bin);
  g_autofree char *nix_args = mh_test_user_path ("alice", "nix-args");

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

  /* A path that is not UTF-8 comes out as valid JSON: escaped, flagged. */
  g_assert_cmpint (symlink (first, odd), ==, 0);
  g_assert_cmpint (
    mh_test_run_as ("alice", &inspect_odd,
                    (const char *const[]){ binary, "inspect", "--json", "-n", "odd", odd, NULL }),
    ==, 0);
  ASSERT_JSON (inspect_odd,
               "(d['given'].endswith('/r\\\\xffun\\\\\\\\x'), d['given_escaped'], "
               "'runner_escaped' in d)",
               "(True, True, False)");

  /* Run through the `result` symlink, then "rebuild": re-point it. */
  frontend = mh_test_start_run ("alice", result, output, NULL);
  g_assert_true (mh_test_wait_file_contains (report, "ready\n", 15000));
  g_assert_cmpint (
    mh_test_run_as ("alice", &list, (const char *const[]){ binary, "list", "--json", NULL }), ==,
    0);
  ASSERT_JSON (list, "[(v['name'], v['running'], v['system_state'], v['stale']) for v in d]",
               "[('full', True, 'current', False)]");
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
               "(d[0]['running'], d[0]['stale'], d[0]['system_state'], d[0]['booted_system'], "
               "d[0]['current_system'])",
               "(True, True, 'stale', '/nix/store/aaaa-nixos-system-full-1', "
               "'/nix/store/bbbb-nixos-system-full-2')");
  g_assert_cmpint (mh_test_run_as ("alice", &table, (const char *const[]){ binary, "list", NULL }),
                   ==, 0);
  g_test_message ("%s", table);
  /* The old system runs: "stale", as `microvm -l` calls it. */
  g_assert_nonnull (strstr (table, "full                 running  stale     "));

  g_subprocess_send_signal (frontend, SIGTERM);
  g_assert_cmpint (mh_test_wait_exit (frontend, 30000), ==, 0);
  g_assert_cmpint (mh_test_run_as ("alice", &list_stopped,
                                   (const char *const[]){ binary, "list", "--json", NULL }),
                   ==, 0);
  ASSERT_JSON (list_stopped, "[(v['name'], v['running'], v['booted']) for v in d]",
               "[('full', False, None)]");

  /* Installed under a path that is not UTF-8: list --json still parses. */
  g_assert_cmpint (mh_test_run_as ("alice", &list_odd,
                                   (const char *const[]){ binary, "install", "odd", odd, NULL }),
                   ==, 0);
  g_clear_pointer (&list_odd, g_free);
  g_assert_cmpint (
    mh_test_run_as ("alice", &list_odd, (const char *const[]){ binary, "list", "--json", NULL }),
    ==, 0);
  ASSERT_JSON (list_odd, "[(v['name'], v.get('current_escaped', False)) for v in d]",
               "[('full', False), ('odd', True)]");

  /* Installed with its flake: `nix eval` (a fake here) says the declared
   * system is bbbb, current holds aaaa: outdated, as `microvm -l` says. */
  mh_test_write_file (fake_bin, "nix",
                      "#!/bin/sh\necho \"$@\" > \"$HOME/nix-args\"\n"
                      "echo /nix/store/bbbb-nixos-system-full-2\n",
                      0755);
  g_clear_pointer (&list_odd, g_free);
  g_assert_cmpint (
    mh_test_run_as ("alice", &list_odd,
                    (const char *const[]){ binary, "install", "--force", "--flake=git+file:///vms",
                                           "full", first, NULL }),
    ==, 0);
  g_clear_pointer (&list_odd, g_free);
  g_assert_cmpint (
    mh_test_run_as ("alice", &list_odd,
                    (const char *const[]){ "env", path_env, binary, "list", "--json", NULL }),
    ==, 0);
  ASSERT_JSON (list_odd,
               "[(v['name'], v['system_state'], v['outdated'], v['flake'], v['declared_system']) "
               "for v in d]",
               "[('full', 'outdated', True, 'git+file:///vms', "
               "'/nix/store/bbbb-nixos-system-full-2'), ('odd', 'current', None, None, None)]");
  g_assert_true (mh_test_file_contains (
    nix_args, "eval --raw git+file:///vms#nixosConfigurations.full.config.system.build.toplevel"));
}

/* `ssh` execs these from PATH: they print what they were given. */
static char *
make_fake_ssh (void)
{
  char *bin = mh_test_user_path ("alice", "fake-bin");

  mh_test_write_file (bin, "ssh", "#!/bin/sh\nfor a in \"$@\"; do echo \"ssh: $a\"; done\nexit 7\n",
                      0755);
  mh_test_write_file (bin, "socat", "#!/bin/sh\nexit 0\n", 0755);
  return bin;
}

static void
test_install_start_status_stop (void)
{
  MhTestRunnerSpec second_spec = mh_test_full_spec;
  g_autofree char *runner = mh_test_make_runner (&mh_test_full_spec);
  g_autofree char *second = NULL;
  g_autofree char *binary = mh_test_microvm_user ();
  g_autofree char *report = mh_test_report_path ("full");
  g_autofree char *second_report = NULL;
  g_autofree char *said = NULL, *started = NULL, *status_running = NULL, *stopped = NULL;
  g_autofree char *status_stopped = NULL, *unknown = NULL, *again = NULL, *out = NULL;
  g_autofree char *logs = NULL, *not_installed = NULL;
  g_autofree char *state = mh_test_state_dir ("alice", "web");
  g_autofree char *console = g_build_filename (state, "console.log", NULL);
  g_autofree char *current = g_build_filename (state, "current", NULL);
  g_autofree char *volume = g_build_filename (state, "volume.img", NULL);
  g_autofree char *fake_bin = make_fake_ssh ();
  g_autofree char *path_env = g_strdup_printf ("PATH=%s:/usr/bin:/bin", fake_bin);
  g_autofree char *console_text = NULL;
  g_autofree char *target = NULL;
  int status;

  second_spec.name = "full2";
  second = mh_test_make_runner (&second_spec);
  second_report = mh_test_report_path ("full2");
  mh_test_write_file (second, "share/microvm/vsock-cid", "42\n", 0644);

  g_assert_cmpint (mh_test_run_as ("alice", &said,
                                   (const char *const[]){ binary, "install", "web", runner, NULL }),
                   ==, 0);
  g_assert_nonnull (strstr (said, "Installed web: "));
  g_assert_nonnull (strstr (said, "systemctl --user enable microvm@web.service"));
  /* Another runner under the same name: refused, nothing changed. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (
    mh_test_run_as ("alice", &out, (const char *const[]){ binary, "install", "web", second, NULL }),
    ==, 1);
  g_assert_nonnull (strstr (out, "a VM named web exists already"));
  target = g_file_read_link (current, NULL);
  g_assert_cmpstr (target, ==, runner);

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
  g_assert_nonnull (strstr (status_running, "system:   current\n"));
  g_assert_nonnull (strstr (status_running, "taps:     vm-f0 vm-f1\n"));
  g_assert_nonnull (strstr (status_running, "unit:     no systemd user manager here\n"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (
    mh_test_run_as ("alice", &out,
                    (const char *const[]){ binary, "status", "--json", "web", NULL }),
    ==, 0);
  ASSERT_JSON (out,
               "(d['name'], d['state'], d['system_state'], d['taps'], "
               "d['uptime_seconds'] >= 0, d['unit'])",
               "('web', 'running', 'current', ['vm-f0', 'vm-f1'], True, None)");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (
    mh_test_run_as ("alice", &out, (const char *const[]){ binary, "list", "--json", NULL }), ==, 0);
  ASSERT_JSON (out,
               "[(v['name'], v['system_state'], v['taps'], v['stale'], v['outdated']) for v in d]",
               "[('web', 'current', ['vm-f0', 'vm-f1'], False, None)]");

  /* logs: what start wrote to the console log. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (
    mh_test_run_as ("alice", &out, (const char *const[]){ binary, "logs", "web", NULL }), ==, 0);
  g_assert_true (g_file_get_contents (console, &console_text, NULL, NULL));
  g_assert_cmpstr (out, ==, console_text);

  /* console: typed lines reach the VM's serial console, its answer the log. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (
    mh_test_run_as ("alice", &out,
                    (const char *const[]){ "sh", "-c", "printf 'hello vm\\n' | \"$0\" console web",
                                           binary, NULL }),
    ==, 0);
  g_assert_true (mh_test_wait_file_contains (report, "console hello vm\n", 5000));
  g_assert_true (mh_test_wait_file_contains (console, "echo: hello vm\n", 5000));

  /* ssh: this runner has no vsock. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (
    mh_test_run_as ("alice", &out,
                    (const char *const[]){ "env", path_env, binary, "ssh", "web", NULL }),
    ==, 1);
  g_assert_nonnull (strstr (out, "the VM web has no vsock"));

  /* remove refuses a running VM and changes nothing. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (
    mh_test_run_as ("alice", &out, (const char *const[]){ binary, "remove", "web", NULL }), ==, 1);
  g_assert_nonnull (strstr (out, "the VM web is running; stop it first"));
  g_assert_true (g_file_test (current, G_FILE_TEST_IS_SYMLINK));
  g_assert_true (mh_test_iface_exists ("vm-f0"));

  /* update: the running VM is now stale; restart applies it. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (
    mh_test_run_as ("alice", &out, (const char *const[]){ binary, "update", "web", second, NULL }),
    ==, 0);
  g_assert_nonnull (strstr (out, "web runs another system (stale); restart it to apply"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (
    mh_test_run_as ("alice", &out, (const char *const[]){ binary, "list", "--json", NULL }), ==, 0);
  ASSERT_JSON (out, "[(v['system_state'], v['stale'], v['booted'] == v['current']) for v in d]",
               "[('stale', True, False)]");
  g_clear_pointer (&out, g_free);
  status = mh_test_run_as ("alice", &out, (const char *const[]){ binary, "restart", "web", NULL });
  g_test_message ("restart said: %s", out);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (mh_test_file_contains (report, "powered off\n"));
  g_assert_true (mh_test_wait_file_contains (second_report, "ready\n", 15000));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (
    mh_test_run_as ("alice", &out,
                    (const char *const[]){ binary, "status", "--json", "web", NULL }),
    ==, 0);
  ASSERT_JSON (out, "(d['system_state'], d['booted'] == d['current_runner'])", "('current', True)");

  /* ssh over vsock, as root by default; ssh's status is ours. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (mh_test_run_as ("alice", &out,
                                   (const char *const[]){ "env", path_env, binary, "ssh", "web",
                                                          "--", "uname", "-a", NULL }),
                   ==, 7);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "ssh: -l\nssh: root\n"));
  g_assert_nonnull (strstr (out, "- VSOCK-CONNECT:42:22\n"));
  g_assert_nonnull (strstr (out, "ssh: web\nssh: uname\nssh: -a\n"));

  g_assert_cmpint (
    mh_test_run_as ("alice", &stopped, (const char *const[]){ binary, "stop", "web", NULL }), ==,
    0);
  g_assert_true (mh_test_file_contains (second_report, "powered off\n"));
  mh_test_assert_nothing_left ((const char *const[]){ "vm-f0", "vm-f1", NULL });
  g_assert_true (g_file_test (console, G_FILE_TEST_EXISTS));

  g_assert_cmpint (mh_test_run_as ("alice", &status_stopped,
                                   (const char *const[]){ binary, "status", "web", NULL }),
                   ==, 3);
  g_assert_nonnull (strstr (status_stopped, "state:    stopped\n"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (
    mh_test_run_as ("alice", &out, (const char *const[]){ binary, "console", "web", NULL }), ==, 1);
  g_assert_nonnull (strstr (out, "the VM web is not running"));
  g_assert_cmpint (
    mh_test_run_as ("alice", &unknown, (const char *const[]){ binary, "start", "nope", NULL }), ==,
    1);
  g_assert_nonnull (strstr (unknown, "no VM named nope is installed"));

  /* Without a user manager, logs shows the background run's console. */
  g_assert_cmpint (
    mh_test_run_as ("alice", &logs, (const char *const[]){ binary, "logs", "web", NULL }), ==, 0);
  g_clear_pointer (&console_text, g_free);
  g_assert_true (g_file_get_contents (console, &console_text, NULL, NULL));
  g_assert_cmpstr (logs, ==, console_text);
  /* `run --name` without a runner (what microvm@.service runs) needs an
   * installed VM. */
  g_assert_cmpint (mh_test_run_as ("alice", &not_installed,
                                   (const char *const[]){ binary, "run", "--name", "nope", NULL }),
                   ==, 1);
  g_assert_nonnull (strstr (not_installed, "no VM named nope is installed; record its runner "
                                           "first with `microvm-user install nope RUNNER`"));

  /* Refusals that make nothing: no state directory for nope. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (
    mh_test_run_as ("alice", &out, (const char *const[]){ binary, "update", "nope", runner, NULL }),
    ==, 1);
  g_assert_nonnull (strstr (out, "there is no VM named nope"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (mh_test_run_as ("alice", &out,
                                   (const char *const[]){ binary, "install", "--flake=x#y", "nope",
                                                          runner, NULL }),
                   ==, 2);
  g_assert_nonnull (strstr (out, "--flake=x#y: give a flake reference without an attribute"));
  {
    g_autofree char *nope = mh_test_state_dir ("alice", "nope");
    g_assert_false (g_file_test (nope, G_FILE_TEST_EXISTS));
  }

  /* remove: microvm-user's records go, the VM's own files stay. */
  mh_test_write_file (state, "volume.img", "disk", 0600);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (
    mh_test_run_as ("alice", &out, (const char *const[]){ binary, "remove", "web", NULL }), ==, 0);
  g_assert_nonnull (strstr (out, "Removed web\n"));
  g_test_message ("remove said: %s", out);
  g_assert_nonnull (strstr (out, "it holds the VM's own files ("));
  g_assert_nonnull (strstr (out, "volume.img"));
  g_assert_false (g_file_test (current, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (console, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (volume, G_FILE_TEST_IS_REGULAR));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (
    mh_test_run_as ("alice", &out, (const char *const[]){ binary, "status", "web", NULL }), ==, 4);
  g_assert_nonnull (strstr (out, "there is no VM named web"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (
    mh_test_run_as ("alice", &out, (const char *const[]){ binary, "list", "--json", NULL }), ==, 0);
  ASSERT_JSON (out, "d", "[]");
}

int
main (int argc, char **argv)
{
  mh_test_init (&argc, &argv);

  g_test_add_data_func ("/frontend/stop-by-sigint", GINT_TO_POINTER (SIGINT), test_stop_by_signal);
  g_test_add_data_func ("/frontend/stop-by-sigterm", GINT_TO_POINTER (SIGTERM),
                        test_stop_by_signal);
  g_test_add_func ("/frontend/stop-command", test_stop_command);
  g_test_add_func ("/frontend/stop-ends-the-lease", test_stop_ends_the_lease);
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
