/* Load: twenty users (load01..load20 of the sandbox, each a caller of its
 * own, in group microvm like alice) and mallory, whom the rules deny, call
 * one helper at once, each on one connection with 50 calls in flight:
 * about 10,000 calls of CreateTap/DeleteTap pairs, batches, ListTaps,
 * calls on alice's tap, denied and malformed calls
 * (tests/support/mh-load-client.c checks every answer).  Afterwards:
 * zero wrong answers, zero lost calls, the same helper still running, no
 * tap in the kernel that the registry does not list and no registry entry
 * without its tap, the helper's fd count back to where it was and its RSS
 * grown by less than a bound (see below).
 *
 * MH_LOAD_CALLS sets the number of calls (the valgrind setup makes fewer:
 * each is much slower there). */
#include <stdio.h>
#include <string.h>

#include "mh-test.h"

#define IN_FLIGHT 50
#define DEFAULT_CALLS 10000
/* Warm-up calls per user, before the figures are taken: the helper's
 * RSS grows through the first rounds of load (malloc arenas of the worker
 * threads, freed blocks kept from the peaks: 1,000 calls queued at once,
 * 2,000 taps recorded) and then stays (measured: +7.4 MiB in a first
 * round of 10,000 calls, then +0.5, +0.03, +0.15 MiB in three more). */
#define WARM_UP_CALLS 200

/* After a warm-up of 4,200 calls, 10,000 calls grew the RSS by 1.5 to 2.4
 * MiB here.  A leak of 800 bytes per call would take 8 MiB; smaller leaks
 * are valgrind's to find (meson test --setup valgrind). */
#define RSS_GROWTH_LIMIT_KB 8192

typedef struct {
  guint calls, ok, errors, wrong, lost;
} Totals;

/* Under valgrind or AddressSanitizer (whose quarantine keeps freed
 * memory on purpose) the RSS is theirs more than the helper's. */
static const char *
memory_checker (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/maps", pid);
  g_autofree char *maps = NULL;

  g_assert_true (g_file_get_contents (path, &maps, NULL, NULL));
  if (strstr (maps, "vgpreload_memcheck") != NULL)
    return "valgrind";
  if (strstr (maps, "libasan") != NULL)
    return "AddressSanitizer";
  return NULL;
}

static guint
total_calls (void)
{
  const char *text = g_getenv ("MH_LOAD_CALLS");
  guint64 n = DEFAULT_CALLS;

  if (text != NULL)
    g_assert_true (g_ascii_string_to_unsigned (text, 10, 500, 1000000, &n, NULL));
  return (guint) n;
}

static char *
client_path (void)
{
  return g_build_filename (g_getenv ("MH_BUILD_ROOT"), "tests", "mh-load-client", NULL);
}

/* Runs every client at once; each must make exactly its calls and get
 * every answer right. */
static void
run_round (guint per_user, guint for_mallory, Totals *totals)
{
  g_autofree char *client = client_path ();
  g_autoptr (GPtrArray) processes = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) outputs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) prefixes = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *per_user_text = g_strdup_printf ("%u", per_user);
  g_autofree char *mallory_text = g_strdup_printf ("%u", for_mallory);
  g_autofree char *in_flight_text = g_strdup_printf ("%u", IN_FLIGHT);

  memset (totals, 0, sizeof *totals);
  for (guint i = 0; i <= MH_TEST_N_LOAD_USERS; i++)
    {
      gboolean is_mallory = i == MH_TEST_N_LOAD_USERS;
      g_autofree char *user =
        is_mallory ? g_strdup ("mallory") : g_strdup_printf ("load%02u", i + 1);
      g_autofree char *seed = g_strdup_printf ("%u", g_test_rand_int_range (1, 1 << 30));
      char *prefix = is_mallory ? g_strdup ("mal") : g_strdup_printf ("l%02u", i + 1);
      char *output = g_build_filename (g_getenv ("MH_SANDBOX_DIR"), prefix, NULL);
      const char *argv[] = {
        client,         prefix, is_mallory ? mallory_text : per_user_text,
        in_flight_text, seed,   is_mallory ? "--denied" : NULL,
        NULL,
      };

      g_ptr_array_add (prefixes, prefix);
      g_ptr_array_add (outputs, output);
      g_ptr_array_add (processes, mh_test_spawn_as (user, output, argv));
    }

  for (guint i = 0; i < processes->len; i++)
    {
      int status = mh_test_wait_exit (processes->pdata[i], 240 * 1000);
      g_autofree char *text = NULL;
      g_auto (GStrv) lines = NULL;
      const char *last = NULL;
      Totals one = { 0 };
      g_autofree char *expected = NULL;

      g_assert_true (g_file_get_contents (outputs->pdata[i], &text, NULL, NULL));
      lines = g_strsplit (g_strstrip (text), "\n", -1);
      for (gsize l = 0; lines[l] != NULL; l++)
        last = lines[l];
      expected = g_strdup_printf ("%s calls=", (char *) prefixes->pdata[i]);
      if (status != 0 || last == NULL || !g_str_has_prefix (last, expected) ||
          sscanf (last + strlen (expected), "%u ok=%u errors=%u wrong=%u lost=%u", &one.calls,
                  &one.ok, &one.errors, &one.wrong, &one.lost) != 5)
        g_error ("load client %s (status %d):\n%s", (char *) prefixes->pdata[i], status, text);
      g_test_message ("%s", last);
      g_assert_cmpuint (one.calls, ==, i == MH_TEST_N_LOAD_USERS ? for_mallory : per_user);
      g_assert_cmpuint (one.ok + one.errors + one.wrong + one.lost, ==, one.calls);
      totals->calls += one.calls;
      totals->ok += one.ok;
      totals->errors += one.errors;
      totals->wrong += one.wrong;
      totals->lost += one.lost;
    }
}

static guint
helper_fds (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/fd", pid);
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static guint
helper_rss_kb (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents (path, &status, NULL, NULL));
  line = strstr (status, "\nVmRSS:");
  g_assert_nonnull (line);
  return (guint) g_ascii_strtoull (line + strlen ("\nVmRSS:"), NULL, 10);
}

/* Waits until the leases of the clients that left are released: only
 * alice's tap left, in the registry and in the kernel alike. */
static void
wait_settled (void)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autofree char *kernel = mh_test_kernel_taps ();
      g_autofree char *recorded = mh_test_registry_taps ();

      if (strcmp (kernel, "lk-alice") == 0 && strcmp (recorded, "lk-alice") == 0)
        return;
      if (g_get_monotonic_time () > deadline)
        g_error ("after the load, the kernel has taps [%s] and the registry records [%s]; both "
                 "should be [lk-alice]",
                 kernel, recorded);
      g_usleep (50 * 1000);
    }
}

/* The helper's fd count once its last worker has closed its sockets. */
static guint
wait_fds (GPid pid, guint expected)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  guint now;

  while ((now = helper_fds (pid)) != expected && g_get_monotonic_time () < deadline)
    g_usleep (50 * 1000);
  return now;
}

static void
test_many_users (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  guint calls = total_calls ();
  guint for_mallory = calls / 25;
  guint per_user = (calls - for_mallory) / MH_TEST_N_LOAD_USERS;
  guint fds_before, fds_after, rss_before, rss_after;
  Totals warm, load;
  gint64 start;
  double seconds;
  const char *checker;
  GPid pid;

  /* Up to 50 slots x 2 taps and 2 leased taps per user at a time. */
  mh_test_helper_set_config ("[Taps]\nMaxPerUser=128\nMaxTotal=4096\n");
  mh_test_helper_set_args ("--no-idle-exit");
  /* The tap the callers try to take from alice. */
  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('lk-alice', {})"));
  pid = mh_test_helper_pid ();
  g_assert_cmpint (pid, >, 0);
  checker = memory_checker (pid);

  /* Every thread and arena the load needs comes to exist here. */
  run_round (MIN (WARM_UP_CALLS, per_user / 2), MIN (WARM_UP_CALLS, for_mallory / 2), &warm);
  g_assert_cmpuint (warm.wrong, ==, 0);
  g_assert_cmpuint (warm.lost, ==, 0);
  wait_settled ();
  fds_before = helper_fds (pid);
  rss_before = helper_rss_kb (pid);

  start = g_get_monotonic_time ();
  run_round (per_user, for_mallory, &load);
  seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  wait_settled ();
  fds_after = wait_fds (pid, fds_before);
  rss_after = helper_rss_kb (pid);

  g_test_message ("load: %u calls by %u users and mallory, %u in flight each, in %.1f s "
                  "(%.0f calls/s): %u ok, %u expected errors, %u wrong, %u lost",
                  load.calls, MH_TEST_N_LOAD_USERS, IN_FLIGHT, seconds, load.calls / seconds,
                  load.ok, load.errors, load.wrong, load.lost);
  g_test_message ("helper pid %d: fds %u before, %u after; VmRSS %u KiB before, %u KiB after "
                  "(%+d KiB)%s%s%s",
                  pid, fds_before, fds_after, rss_before, rss_after,
                  (int) rss_after - (int) rss_before, checker != NULL ? "; under " : "",
                  checker != NULL ? checker : "",
                  checker != NULL ? ", whose own memory this mostly is: not checked" : "");

  g_assert_cmpuint (load.calls, ==, per_user * MH_TEST_N_LOAD_USERS + for_mallory);
  g_assert_cmpuint (load.wrong, ==, 0);
  g_assert_cmpuint (load.lost, ==, 0);
  /* The same helper served it all: it neither crashed nor restarted. */
  g_assert_cmpint (mh_test_helper_pid (), ==, pid);
  g_assert_cmpuint (fds_after, ==, fds_before);
  if (checker == NULL)
    g_assert_cmpint ((int) rss_after - (int) rss_before, <, RSS_GROWTH_LIMIT_KB);
  /* alice's tap went through it untouched. */
  g_assert_cmpint (mh_test_iface_attr_int ("lk-alice", "owner"), ==, MH_TEST_UID_ALICE);
  g_variant_unref (mh_test_assert_call_ok (alice, "DeleteTap", "('lk-alice',)"));
}

int
main (int argc, char **argv)
{
  mh_test_init (&argc, &argv);
  g_test_add_func ("/load/many-users", test_many_users);
  return g_test_run ();
}
