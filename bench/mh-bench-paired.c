/* mh-bench-paired: the terms of the helper's overhead measured interleaved,
 * so that what drifts on the machine during a run (polkitd's speed moves by
 * a millisecond or more from one minute to the next here) falls on every
 * term alike.
 *
 *   mh-bench-paired USER COUNT LEAST_NAME     (as root, in the sandbox,
 *                                              with the helper running and
 *                                              the least helper owning
 *                                              LEAST_NAME)
 *
 * A child process as USER holds one bus connection, the subject of every
 * check.  Each of COUNT rounds takes one sample of each of these, in an
 * order shuffled anew every round, each followed by its delete where it
 * makes a tap:
 *
 *   polkit       root's CheckAuthorization for the child's bus name, the
 *                helper's action and details, no flags (the baseline)
 *   polkit_interactive  the same with ALLOW_USER_INTERACTION, the flag the
 *                helper passes for microvm-user's calls
 *   least        the child's CreateTap to the least helper, then DeleteTap
 *   helper       the child's CreateTap to the helper, then DeleteTap
 *   kernel       the kernel work alone (bench/mh-bench-kernel.c), then
 *                RTM_DELLINK
 *   version      the child's Get of the helper's Version property: the
 *                floor of any call
 *
 * Printed: a series per term (paired_TERM, and paired_TERM_delete), the
 * per-round differences (paired_overhead_helper = helper − polkit −
 * kernel, paired_overhead_least, paired_helper_beyond_least), and the CPU
 * of the watched processes per term ($MH_BENCH_WATCH). */
#include <errno.h>
#include <grp.h>
#include <polkit/polkit.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mh-bench-bus.h"
#include "mh-bench-kernel.h"
#include "mh-bench-stats.h"

#define HELPER_NAME "org.microvm.Helper1"
#define HELPER_PATH "/org/microvm/Helper1"
#define HELPER_INTERFACE "org.microvm.Helper1"
#define ACTION "org.microvm.helper.manage-taps"
#define CALL_TIMEOUT_MS 120000
#define WARM_UP 3

typedef enum {
  TERM_POLKIT,
  TERM_POLKIT_INTERACTIVE,
  TERM_LEAST,
  TERM_HELPER,
  TERM_KERNEL,
  TERM_VERSION,
  N_TERMS
} Term;

static const char *const term_names[N_TERMS] = {
  "polkit", "polkit_interactive", "least", "helper", "kernel", "version",
};

/* ---- the child: the user's connection ---- */

/* One call as microvm-user makes it; its time in microseconds. */
static double
timed_call (GDBusConnection *bus, const char *destination, const char *interface,
            const char *method, GVariant *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  gint64 start = mh_bench_now_ns ();

  reply = g_dbus_connection_call_sync (bus, destination, HELPER_PATH, interface, method, args, NULL,
                                       G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
                                       CALL_TIMEOUT_MS, NULL, &error);
  if (reply == NULL)
    mh_bench_die ("%s to %s failed: %s", method, destination, error->message);
  return (double) (mh_bench_now_ns () - start) / 1000.0;
}

/* Commands on stdin, one per line: "create DEST NAME" (CreateTap, then
 * DeleteTap), "version" or "quit"; answers "ok FIRST_US SECOND_US". */
static G_NORETURN void
run_child (int commands, int answers)
{
  g_autoptr (GDBusConnection) bus = mh_bench_connect_system_bus ();
  FILE *in = fdopen (commands, "r");
  FILE *out = fdopen (answers, "w");
  char line[256];

  if (in == NULL || out == NULL)
    mh_bench_die ("fdopen: %s", g_strerror (errno));
  fprintf (out, "name %s\n", g_dbus_connection_get_unique_name (bus));
  fflush (out);
  while (fgets (line, sizeof line, in) != NULL)
    {
      g_auto (GStrv) words = g_strsplit (g_strchomp (line), " ", -1);
      double first = 0, second = 0;

      if (g_strv_length (words) == 3 && strcmp (words[0], "create") == 0)
        {
          GVariantBuilder options;

          g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
          first = timed_call (bus, words[1], HELPER_INTERFACE, "CreateTap",
                              g_variant_new ("(sa{sv})", words[2], &options));
          second = timed_call (bus, words[1], HELPER_INTERFACE, "DeleteTap",
                               g_variant_new ("(s)", words[2]));
        }
      else if (g_strv_length (words) == 1 && strcmp (words[0], "version") == 0)
        first = timed_call (bus, HELPER_NAME, "org.freedesktop.DBus.Properties", "Get",
                            g_variant_new ("(ss)", HELPER_INTERFACE, "Version"));
      else if (g_strv_length (words) == 1 && strcmp (words[0], "quit") == 0)
        exit (0);
      else
        mh_bench_die ("unknown command %s", line);
      fprintf (out, "ok %.3f %.3f\n", first, second);
      fflush (out);
    }
  exit (0);
}

/* ---- the parent: root, as the helper is ---- */

typedef struct {
  FILE *to_child;
  FILE *from_child;
  pid_t child;
  char *child_name;
  PolkitAuthority *authority;
  PolkitSubject *subject;
  int control;
  int rtnl;
  guint32 uid;
  const char *least_name;
} Paired;

static void
start_child (Paired *paired, const struct passwd *pw)
{
  int commands[2], answers[2];
  char line[256];

  if (pipe (commands) < 0 || pipe (answers) < 0)
    mh_bench_die ("pipe: %s", g_strerror (errno));
  /* Forked before this process starts any GLib thread. */
  paired->child = fork ();
  if (paired->child < 0)
    mh_bench_die ("fork: %s", g_strerror (errno));
  if (paired->child == 0)
    {
      close (commands[1]);
      close (answers[0]);
      if (initgroups (pw->pw_name, pw->pw_gid) < 0 || setgid (pw->pw_gid) < 0 ||
          setuid (pw->pw_uid) < 0)
        mh_bench_die ("cannot become %s: %s", pw->pw_name, g_strerror (errno));
      run_child (commands[0], answers[1]);
    }
  close (commands[0]);
  close (answers[1]);
  paired->to_child = fdopen (commands[1], "w");
  paired->from_child = fdopen (answers[0], "r");
  if (paired->to_child == NULL || paired->from_child == NULL)
    mh_bench_die ("fdopen: %s", g_strerror (errno));
  if (fgets (line, sizeof line, paired->from_child) == NULL || strncmp (line, "name ", 5) != 0)
    mh_bench_die ("the client as %s did not start", pw->pw_name);
  paired->child_name = g_strdup (g_strchomp (line + 5));
}

static void
ask_child (Paired *paired, const char *command, double *first, double *second)
{
  char line[256];

  fprintf (paired->to_child, "%s\n", command);
  fflush (paired->to_child);
  if (fgets (line, sizeof line, paired->from_child) == NULL ||
      sscanf (line, "ok %lf %lf", first, second) != 2)
    mh_bench_die ("the client did not do: %s", command);
}

static double
check_polkit (Paired *paired, const char *tap, PolkitCheckAuthorizationFlags flags)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PolkitDetails) details = polkit_details_new ();
  g_autoptr (PolkitAuthorizationResult) result = NULL;
  gint64 start;

  /* The details the helper passes for CreateTap of one tap. */
  polkit_details_insert (details, "interfaces", tap);
  polkit_details_insert (details, "interface", tap);
  polkit_details_insert (details, "polkit.gettext_domain", "microvm-helper");
  start = mh_bench_now_ns ();
  result = polkit_authority_check_authorization_sync (paired->authority, paired->subject, ACTION,
                                                      details, flags, NULL, &error);
  if (result == NULL)
    mh_bench_die ("CheckAuthorization: %s", error->message);
  if (!polkit_authorization_result_get_is_authorized (result))
    mh_bench_die ("polkit did not say yes for %s", paired->child_name);
  return (double) (mh_bench_now_ns () - start) / 1000.0;
}

static double
kernel_tap (Paired *paired, const char *tap, double *delete_us)
{
  int ifindex = 0, errsv = 0;
  const char *step = NULL;
  gint64 start = mh_bench_now_ns ();
  double create_us;

  if (!mh_bench_kernel_create_tap (paired->control, tap, paired->uid, &ifindex, &errsv, &step))
    mh_bench_die ("%s %s: %s", step, tap, g_strerror (errsv));
  create_us = (double) (mh_bench_now_ns () - start) / 1000.0;
  start = mh_bench_now_ns ();
  if (!mh_bench_kernel_delete_link (paired->rtnl, ifindex, tap, &errsv))
    mh_bench_die ("RTM_DELLINK %s: %s", tap, g_strerror (errsv));
  *delete_us = (double) (mh_bench_now_ns () - start) / 1000.0;
  return create_us;
}

/* One sample of @term in round @round; the second value is the delete's. */
static double
take (Paired *paired, Term term, guint round, double *delete_us)
{
  g_autofree char *least_tap = g_strdup_printf ("pl%u", round);
  g_autofree char *helper_tap = g_strdup_printf ("ph%u", round);
  g_autofree char *kernel_tap_name = g_strdup_printf ("pk%u", round);
  g_autofree char *command = NULL;
  double first = 0;

  *delete_us = 0;
  switch (term)
    {
    case TERM_POLKIT:
      return check_polkit (paired, helper_tap, POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE);
    case TERM_POLKIT_INTERACTIVE:
      return check_polkit (paired, helper_tap,
                           POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION);
    case TERM_LEAST:
      command = g_strdup_printf ("create %s %s", paired->least_name, least_tap);
      break;
    case TERM_HELPER:
      command = g_strdup_printf ("create %s %s", HELPER_NAME, helper_tap);
      break;
    case TERM_KERNEL:
      return kernel_tap (paired, kernel_tap_name, delete_us);
    case TERM_VERSION:
      command = g_strdup ("version");
      break;
    case N_TERMS:
    default:
      g_assert_not_reached ();
    }
  ask_child (paired, command, &first, delete_us);
  return first;
}

/* A new order for every round: what a term follows changes how warm the
 * processes it needs are (polkitd right after another check answers about
 * half a millisecond sooner than after a kernel delete), so no term may
 * keep the same predecessor.  A fixed seed keeps runs comparable. */
static void
shuffle (GRand *random, Term order[N_TERMS])
{
  for (guint i = 0; i < N_TERMS; i++)
    order[i] = (Term) i;
  for (guint i = N_TERMS - 1; i > 0; i--)
    {
      guint j = (guint) g_rand_int_range (random, 0, (gint32) i + 1);
      Term swap = order[i];

      order[i] = order[j];
      order[j] = swap;
    }
}

static void
run_rounds (Paired *paired, guint count)
{
  MhBenchSeries *series[N_TERMS], *deletes[N_TERMS];
  MhBenchCpu *cpu[N_TERMS];
  g_autoptr (MhBenchSeries) overhead_helper = mh_bench_series_new ("paired_overhead_helper");
  g_autoptr (MhBenchSeries) overhead_least = mh_bench_series_new ("paired_overhead_least");
  g_autoptr (MhBenchSeries) beyond_least = mh_bench_series_new ("paired_helper_beyond_least");
  g_autoptr (GRand) random = g_rand_new_with_seed (18);

  for (guint t = 0; t < N_TERMS; t++)
    {
      g_autofree char *name = g_strdup_printf ("paired_%s", term_names[t]);
      g_autofree char *delete_name = g_strdup_printf ("paired_%s_delete", term_names[t]);

      series[t] = mh_bench_series_new (name);
      deletes[t] = mh_bench_series_new (delete_name);
      cpu[t] = mh_bench_cpu_snapshot ();
    }
  for (guint round = 0; round < count + WARM_UP; round++)
    {
      double sample[N_TERMS];
      Term order[N_TERMS];

      shuffle (random, order);
      for (guint j = 0; j < N_TERMS; j++)
        {
          Term term = order[j];
          g_autoptr (MhBenchCpu) before = mh_bench_cpu_snapshot ();
          double delete_us = 0;

          sample[term] = take (paired, term, round, &delete_us);
          if (round < WARM_UP)
            continue;
          mh_bench_cpu_accumulate (cpu[term], before);
          mh_bench_series_add_us (series[term], sample[term]);
          if (delete_us > 0)
            mh_bench_series_add_us (deletes[term], delete_us);
        }
      if (round < WARM_UP)
        continue;
      mh_bench_series_add_us (overhead_helper,
                              sample[TERM_HELPER] - sample[TERM_POLKIT] - sample[TERM_KERNEL]);
      mh_bench_series_add_us (overhead_least,
                              sample[TERM_LEAST] - sample[TERM_POLKIT] - sample[TERM_KERNEL]);
      mh_bench_series_add_us (beyond_least, sample[TERM_HELPER] - sample[TERM_LEAST]);
    }
  for (guint t = 0; t < N_TERMS; t++)
    {
      g_autofree char *name = g_strdup_printf ("paired_%s", term_names[t]);

      mh_bench_series_print (series[t]);
      if (mh_bench_series_count (deletes[t]) > 0)
        mh_bench_series_print (deletes[t]);
      mh_bench_cpu_print_accumulated (cpu[t], name, count);
      mh_bench_series_free (series[t]);
      mh_bench_series_free (deletes[t]);
      mh_bench_cpu_free (cpu[t]);
    }
  mh_bench_series_print (overhead_helper);
  mh_bench_series_print (overhead_least);
  mh_bench_series_print (beyond_least);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  Paired paired = { 0 };
  struct passwd *pw;
  guint64 count = 0;
  int status = 0;

  g_set_prgname ("mh-bench-paired");
  signal (SIGPIPE, SIG_IGN);
  if (argc != 4 || !g_ascii_string_to_unsigned (argv[2], 10, 1, 100000, &count, NULL))
    mh_bench_die ("usage: mh-bench-paired USER COUNT LEAST_NAME");
  if (getuid () != 0)
    mh_bench_die ("runs as root, as the helper does (only root may pass details)");
  pw = getpwnam (argv[1]);
  if (pw == NULL)
    mh_bench_die ("no user %s", argv[1]);
  paired.uid = (guint32) pw->pw_uid;
  paired.least_name = argv[3];
  start_child (&paired, pw);

  paired.authority = polkit_authority_get_sync (NULL, &error);
  if (paired.authority == NULL)
    mh_bench_die ("cannot reach polkit: %s", error->message);
  paired.subject = polkit_system_bus_name_new (paired.child_name);
  paired.control = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  paired.rtnl = mh_bench_kernel_rtnetlink_open ();
  if (paired.control < 0 || paired.rtnl < 0)
    mh_bench_die ("sockets: %s", g_strerror (errno));

  mh_bench_progress ("%u interleaved rounds of %d terms as %s", (guint) count, N_TERMS,
                     pw->pw_name);
  run_rounds (&paired, (guint) count);

  fprintf (paired.to_child, "quit\n");
  fclose (paired.to_child);
  if (waitpid (paired.child, &status, 0) < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    mh_bench_die ("the client as %s failed", pw->pw_name);
  fclose (paired.from_child);
  close (paired.control);
  close (paired.rtnl);
  g_object_unref (paired.subject);
  g_object_unref (paired.authority);
  g_free (paired.child_name);
  return 0;
}
