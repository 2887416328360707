/* Runners for the frontend's tests, and the steps most of them share. */
#include "mh-test-runner.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

char *
mh_test_user_path (const char *user, const char *name)
{
  g_autofree char *home = mh_test_home (user);

  return g_build_filename (home, name, NULL);
}

void
mh_test_write_file (const char *dir, const char *name, const char *contents, int mode)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (chmod (path, mode), ==, 0);
}

char *
mh_test_report_path (const char *name)
{
  g_autofree char *file = g_strdup_printf ("report-%s", name);
  return mh_test_user_path ("alice", file);
}

/* Builds a runner under alice's home and returns its path. */
char *
mh_test_make_runner (const MhTestRunnerSpec *spec)
{
  g_autofree char *dir_name = g_strdup_printf ("microvm-qemu-%s", spec->name);
  char *runner = mh_test_user_path ("alice", dir_name);
  g_autofree char *report = mh_test_report_path (spec->name);
  g_autofree char *abs_share = mh_test_user_path ("alice", "abs-share");
  g_autofree char *abs_socket = mh_test_user_path ("alice", "abs.sock");
  g_autoptr (GString) run = g_string_new ("#!/bin/sh\n");
  g_autoptr (GString) hv_args = g_string_new (NULL);

  if (spec->taps != NULL)
    {
      g_auto (GStrv) taps = g_strsplit_set (spec->taps, "\n", -1);
      gboolean multi = spec->tap_flags != NULL && strstr (spec->tap_flags, "multi_queue") != NULL;
      for (guint i = 0; taps[i] != NULL; i++)
        if (g_strstrip (taps[i])[0] != '\0')
          g_string_append_printf (hv_args, " --tap %s%s", taps[i], multi ? ":multi" : "");
      mh_test_write_file (runner, "share/microvm/tap-interfaces", spec->taps, 0644);
    }
  if (spec->tap_flags != NULL)
    mh_test_write_file (runner, "share/microvm/tap-flags", spec->tap_flags, 0644);
  if (spec->shares)
    {
      mh_test_write_file (runner, "share/microvm/virtiofs/rel/source", "shared-rel\n", 0644);
      mh_test_write_file (runner, "share/microvm/virtiofs/rel/socket", "rel.sock\n", 0644);
      mh_test_write_file (runner, "share/microvm/virtiofs/abs/source", abs_share, 0644);
      mh_test_write_file (runner, "share/microvm/virtiofs/abs/socket", abs_socket, 0644);
      g_string_append_printf (hv_args, " --socket rel.sock --socket %s", abs_socket);
    }
  mh_test_write_file (runner, "share/microvm/hypervisor", "qemu\n", 0644);
  g_string_append_printf (run, "exec %s/tests/mh-fake-hypervisor --report %s%s %s\n",
                          g_getenv ("MH_BUILD_ROOT"), report, hv_args->str,
                          spec->hypervisor != NULL ? spec->hypervisor : "");
  mh_test_write_file (runner, "bin/microvm-run", run->str, 0755);
  if (spec->shutdown)
    mh_test_write_file (
      runner, "bin/microvm-shutdown",
      "#!/bin/sh\n# stands in for QMP system_powerdown\nkill -USR1 \"$(cat hypervisor.pid)\"\n",
      0755);
  unlink (report);
  return runner;
}

GSubprocess *
mh_test_start_run (const char *user, const char *runner, const char *output, const char *extra)
{
  g_autofree char *binary =
    g_build_filename (g_getenv ("MH_BUILD_ROOT"), "frontend", "microvm-user", NULL);
  const char *argv[] = { binary, "run", runner, extra, NULL };

  return mh_test_spawn_as (user, output, argv);
}

char *
mh_test_state_dir (const char *user, const char *name)
{
  g_autofree char *relative = g_build_filename (".local", "state", "microvm", name, NULL);
  return mh_test_user_path (user, relative);
}

char *
mh_test_microvm_user (void)
{
  return g_build_filename (g_getenv ("MH_BUILD_ROOT"), "frontend", "microvm-user", NULL);
}

void
mh_test_assert_nothing_left (const char *const *taps)
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

const MhTestRunnerSpec mh_test_full_spec = {
  .name = "full",
  .taps = "vm-f0\n\n  vm-f1  \n",
  .tap_flags = "vnet_hdr\nmulti_queue",
  .shares = TRUE,
  .shutdown = TRUE,
};

/* Starts the full runner as alice and checks everything is in place. */
GSubprocess *
mh_test_start_full_vm (const char *output)
{
  g_autofree char *runner = mh_test_make_runner (&mh_test_full_spec);
  g_autofree char *report = mh_test_report_path ("full");
  g_autofree char *state = mh_test_state_dir ("alice", "full");
  g_autofree char *cwd_line = g_strdup_printf ("cwd %s\n", state);
  g_autofree char *abs_socket_line = NULL;
  g_autofree char *abs_socket = mh_test_user_path ("alice", "abs.sock");
  g_autofree char *booted = NULL;
  g_autofree char *booted_link = g_build_filename (state, "booted", NULL);
  g_autofree char *nofile_line = NULL;
  struct rlimit limit;
  GSubprocess *frontend;

  /* The hypervisor must get the hard open-file limit, as upstream's
   * LimitNOFILE gives it more than the default: start the frontend below
   * it, so that only its raising gets it there. */
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &limit), ==, 0);
  if (limit.rlim_cur >= limit.rlim_max && limit.rlim_max > 256)
    limit.rlim_cur = 256;
  g_assert_cmpuint (limit.rlim_cur, <, limit.rlim_max);
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &limit), ==, 0);
  nofile_line = g_strdup_printf ("nofile %llu of %llu\n", (unsigned long long) limit.rlim_max,
                                 (unsigned long long) limit.rlim_max);
  frontend = mh_test_start_run ("alice", runner, output, NULL);

  if (!mh_test_wait_file_contains (report, "ready\n", 15000))
    {
      g_autofree char *log = NULL;
      g_file_get_contents (output, &log, NULL, NULL);
      g_error ("the hypervisor did not get ready; frontend said:\n%s", log);
    }
  abs_socket_line = g_strdup_printf ("socket %s ok\n", abs_socket);
  g_assert_true (mh_test_file_contains (report, "uid 61001\n"));
  if (!mh_test_file_contains (report, nofile_line))
    g_error ("the hypervisor did not get the hard open-file limit (%llu)",
             (unsigned long long) limit.rlim_max);
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
  /* At least one virtiofsd per share, all of them alice's.  The C
   * virtiofsd forks its worker when the hypervisor connects, so its
   * processes come and go around "ready": look until it settles. */
  {
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    g_autoptr (GArray) virtiofsds = NULL;

    for (;;)
      {
        g_clear_pointer (&virtiofsds, g_array_unref);
        virtiofsds = mh_test_find_processes ("virtiofsd", -1);
        if (virtiofsds->len >= 2 || g_get_monotonic_time () > deadline)
          break;
        g_usleep (20 * 1000);
      }
    g_assert_cmpuint (virtiofsds->len, >=, 2);
    for (guint i = 0; i < virtiofsds->len; i++)
      {
        gint64 uid = mh_test_process_uid (g_array_index (virtiofsds, GPid, i));
        g_assert_true (uid == MH_TEST_UID_ALICE || uid == -1);
      }
  }
  booted = g_file_read_link (booted_link, NULL);
  g_assert_nonnull (booted);
  return frontend;
}

void
mh_test_finish_full_vm (GSubprocess *frontend, const char *output, int expected_status)
{
  g_autofree char *report = mh_test_report_path ("full");
  g_autofree char *state = mh_test_state_dir ("alice", "full");
  g_autofree char *booted_link = g_build_filename (state, "booted", NULL);
  g_autofree char *current_link = g_build_filename (state, "current", NULL);
  g_autofree char *log = NULL;
  int status = mh_test_wait_exit (frontend, 30000);

  g_file_get_contents (output, &log, NULL, NULL);
  g_test_message ("frontend output:\n%s", log);
  g_assert_cmpint (status, ==, expected_status);
  mh_test_assert_nothing_left ((const char *const[]){ "vm-f0", "vm-f1", NULL });
  g_assert_false (g_file_test (booted_link, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (current_link, G_FILE_TEST_IS_SYMLINK));
}

void
mh_test_assert_runner_refused (const char *runner, const char *const *commands, const char *message,
                               gboolean helper_asked)
{
  g_autofree char *binary = mh_test_microvm_user ();
  g_autofree char *taps = NULL;

  for (gsize i = 0; commands[i] != NULL; i++)
    {
      g_autofree char *output = NULL;
      int status = mh_test_run_as ("alice", &output,
                                   (const char *const[]){ binary, commands[i], runner, NULL });

      g_test_message ("%s: %s", commands[i], output);
      g_assert_cmpint (status, ==, 1);
      if (strstr (output, message) == NULL)
        g_error ("%s said \"%s\", not \"%s\"", commands[i], output, message);
      g_assert_cmpuint (strlen (output), <, 600);
      for (const char *p = output; *p != '\0'; p++)
        if ((unsigned char) *p < 0x20 && *p != '\n')
          g_error ("%s printed control character 0x%02x: %s", commands[i], *p, output);
    }
  if (!helper_asked)
    g_assert_cmpint (mh_test_helper_pid (), ==, 0);
  taps = mh_test_kernel_taps ();
  g_assert_cmpstr (taps, ==, "");
  g_assert_cmpuint (mh_test_count_processes ("virtiofsd", -1), ==, 0);
}
