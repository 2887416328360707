/* mh-bench-frontend: `microvm-user run` against the systemd host module's
 * way (bench/host-module-start.sh and host-module-stop.sh, as root), for a
 * runner with 4 taps and 2 virtiofs shares, run as root inside the
 * benchmark sandbox:
 *
 *   mh-bench-frontend ROUNDS
 *
 * Start: from the exec of `microvm-user run RUNNER` (as alice) or of the
 * root script, to the exec of bin/microvm-run (mh-bench-hypervisor, which
 * writes the stamp first thing).  Stop: from SIGTERM to the frontend (or
 * the start of the root stop script) to its exit, every tap, virtiofsd and
 * the hypervisor gone.  Memory: the frontend's and the helper's RSS while
 * the VM runs.  Frontend and baseline rounds alternate, so that a noisy
 * moment hurts both alike. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mh-bench-stats.h"
#include "mh-test.h"

#define USER "alice"
#define VM_NAME "benchvm"
#define READY_TIMEOUT_S 30

static const char *const taps[] = { "bvm0", "bvm1", "bvm2", "bvm3", NULL };

static char *
build_path (const char *name)
{
  return g_build_filename (g_getenv ("MH_BUILD_ROOT"), name, NULL);
}

static void
write_file (const char *dir, const char *name, const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  if (g_mkdir_with_parents (parent, 0755) < 0 || !g_file_set_contents (path, contents, -1, &error))
    mh_bench_die ("cannot write %s", path);
}

/* RUNNER/{bin/microvm-run, share/microvm/...}: 4 taps, 2 shares with
 * relative sources and sockets (resolved in the state directory). */
static char *
make_runner (void)
{
  g_autofree char *home = mh_test_home (USER);
  char *runner = g_build_filename (home, "microvm-qemu-" VM_NAME, NULL);
  g_autofree char *bin = g_build_filename (runner, "bin", NULL);
  g_autofree char *run = g_build_filename (bin, "microvm-run", NULL);
  g_autofree char *hypervisor = build_path ("bench/mh-bench-hypervisor");
  g_autofree char *ro_source = g_build_filename (home, "bench-share-ro", NULL);
  g_autofree char *data_source = g_build_filename (home, "bench-share-data", NULL);

  write_file (runner, "share/microvm/tap-interfaces", "bvm0\nbvm1\nbvm2\nbvm3\n");
  write_file (runner, "share/microvm/tap-flags", "vnet_hdr\n");
  /* Absolute sources: the C virtiofsd cannot bind-mount a relative one once
   * the hypervisor connects (see docs/performance.md, "Findings"). */
  write_file (runner, "share/microvm/virtiofs/ro-store/source", ro_source);
  write_file (runner, "share/microvm/virtiofs/ro-store/socket", "ro-store.sock\n");
  write_file (runner, "share/microvm/virtiofs/data/source", data_source);
  write_file (runner, "share/microvm/virtiofs/data/socket", "data.sock\n");
  write_file (runner, "share/microvm/hypervisor", "qemu\n");
  g_mkdir_with_parents (bin, 0755);
  unlink (run);
  if (symlink (hypervisor, run) < 0)
    mh_bench_die ("symlink %s: %s", run, g_strerror (errno));
  return runner;
}

static gint64
read_stamp (const char *path)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    mh_bench_die ("no stamp in %s", path);
  return g_ascii_strtoll (text, NULL, 10);
}

static void
remove_files (const char *dir)
{
  const char *names[] = { "microvm-run.stamp", "microvm-run.ready", "hypervisor.pid", "start.stamp",
                          NULL };

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      unlink (path);
    }
}

/* Waits until the hypervisor says it attached everything; dies with the
 * log when @process ends first or it takes too long. */
static void
wait_ready (const char *state, GSubprocess *process, const char *log)
{
  g_autofree char *ready = g_build_filename (state, "microvm-run.ready", NULL);
  gint64 deadline = g_get_monotonic_time () + READY_TIMEOUT_S * G_USEC_PER_SEC;
  g_autofree char *report = NULL;

  while (!mh_test_file_contains (ready, "ready\n"))
    {
      if (g_subprocess_get_identifier (process) == NULL || g_get_monotonic_time () > deadline)
        {
          g_autofree char *said = NULL;
          g_file_get_contents (log, &said, NULL, NULL);
          mh_bench_die ("the VM did not start; its output:\n%s", said != NULL ? said : "");
        }
      g_usleep (1000);
    }
  g_file_get_contents (ready, &report, NULL, NULL);
  if (strstr (report, " error ") != NULL)
    mh_bench_die ("the hypervisor could not use its world:\n%s", report);
  for (guint i = 0; taps[i] != NULL; i++)
    {
      g_autofree char *line = g_strdup_printf ("tap %s ok\n", taps[i]);
      if (strstr (report, line) == NULL)
        mh_bench_die ("the hypervisor did not attach %s:\n%s", taps[i], report);
    }
}

/* Nothing of the VM may be left once the stop is over. */
static void
check_released (const char *who)
{
  for (guint i = 0; taps[i] != NULL; i++)
    if (mh_test_iface_exists (taps[i]))
      mh_bench_die ("%s: tap %s is still there after the stop", who, taps[i]);
  if (!mh_test_wait_no_process ("virtiofsd", 5000))
    mh_bench_die ("%s: virtiofsd is still running after the stop", who);
  if (mh_test_count_processes ("microvm-run", -1) > 0)
    mh_bench_die ("%s: the hypervisor is still running after the stop", who);
}

/* A C virtiofsd run as root leaves /run/virtiofsd (root's, for its pid
 * files) behind.  microvm-user's unprivileged C virtiofsd then finds that
 * directory bound into its own /run and cannot write its pid file there
 * (see docs/performance.md, "Findings"): remove it after each root round
 * so that the frontend rounds measure the normal case. */
static void
remove_run_virtiofsd (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/run/virtiofsd", 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/run/virtiofsd", name, NULL);
      unlink (path);
    }
  rmdir ("/run/virtiofsd");
}

typedef struct {
  char *runner;
  char *frontend_state;
  char *host_state;
  MhBenchSeries *frontend_start, *frontend_stop, *host_start, *host_stop;
  MhBenchSeries *frontend_rss, *helper_rss;
} Bench;

static void
bench_clear (Bench *bench)
{
  g_free (bench->runner);
  g_free (bench->frontend_state);
  g_free (bench->host_state);
  mh_bench_series_free (bench->frontend_start);
  mh_bench_series_free (bench->frontend_stop);
  mh_bench_series_free (bench->host_start);
  mh_bench_series_free (bench->host_stop);
  mh_bench_series_free (bench->frontend_rss);
  mh_bench_series_free (bench->helper_rss);
}

static void
frontend_round (Bench *bench, gboolean record)
{
  g_autofree char *home = mh_test_home (USER);
  g_autofree char *log = g_build_filename (home, "frontend.log", NULL);
  g_autofree char *start_stamp = g_build_filename (home, "start.stamp", NULL);
  g_autofree char *run_stamp = g_build_filename (bench->frontend_state, "microvm-run.stamp", NULL);
  g_autofree char *stamp = build_path ("bench/mh-bench-stamp");
  g_autofree char *frontend = build_path ("frontend/microvm-user");
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  guint64 rss, hwm;
  guint fds;
  gint64 stop_start;
  int pid;

  remove_files (bench->frontend_state);
  unlink (start_stamp);
  process = mh_test_spawn_as (
    USER, log, (const char *const[]){ stamp, start_stamp, frontend, "run", bench->runner, NULL });
  wait_ready (bench->frontend_state, process, log);
  pid = atoi (g_subprocess_get_identifier (process));
  if (record)
    {
      mh_bench_series_add_us (bench->frontend_start,
                              (read_stamp (run_stamp) - read_stamp (start_stamp)) / 1e3);
      if (mh_bench_process_memory (pid, &rss, &hwm, &fds))
        mh_bench_series_add_us (bench->frontend_rss, (double) rss);
      if (mh_bench_process_memory (mh_test_helper_pid (), &rss, &hwm, &fds))
        mh_bench_series_add_us (bench->helper_rss, (double) rss);
    }

  stop_start = mh_bench_now_ns ();
  kill (pid, SIGTERM);
  if (!g_subprocess_wait (process, NULL, &error))
    mh_bench_die ("waiting for the frontend: %s", error->message);
  if (record)
    mh_bench_series_add_since (bench->frontend_stop, stop_start);
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0 ||
      mh_test_file_contains (log, "restarting") || mh_test_file_contains (log, "MS_BIND"))
    {
      g_autofree char *said = NULL;
      g_file_get_contents (log, &said, NULL, NULL);
      mh_bench_die ("the frontend did not run cleanly (exit status 0 after SIGTERM, no virtiofsd "
                    "failure):\n%s",
                    said);
    }
  check_released ("microvm-user");
}

static void
host_round (Bench *bench, gboolean record)
{
  g_autofree char *log = g_build_filename (g_getenv ("MH_SANDBOX_DIR"), "host-module.log", NULL);
  g_autofree char *start_stamp = g_build_filename (bench->host_state, "start.stamp", NULL);
  g_autofree char *run_stamp = g_build_filename (bench->host_state, "microvm-run.stamp", NULL);
  g_autofree char *stamp = build_path ("bench/mh-bench-stamp");
  g_autofree char *start_script =
    g_build_filename (g_getenv ("MH_SOURCE_ROOT"), "bench", "host-module-start.sh", NULL);
  g_autofree char *stop_script =
    g_build_filename (g_getenv ("MH_SOURCE_ROOT"), "bench", "host-module-stop.sh", NULL);
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GSubprocess) stopper = NULL;
  g_autoptr (GError) error = NULL;
  gint64 stop_start;

  remove_files (bench->host_state);
  unlink (log);
  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  process = g_subprocess_launcher_spawn (launcher, &error, stamp, start_stamp, "bash", start_script,
                                         bench->runner, bench->host_state, USER, NULL);
  if (process == NULL)
    mh_bench_die ("cannot start the host-module script: %s", error->message);
  wait_ready (bench->host_state, process, log);
  if (record)
    mh_bench_series_add_us (bench->host_start,
                            (read_stamp (run_stamp) - read_stamp (start_stamp)) / 1e3);

  stop_start = mh_bench_now_ns ();
  stopper = g_subprocess_launcher_spawn (launcher, &error, "bash", stop_script, bench->runner,
                                         bench->host_state, NULL);
  if (stopper == NULL || !g_subprocess_wait_check (stopper, NULL, &error))
    mh_bench_die ("the host-module stop script failed: %s", error->message);
  if (record)
    mh_bench_series_add_since (bench->host_stop, stop_start);
  g_subprocess_wait (process, NULL, NULL);
  check_released ("the host-module scripts");
  remove_run_virtiofsd ();
}

static void
print_median_value (MhBenchSeries *series, const char *name, const char *unit)
{
  mh_bench_value_print (name, mh_bench_series_quantile (series, 0.5), unit);
}

int
main (int argc, char **argv)
{
  g_autofree char *home = NULL;
  Bench bench = { 0 };
  guint64 rounds = 0;

  g_set_prgname ("mh-bench-frontend");
  if (argc != 2 || !g_ascii_string_to_unsigned (argv[1], 10, 1, 10000, &rounds, NULL))
    mh_bench_die ("usage: mh-bench-frontend ROUNDS");
  if (getuid () != 0 || g_getenv ("MH_SANDBOX_DIR") == NULL)
    mh_bench_die ("run as root inside the benchmark sandbox (bench/run-bench.sh does)");

  home = mh_test_home (USER);
  bench.runner = make_runner ();
  bench.frontend_state = g_build_filename (home, ".local", "state", "microvm", VM_NAME, NULL);
  bench.host_state = g_build_filename (home, "host-module-state", NULL);
  g_mkdir_with_parents (bench.host_state, 0755);
  if (chown (bench.host_state, MH_TEST_UID_ALICE, MH_TEST_UID_ALICE) < 0)
    mh_bench_die ("chown %s: %s", bench.host_state, g_strerror (errno));
  bench.frontend_start = mh_bench_series_new ("frontend_start");
  bench.frontend_stop = mh_bench_series_new ("frontend_stop");
  bench.host_start = mh_bench_series_new ("host_start");
  bench.host_stop = mh_bench_series_new ("host_stop");
  bench.frontend_rss = mh_bench_series_new ("frontend_rss");
  bench.helper_rss = mh_bench_series_new ("helper_rss");

  /* One unrecorded round each: page cache, the helper's first lease. */
  frontend_round (&bench, FALSE);
  host_round (&bench, FALSE);
  for (guint i = 0; i < rounds; i++)
    {
      frontend_round (&bench, TRUE);
      host_round (&bench, TRUE);
      mh_bench_progress (
        "round %u/%u, medians so far: microvm-user start %.1f ms stop %.1f ms, host module "
        "start %.1f ms stop %.1f ms",
        i + 1, (guint) rounds, mh_bench_series_quantile (bench.frontend_start, 0.5) / 1e3,
        mh_bench_series_quantile (bench.frontend_stop, 0.5) / 1e3,
        mh_bench_series_quantile (bench.host_start, 0.5) / 1e3,
        mh_bench_series_quantile (bench.host_stop, 0.5) / 1e3);
    }

  mh_bench_series_print (bench.frontend_start);
  mh_bench_series_print (bench.host_start);
  mh_bench_series_print (bench.frontend_stop);
  mh_bench_series_print (bench.host_stop);
  print_median_value (bench.frontend_rss, "frontend_rss_running", "KiB");
  print_median_value (bench.helper_rss, "helper_rss_running", "KiB");
  bench_clear (&bench);
  return 0;
}
