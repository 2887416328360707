/* Integration tests of microvm-user, run as the unprivileged test users in
 * the sandbox against the real helper, polkitd and the C virtiofsd.  The
 * runners are generated here; their bin/microvm-run execs
 * mh-fake-hypervisor, which checks its world as qemu would (attaches to
 * the taps by name, holds a connection to every virtiofs socket) and
 * reports what it saw. */
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mh-test.h"

typedef struct {
  const char *name;       /* the VM name; the runner is microvm-qemu-NAME */
  const char *taps;       /* tap-interfaces contents, NULL for none */
  const char *tap_flags;  /* tap-flags contents, NULL for none */
  gboolean shares;        /* a relative and an absolute share */
  gboolean shutdown;      /* bin/microvm-shutdown */
  const char *hypervisor; /* extra mh-fake-hypervisor arguments */
} RunnerSpec;

static char *
user_path (const char *user, const char *name)
{
  g_autofree char *home = mh_test_home (user);

  return g_build_filename (home, name, NULL);
}

static void
write_file (const char *dir, const char *name, const char *contents, int mode)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (chmod (path, mode), ==, 0);
}

static char *
report_path (const char *name)
{
  g_autofree char *file = g_strdup_printf ("report-%s", name);
  return user_path ("alice", file);
}

/* Builds a runner under alice's home and returns its path. */
static char *
make_runner (const RunnerSpec *spec)
{
  g_autofree char *dir_name = g_strdup_printf ("microvm-qemu-%s", spec->name);
  char *runner = user_path ("alice", dir_name);
  g_autofree char *report = report_path (spec->name);
  g_autofree char *abs_share = user_path ("alice", "abs-share");
  g_autofree char *abs_socket = user_path ("alice", "abs.sock");
  g_autoptr (GString) run = g_string_new ("#!/bin/sh\n");
  g_autoptr (GString) hv_args = g_string_new (NULL);

  if (spec->taps != NULL)
    {
      g_auto (GStrv) taps = g_strsplit_set (spec->taps, "\n", -1);
      gboolean multi = spec->tap_flags != NULL && strstr (spec->tap_flags, "multi_queue") != NULL;
      for (guint i = 0; taps[i] != NULL; i++)
        if (g_strstrip (taps[i])[0] != '\0')
          g_string_append_printf (hv_args, " --tap %s%s", taps[i], multi ? ":multi" : "");
      write_file (runner, "share/microvm/tap-interfaces", spec->taps, 0644);
    }
  if (spec->tap_flags != NULL)
    write_file (runner, "share/microvm/tap-flags", spec->tap_flags, 0644);
  if (spec->shares)
    {
      write_file (runner, "share/microvm/virtiofs/rel/source", "shared-rel\n", 0644);
      write_file (runner, "share/microvm/virtiofs/rel/socket", "rel.sock\n", 0644);
      write_file (runner, "share/microvm/virtiofs/abs/source", abs_share, 0644);
      write_file (runner, "share/microvm/virtiofs/abs/socket", abs_socket, 0644);
      g_string_append_printf (hv_args, " --socket rel.sock --socket %s", abs_socket);
    }
  write_file (runner, "share/microvm/hypervisor", "qemu\n", 0644);
  g_string_append_printf (run, "exec %s/tests/mh-fake-hypervisor --report %s%s %s\n",
                          g_getenv ("MH_BUILD_ROOT"), report, hv_args->str,
                          spec->hypervisor != NULL ? spec->hypervisor : "");
  write_file (runner, "bin/microvm-run", run->str, 0755);
  if (spec->shutdown)
    write_file (
      runner, "bin/microvm-shutdown",
      "#!/bin/sh\n# stands in for QMP system_powerdown\nkill -USR1 \"$(cat hypervisor.pid)\"\n",
      0755);
  unlink (report);
  return runner;
}

static GSubprocess *
start_run (const char *user, const char *runner, const char *output, const char *extra)
{
  g_autofree char *binary =
    g_build_filename (g_getenv ("MH_BUILD_ROOT"), "frontend", "microvm-user", NULL);
  const char *argv[] = { binary, "run", runner, extra, NULL };

  return mh_test_spawn_as (user, output, argv);
}

static char *
state_dir (const char *user, const char *name)
{
  g_autofree char *relative = g_build_filename (".local", "state", "microvm", name, NULL);
  return user_path (user, relative);
}

static char *
microvm_user_path (void)
{
  return g_build_filename (g_getenv ("MH_BUILD_ROOT"), "frontend", "microvm-user", NULL);
}

static void
assert_nothing_left (const char *const *taps)
{
  for (; taps != NULL && *taps != NULL; taps++)
    {
      if (!mh_test_wait_iface (*taps, FALSE, 5000))
        g_error ("tap %s is still there", *taps);
      g_assert_true (mh_test_wait_registry (*taps, FALSE, 5000));
    }
  g_assert_true (mh_test_wait_no_process ("virtiofsd", 5000));
  g_assert_true (mh_test_wait_no_process ("mh-fake-hypervi", 5000));
}

static const RunnerSpec full_spec = {
  .name = "full",
  .taps = "vm-f0\n\n  vm-f1  \n",
  .tap_flags = "vnet_hdr\nmulti_queue",
  .shares = TRUE,
  .shutdown = TRUE,
};

/* Starts the full runner as alice and checks everything is in place. */
static GSubprocess *
start_full_vm (const char *output)
{
  g_autofree char *runner = make_runner (&full_spec);
  g_autofree char *report = report_path ("full");
  g_autofree char *state = state_dir ("alice", "full");
  g_autofree char *cwd_line = g_strdup_printf ("cwd %s\n", state);
  g_autofree char *abs_socket_line = NULL;
  g_autofree char *abs_socket = user_path ("alice", "abs.sock");
  g_autofree char *booted = NULL;
  g_autofree char *booted_link = g_build_filename (state, "booted", NULL);
  GSubprocess *frontend = start_run ("alice", runner, output, NULL);

  if (!mh_test_wait_file_contains (report, "ready\n", 15000))
    {
      g_autofree char *log = NULL;
      g_file_get_contents (output, &log, NULL, NULL);
      g_error ("the hypervisor did not get ready; frontend said:\n%s", log);
    }
  abs_socket_line = g_strdup_printf ("socket %s ok\n", abs_socket);
  g_assert_true (mh_test_file_contains (report, "uid 61001\n"));
  g_assert_true (mh_test_file_contains (report, cwd_line));
  g_assert_true (mh_test_file_contains (report, "tap vm-f0 ok\n"));
  g_assert_true (mh_test_file_contains (report, "tap vm-f1 ok\n"));
  g_assert_true (mh_test_file_contains (report, "socket rel.sock ok\n"));
  g_assert_true (mh_test_file_contains (report, abs_socket_line));

  for (const char *const *tap = (const char *const[]){ "vm-f0", "vm-f1", NULL }; *tap; tap++)
    {
      g_assert_cmpint (mh_test_iface_attr_int (*tap, "owner"), ==, MH_TEST_UID_ALICE);
      g_assert_cmphex (mh_test_iface_attr_int (*tap, "tun_flags") & 0x4100, ==, 0x4100);
    }
  /* At least one virtiofsd per share (the C one adds a sandboxed child),
   * all of them alice's. */
  g_assert_cmpuint (mh_test_count_processes ("virtiofsd", MH_TEST_UID_ALICE), >=, 2);
  g_assert_cmpuint (mh_test_count_processes ("virtiofsd", -1), ==,
                    mh_test_count_processes ("virtiofsd", MH_TEST_UID_ALICE));
  booted = g_file_read_link (booted_link, NULL);
  g_assert_nonnull (booted);
  return frontend;
}

static void
finish_full_vm (GSubprocess *frontend, const char *output, int expected_status)
{
  g_autofree char *state = state_dir ("alice", "full");
  g_autofree char *booted_link = g_build_filename (state, "booted", NULL);
  g_autofree char *current_link = g_build_filename (state, "current", NULL);
  g_autofree char *log = NULL;
  int status = mh_test_wait_exit (frontend, 30000);

  g_file_get_contents (output, &log, NULL, NULL);
  g_test_message ("frontend output:\n%s", log);
  g_assert_cmpint (status, ==, expected_status);
  assert_nothing_left ((const char *const[]){ "vm-f0", "vm-f1", NULL });
  g_assert_false (g_file_test (booted_link, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (current_link, G_FILE_TEST_IS_SYMLINK));
}

static void
test_stop_by_signal (gconstpointer data)
{
  int signal_number = GPOINTER_TO_INT (data);
  g_autofree char *output = user_path ("alice", "frontend.log");
  g_autofree char *report = report_path ("full");
  g_autoptr (GSubprocess) frontend = start_full_vm (output);

  g_subprocess_send_signal (frontend, signal_number);
  finish_full_vm (frontend, output, 0);
  /* Stopped gracefully, through bin/microvm-shutdown. */
  g_assert_true (mh_test_file_contains (report, "powered off\n"));
}

static void
test_stop_command (void)
{
  g_autofree char *output = user_path ("alice", "frontend.log");
  g_autofree char *report = report_path ("full");
  g_autoptr (GSubprocess) frontend = start_full_vm (output);
  g_autofree char *binary = microvm_user_path ();
  g_autofree char *said = NULL;
  g_autofree char *said_again = NULL;
  int status;

  status = mh_test_run_as ("alice", &said, (const char *const[]){ binary, "stop", "full", NULL });
  g_test_message ("stop said: %s", said);
  g_assert_cmpint (status, ==, 0);
  /* `stop` returns once the VM is gone. */
  g_assert_true (mh_test_file_contains (report, "powered off\n"));
  finish_full_vm (frontend, output, 0);

  status =
    mh_test_run_as ("alice", &said_again, (const char *const[]){ binary, "stop", "full", NULL });
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (said_again, "the VM full is not running"));
}

static void
test_hypervisor_exit_status (void)
{
  RunnerSpec spec = full_spec;
  g_autofree char *output = user_path ("alice", "frontend.log");
  g_autofree char *runner = NULL;
  g_autofree char *log = NULL;
  g_autoptr (GSubprocess) frontend = NULL;

  spec.hypervisor = "--exit-code 3";
  runner = make_runner (&spec);
  frontend = start_run ("alice", runner, output, NULL);
  g_assert_cmpint (mh_test_wait_exit (frontend, 30000), ==, 3);
  g_file_get_contents (output, &log, NULL, NULL);
  g_assert_nonnull (strstr (log, "the hypervisor exited with status 3 by itself"));
  assert_nothing_left ((const char *const[]){ "vm-f0", "vm-f1", NULL });
}

static void
test_virtiofsd_restarted (void)
{
  g_autofree char *output = user_path ("alice", "frontend.log");
  g_autoptr (GSubprocess) frontend = start_full_vm (output);
  g_autoptr (GArray) before = mh_test_find_processes ("virtiofsd", MH_TEST_UID_ALICE);
  g_autoptr (GArray) after = NULL;
  g_autofree char *log = NULL;
  gint64 deadline;

  /* Kill every virtiofsd of the share "rel": the supervisor starts it
   * again and the VM keeps running. */
  for (guint i = 0; i < before->len; i++)
    {
      GPid pid = g_array_index (before, GPid, i);
      g_autofree char *cmdline_path = g_strdup_printf ("/proc/%d/cmdline", pid);
      g_autofree char *cmdline = NULL;
      gsize length = 0;
      g_file_get_contents (cmdline_path, &cmdline, &length, NULL);
      if (cmdline != NULL && memmem (cmdline, length, "rel.sock", 8) != NULL)
        kill (pid, SIGKILL);
    }
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  for (;;)
    {
      gboolean renewed = FALSE;

      g_clear_pointer (&after, g_array_unref);
      after = mh_test_find_processes ("virtiofsd", MH_TEST_UID_ALICE);
      for (guint i = 0; i < after->len; i++)
        {
          gboolean old = FALSE;
          for (guint j = 0; j < before->len; j++)
            old |= g_array_index (after, GPid, i) == g_array_index (before, GPid, j);
          renewed |= !old;
        }
      if (renewed && after->len >= before->len)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20 * 1000);
    }
  g_assert_null (g_subprocess_get_identifier (frontend) == NULL ? "exited" : NULL);

  g_subprocess_send_signal (frontend, SIGTERM);
  finish_full_vm (frontend, output, 0);
  g_file_get_contents (output, &log, NULL, NULL);
  /* Killing the C virtiofsd's sandboxed worker makes its parent exit 1;
   * either way it is noticed and restarted. */
  g_assert_nonnull (strstr (log, "virtiofsd for the share rel "));
  g_assert_nonnull (strstr (log, "; restarting it in 250 ms"));
  /* Stopping makes virtiofsd exit too; that is not restarted. */
  g_assert_null (strstr (strstr (log, "asking the VM to power off"), "restarting"));
}

static void
test_frontend_killed (void)
{
  g_autofree char *output = user_path ("alice", "frontend.log");
  g_autoptr (GSubprocess) frontend = start_full_vm (output);

  g_subprocess_force_exit (frontend);
  mh_test_wait_exit (frontend, 5000);
  /* PR_SET_PDEATHSIG takes the children down; the helper releases the
   * taps leased to the dead frontend's bus connection. */
  assert_nothing_left ((const char *const[]){ "vm-f0", "vm-f1", NULL });
}

static void
test_polkit_denied (void)
{
  RunnerSpec spec = full_spec;
  g_autofree char *runner = NULL;
  g_autofree char *output = NULL;
  g_autofree char *binary = microvm_user_path ();
  g_autofree char *report = NULL;
  int status;

  spec.name = "denied";
  runner = make_runner (&spec);
  report = report_path ("denied");
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
  g_autofree char *runner = make_runner (&full_spec);
  g_autofree char *binary = microvm_user_path ();
  g_autofree char *output = NULL;
  g_autofree char *tun = g_build_filename (g_getenv ("MH_SANDBOX_DIR"), "dev", "tun-0600", NULL);
  g_autoptr (GSubprocess) as_root = NULL;
  g_autofree char *log = NULL;
  g_autofree char *log_path = user_path ("alice", "root.log");
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
  g_autofree char *output = user_path ("alice", "frontend.log");
  g_autoptr (GSubprocess) frontend = start_full_vm (output);
  g_autofree char *runner = user_path ("alice", "microvm-qemu-full");
  g_autofree char *binary = microvm_user_path ();
  g_autofree char *second = NULL;
  int status;

  status = mh_test_run_as ("alice", &second, (const char *const[]){ binary, "run", runner, NULL });
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (second, "the VM full is already running"));
  /* The first one is untouched. */
  g_assert_true (mh_test_iface_exists ("vm-f0"));
  g_assert_cmpuint (mh_test_count_processes ("virtiofsd", -1), >=, 2);

  g_subprocess_send_signal (frontend, SIGINT);
  finish_full_vm (frontend, output, 0);
}

static void
test_shutdown_timeout_escalates (void)
{
  RunnerSpec spec = full_spec;
  g_autofree char *output = user_path ("alice", "frontend.log");
  g_autofree char *runner = NULL;
  g_autofree char *report = report_path ("full");
  g_autofree char *log = NULL;
  g_autoptr (GSubprocess) frontend = NULL;

  spec.hypervisor = "--ignore-shutdown";
  runner = make_runner (&spec);
  frontend = start_run ("alice", runner, output, "--shutdown-timeout=1");
  g_assert_true (mh_test_wait_file_contains (report, "ready\n", 15000));
  g_subprocess_send_signal (frontend, SIGTERM);
  /* Ignored the power button, so after 1 s: SIGTERM; the status is the
   * hypervisor's (128 + 15). */
  g_assert_cmpint (mh_test_wait_exit (frontend, 30000), ==, 143);
  g_assert_true (mh_test_file_contains (report, "shutdown request ignored\n"));
  g_assert_true (mh_test_file_contains (report, "killed by SIGTERM\n"));
  g_file_get_contents (output, &log, NULL, NULL);
  g_assert_nonnull (strstr (log, "the hypervisor is still running: sending SIGTERM"));
  assert_nothing_left ((const char *const[]){ "vm-f0", "vm-f1", NULL });
}

/* Runs `microvm-user run` and `inspect` on a broken runner: both must fail
 * with @message (which names file and line), and nothing may have asked
 * the helper (it was never even started). */
static void
check_malformed (const char *runner, const char *message)
{
  g_autofree char *binary = microvm_user_path ();
  const char *commands[] = { "run", "inspect" };

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *output = NULL;
      int status = mh_test_run_as ("alice", &output,
                                   (const char *const[]){ binary, commands[i], runner, NULL });
      g_test_message ("%s: %s", commands[i], output);
      g_assert_cmpint (status, ==, 1);
      if (strstr (output, message) == NULL)
        g_error ("%s said \"%s\", not \"%s\"", commands[i], output, message);
      g_assert_cmpuint (strlen (output), <, 600);
    }
  g_assert_cmpint (mh_test_helper_pid (), ==, 0);
  g_assert_cmpuint (mh_test_count_processes ("virtiofsd", -1), ==, 0);
}

static void
test_malformed_layouts (void)
{
  RunnerSpec spec = full_spec;
  g_autofree char *runner = NULL;
  g_autofree char *big = NULL;
  g_autofree char *expected = NULL;

  spec.name = "bad";
  runner = make_runner (&spec);

#define REBUILD()                        \
  do                                     \
    {                                    \
      MH_TEST_RUN ("rm", "-rf", runner); \
      g_free (make_runner (&spec));      \
    }                                    \
  while (0)

  write_file (runner, "share/microvm/tap-interfaces", "vm-ok\n\nvm/bad\n", 0644);
  expected = g_strdup_printf ("%s/share/microvm/tap-interfaces line 3: invalid interface name "
                              "\"vm/bad\": the character '/' is not allowed",
                              runner);
  check_malformed (runner, expected);

  REBUILD ();
  write_file (runner, "share/microvm/tap-flags", "vnet_hdr\nturbo\n", 0644);
  check_malformed (runner, "share/microvm/tap-flags line 2: unknown tap flag \"turbo\"");

  REBUILD ();
  write_file (runner, "share/microvm/virtiofs/a/b/source", "x\n", 0644);
  write_file (runner, "share/microvm/virtiofs/a/b/socket", "x.sock\n", 0644);
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
    write_file (runner, "share/microvm/tap-interfaces", lines->str, 0644);
    big = g_strdup_printf ("share/microvm/tap-interfaces: it is %zu bytes, more than the 65536",
                           lines->len);
    check_malformed (runner, big);
  }

  REBUILD ();
  write_file (runner, "share/microvm/virtiofs/rel/source", "one\ntwo\n", 0644);
  check_malformed (runner, "share/microvm/virtiofs/rel/source line 2: only one line is expected");

  REBUILD ();
  {
    g_autofree char *socket = g_build_filename (runner, "share/microvm/virtiofs/rel/socket", NULL);
    g_assert_cmpint (unlink (socket), ==, 0);
    check_malformed (runner, "share/microvm/virtiofs/rel/socket: the file is missing");
  }

  REBUILD ();
  write_file (runner, "share/microvm/hypervisor", "qemu; rm -rf /\n", 0644);
  check_malformed (runner, "share/microvm/hypervisor line 1: \"qemu; rm -rf /\" is not a "
                           "hypervisor name");
#undef REBUILD
}

static void
test_socket_path_too_long (void)
{
  RunnerSpec spec = full_spec;
  g_autofree char *runner = NULL;
  g_autofree char *binary = microvm_user_path ();
  g_autofree char *output = NULL;
  g_autofree char *long_name = g_strnfill (110, 's');
  g_autofree char *socket = g_strdup_printf ("%s.sock\n", long_name);
  int status;

  spec.name = "longsock";
  runner = make_runner (&spec);
  write_file (runner, "share/microvm/virtiofs/rel/socket", socket, 0644);
  status = mh_test_run_as ("alice", &output, (const char *const[]){ binary, "run", runner, NULL });
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (output, "the socket path of the share rel is 115 bytes long, but a "
                                    "unix socket path may have at most 107"));
  g_assert_cmpint (mh_test_helper_pid (), ==, 0);
}

static void
test_unsupported_devices (void)
{
  RunnerSpec spec = full_spec;
  g_autofree char *runner = NULL;
  g_autofree char *binary = microvm_user_path ();
  g_autofree char *run_output = NULL;
  g_autofree char *inspect_output = NULL;
  int status;

  spec.name = "devices";
  runner = make_runner (&spec);
  write_file (runner, "share/microvm/pci-devices", "01:00.0\n", 0644);
  write_file (runner, "share/microvm/usb-devices", "vendorid=0x0bda,productid=0x2838\n", 0644);
  status =
    mh_test_run_as ("alice", &run_output, (const char *const[]){ binary, "run", runner, NULL });
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (run_output, "lists 1 PCI device(s) (0000:01:00.0), but PCI "
                                        "passthrough is not supported yet"));
  status = mh_test_run_as ("alice", &inspect_output,
                           (const char *const[]){ binary, "inspect", runner, NULL });
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (inspect_output, "pci devices: 0000:01:00.0\n"));
  g_assert_nonnull (strstr (inspect_output, "usb devices: vendorid=0x0bda,productid=0x2838 (not "
                                            "acted on)\n"));
  g_assert_cmpint (mh_test_helper_pid (), ==, 0);
}

/* Evaluates a Python expression over the parsed JSON document `d`. */
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
  RunnerSpec second = full_spec;
  g_autofree char *output = user_path ("alice", "frontend.log");
  g_autofree char *binary = microvm_user_path ();
  g_autofree char *inspect = NULL;
  g_autofree char *list = NULL;
  g_autofree char *list_outdated = NULL;
  g_autofree char *list_stopped = NULL;
  g_autofree char *table = NULL;
  g_autofree char *result = user_path ("alice", "result");
  g_autofree char *report = report_path ("full");
  g_autofree char *first = make_runner (&full_spec);
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
  frontend = start_run ("alice", result, output, NULL);
  g_assert_true (mh_test_wait_file_contains (report, "ready\n", 15000));
  g_assert_cmpint (
    mh_test_run_as ("alice", &list, (const char *const[]){ binary, "list", "--json", NULL }), ==,
    0);
  ASSERT_JSON (list, "[(v['name'], v['running'], v['outdated']) for v in d]",
               "[('full', True, False)]");
  ASSERT_JSON (list, "d[0]['current']", result);

  second.name = "full2";
  second_runner = make_runner (&second);
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

int
main (int argc, char **argv)
{
  mh_test_init (&argc, &argv);

  g_test_add_data_func ("/frontend/stop-by-sigint", GINT_TO_POINTER (SIGINT), test_stop_by_signal);
  g_test_add_data_func ("/frontend/stop-by-sigterm", GINT_TO_POINTER (SIGTERM),
                        test_stop_by_signal);
  g_test_add_func ("/frontend/stop-command", test_stop_command);
  g_test_add_func ("/frontend/hypervisor-exit-status", test_hypervisor_exit_status);
  g_test_add_func ("/frontend/virtiofsd-restarted", test_virtiofsd_restarted);
  g_test_add_func ("/frontend/frontend-killed", test_frontend_killed);
  g_test_add_func ("/frontend/polkit-denied", test_polkit_denied);
  g_test_add_func ("/frontend/refuses-root-and-unusable-tun", test_refuses_root_and_unusable_tun);
  g_test_add_func ("/frontend/already-running", test_already_running);
  g_test_add_func ("/frontend/shutdown-timeout-escalates", test_shutdown_timeout_escalates);
  g_test_add_func ("/frontend/malformed-layouts", test_malformed_layouts);
  g_test_add_func ("/frontend/socket-path-too-long", test_socket_path_too_long);
  g_test_add_func ("/frontend/unsupported-devices", test_unsupported_devices);
  g_test_add_func ("/frontend/list-and-inspect", test_list_and_inspect);

  return g_test_run ();
}
