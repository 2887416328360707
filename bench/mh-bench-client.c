/* mh-bench-client: times calls to microvm-helperd the way a user's program
 * makes them (GDBus, system bus, ALLOW_INTERACTIVE_AUTHORIZATION like
 * microvm-user), run as a test user inside the benchmark sandbox; and, as
 * root, a polkit CheckAuthorization "measured alone" for the same subject,
 * action and details the helper uses.
 *
 *   create-tap PREFIX COUNT [SUFFIX]   COUNT x (CreateTap(name, {}), then
 *                                      DeleteTap(name)), each call timed;
 *                                      series create_tapSUFFIX, delete_tapSUFFIX
 *   create-taps PREFIX BATCH ROUNDS    ROUNDS x CreateTaps of BATCH taps with
 *                                      release_on_disconnect (as microvm-user
 *                                      asks for a VM), each call timed
 *   concurrent PREFIX CLIENTS PER_CLIENT
 *                                      CLIENTS processes, each with its own
 *                                      connection, start together and make
 *                                      PER_CLIENT CreateTap calls: calls/s
 *   scale PREFIX SIZES REPS            CreateTaps of each size in SIZES
 *                                      (comma separated), REPS times
 *   version COUNT                      COUNT x Get of the Version property:
 *                                      a call that needs
 *                                      no polkit and no kernel, the floor
 *                                      of any call (series version_call)
 *   churn PREFIX CALLS CLIENTS         CALLS calls in all, a mix of
 *                                      CreateTap, CreateTaps, DeleteTap,
 *                                      ListTaps and calls that must fail
 *   hold [PREFIX COUNT]                keep a connection (with COUNT leased
 *                                      taps); prints "name", "pid", "ready",
 *                                      exits at end of stdin
 *   polkit LABEL USER ACTION EXPECT COUNT [unix-process]
 *                                      as root: COUNT x
 *                                      polkit_authority_check_authorization_sync
 *                                      for a connection of USER (EXPECT: yes,
 *                                      challenge or no)
 *
 * Taps made are deleted again before the program exits; every call's
 * outcome is checked, and an unexpected one stops the benchmark. */
#include <errno.h>
#include <fcntl.h>
#include <polkit/polkit.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mh-bench-bus.h"
#include "mh-bench-stats.h"

#define HELPER_NAME "org.microvm.Helper1"
#define HELPER_PATH "/org/microvm/Helper1"
#define HELPER_INTERFACE "org.microvm.Helper1"
#define CALL_TIMEOUT_MS 120000
#define DELETES_IN_FLIGHT 16

static guint
parse_count (const char *text)
{
  guint64 n = 0;

  if (!g_ascii_string_to_unsigned (text, 10, 1, 1000000, &n, NULL))
    mh_bench_die ("%s is not a count", text);
  return (guint) n;
}

static char *
tap_name (const char *prefix, guint i)
{
  char *name = g_strdup_printf ("%s%u", prefix, i);

  if (strlen (name) > 15)
    mh_bench_die ("interface name %s is too long", name);
  return name;
}

static GVariant *
call (GDBusConnection *bus, const char *method, GVariant *args, const char *reply_type,
      GError **error)
{
  return g_dbus_connection_call_sync (bus, HELPER_NAME, HELPER_PATH, HELPER_INTERFACE, method, args,
                                      reply_type != NULL ? G_VARIANT_TYPE (reply_type) : NULL,
                                      G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
                                      CALL_TIMEOUT_MS, NULL, error);
}

static void
call_ok (GDBusConnection *bus, const char *method, GVariant *args, const char *reply_type)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = call (bus, method, args, reply_type, &error);

  if (reply == NULL)
    mh_bench_die ("%s failed: %s", method, error->message);
}

static void
call_fails (GDBusConnection *bus, const char *method, GVariant *args, const char *short_name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = call (bus, method, args, NULL, &error);
  g_autofree char *remote = NULL;
  g_autofree char *expected = g_strdup_printf ("org.microvm.Helper1.Error.%s", short_name);

  if (reply != NULL)
    mh_bench_die ("%s succeeded; it should have failed with %s", method, short_name);
  remote = g_dbus_error_get_remote_error (error);
  if (g_strcmp0 (remote, expected) != 0)
    mh_bench_die ("%s failed with %s (%s), expected %s", method, remote, error->message, expected);
}

static GVariant *
create_tap_args (const char *name)
{
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  return g_variant_new ("(sa{sv})", name, &options);
}

/* CreateTaps arguments for @names with the options microvm-user passes. */
static GVariant *
create_taps_args (GPtrArray *names, gboolean lease)
{
  GVariantBuilder taps;

  g_variant_builder_init (&taps, G_VARIANT_TYPE ("a(sa{sv})"));
  for (guint i = 0; i < names->len; i++)
    {
      GVariantBuilder options;

      g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&options, "{sv}", "multi_queue", g_variant_new_boolean (FALSE));
      g_variant_builder_add (&options, "{sv}", "vnet_hdr", g_variant_new_boolean (TRUE));
      if (lease)
        g_variant_builder_add (&options, "{sv}", "release_on_disconnect",
                               g_variant_new_boolean (TRUE));
      g_variant_builder_add (&taps, "(sa{sv})", names->pdata[i], &options);
    }
  return g_variant_new ("(a(sa{sv}))", &taps);
}

static void
create_taps_ok (GDBusConnection *bus, GPtrArray *names, gboolean lease)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    call (bus, "CreateTaps", create_taps_args (names, lease), "(a(si))", &error);
  g_autoptr (GVariant) made = NULL;

  if (reply == NULL)
    mh_bench_die ("CreateTaps of %u taps failed: %s", names->len, error->message);
  made = g_variant_get_child_value (reply, 0);
  if (g_variant_n_children (made) != names->len)
    mh_bench_die ("CreateTaps answered for the wrong number of taps");
}

/* Deletes @names with up to DELETES_IN_FLIGHT calls at a time (cleanup,
 * not timed). */
typedef struct {
  GDBusConnection *bus;
  GPtrArray *names;
  guint next;
  guint in_flight;
} Deleter;

static void delete_next (Deleter *deleter);

static void
on_deleted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Deleter *deleter = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply == NULL)
    mh_bench_die ("DeleteTap failed: %s", error->message);
  deleter->in_flight--;
  delete_next (deleter);
}

static void
delete_next (Deleter *deleter)
{
  while (deleter->in_flight < DELETES_IN_FLIGHT && deleter->next < deleter->names->len)
    {
      const char *name = deleter->names->pdata[deleter->next++];

      deleter->in_flight++;
      g_dbus_connection_call (deleter->bus, HELPER_NAME, HELPER_PATH, HELPER_INTERFACE, "DeleteTap",
                              g_variant_new ("(s)", name), NULL, G_DBUS_CALL_FLAGS_NONE,
                              CALL_TIMEOUT_MS, NULL, on_deleted, deleter);
    }
}

static void
delete_all (GDBusConnection *bus, GPtrArray *names)
{
  Deleter deleter = { bus, names, 0, 0 };

  delete_next (&deleter);
  while (deleter.in_flight > 0)
    g_main_context_iteration (NULL, TRUE);
  g_ptr_array_set_size (names, 0);
}

/* ------------------------------------------------------------------ */

static void
warm_up (GDBusConnection *bus, const char *prefix)
{
  /* The first calls start the helper (D-Bus activation) and fill caches:
   * not part of any figure. */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("%sw%u", prefix, i);
      call_ok (bus, "CreateTap", create_tap_args (name), "(si)");
      call_ok (bus, "DeleteTap", g_variant_new ("(s)", name), NULL);
    }
}

/* CreateTap then DeleteTap of the same tap, @count times: the number of
 * taps the helper manages stays what it was, so every call sees the same
 * registry (other clients' taps, if any, included). */
static void
mode_create_tap (const char *prefix, guint count, const char *label)
{
  g_autoptr (GDBusConnection) bus = mh_bench_connect_system_bus ();
  g_autofree char *create_name = g_strdup_printf ("create_tap%s", label);
  g_autofree char *delete_name = g_strdup_printf ("delete_tap%s", label);
  g_autoptr (MhBenchSeries) creates = mh_bench_series_new (create_name);
  g_autoptr (MhBenchSeries) deletes = mh_bench_series_new (delete_name);
  g_autoptr (MhBenchCpu) cpu_create = mh_bench_cpu_snapshot ();
  g_autoptr (MhBenchCpu) cpu_delete = mh_bench_cpu_snapshot ();
  double create_us = 0;

  warm_up (bus, prefix);
  for (guint i = 0; i < count; i++)
    {
      g_autofree char *name = tap_name (prefix, i);
      g_autoptr (MhBenchCpu) before_create = mh_bench_cpu_snapshot ();
      g_autoptr (MhBenchCpu) before_delete = NULL;
      gint64 start = mh_bench_now_ns ();

      call_ok (bus, "CreateTap", create_tap_args (name), "(si)");
      create_us += mh_bench_series_add_since (creates, start);
      mh_bench_cpu_accumulate (cpu_create, before_create);
      before_delete = mh_bench_cpu_snapshot ();
      start = mh_bench_now_ns ();
      call_ok (bus, "DeleteTap", g_variant_new ("(s)", name), NULL);
      mh_bench_series_add_since (deletes, start);
      mh_bench_cpu_accumulate (cpu_delete, before_delete);
    }
  if (label[0] == '\0')
    mh_bench_value_print ("create_tap_serial_rate", count / (create_us / 1e6), "calls/s");
  mh_bench_cpu_print_accumulated (cpu_create, create_name, count);
  mh_bench_cpu_print_accumulated (cpu_delete, delete_name, count);
  mh_bench_series_print (creates);
  mh_bench_series_print (deletes);
}

/* The bus's round trip and GDBus's dispatch on both sides, with nothing
 * else: what any call costs before polkit or the kernel is involved. */
static void
mode_version (guint count)
{
  g_autoptr (GDBusConnection) bus = mh_bench_connect_system_bus ();
  g_autoptr (MhBenchSeries) series = mh_bench_series_new ("version_call");

  for (guint i = 0; i < count + 3; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GVariant) reply = NULL;
      gint64 start = mh_bench_now_ns ();

      reply = g_dbus_connection_call_sync (
        bus, HELPER_NAME, HELPER_PATH, "org.freedesktop.DBus.Properties", "Get",
        g_variant_new ("(ss)", HELPER_INTERFACE, "Version"), G_VARIANT_TYPE ("(v)"),
        G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, &error);
      if (reply == NULL)
        mh_bench_die ("Get Version failed: %s", error->message);
      /* The first calls fill caches: not part of the figure. */
      if (i >= 3)
        mh_bench_series_add_since (series, start);
    }
  mh_bench_series_print (series);
}

static void
mode_create_taps (const char *prefix, guint batch, guint rounds)
{
  g_autoptr (GDBusConnection) bus = mh_bench_connect_system_bus ();
  g_autofree char *series_name = g_strdup_printf ("create_taps_%u", batch);
  g_autoptr (MhBenchSeries) series = mh_bench_series_new (series_name);
  g_autoptr (GPtrArray) made = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (MhBenchCpu) cpu = NULL;

  /* All taps stay until the end, so that the CPU figures are the creates'
   * alone: keep under the bench configuration's MaxPerUser=300. */
  if (batch * rounds > 280)
    mh_bench_die ("at most 280 taps in one create-taps run");
  warm_up (bus, prefix);
  cpu = mh_bench_cpu_snapshot ();
  for (guint r = 0; r < rounds; r++)
    {
      g_autoptr (GPtrArray) names = g_ptr_array_new ();
      gint64 start;

      for (guint k = 0; k < batch; k++)
        {
          char *name = tap_name (prefix, r * batch + k);
          g_ptr_array_add (made, name);
          g_ptr_array_add (names, name);
        }
      start = mh_bench_now_ns ();
      create_taps_ok (bus, names, TRUE);
      mh_bench_series_add_since (series, start);
    }
  mh_bench_cpu_print (cpu, series_name, rounds);
  delete_all (bus, made);
  mh_bench_series_print (series);
}

static void
mode_scale (const char *prefix, const char *sizes_text, guint reps)
{
  g_autoptr (GDBusConnection) bus = mh_bench_connect_system_bus ();
  g_auto (GStrv) sizes = g_strsplit (sizes_text, ",", -1);
  g_autoptr (GPtrArray) all =
    g_ptr_array_new_with_free_func ((GDestroyNotify) mh_bench_series_free);
  g_autoptr (GPtrArray) made = g_ptr_array_new_with_free_func (g_free);
  guint serial = 0;

  warm_up (bus, prefix);
  for (guint s = 0; sizes[s] != NULL; s++)
    {
      g_autofree char *name = g_strdup_printf ("scale_%u", parse_count (sizes[s]));
      g_ptr_array_add (all, mh_bench_series_new (name));
    }
  for (guint r = 0; r < reps; r++)
    for (guint s = 0; sizes[s] != NULL; s++)
      {
        guint size = parse_count (sizes[s]);
        g_autoptr (GPtrArray) names = g_ptr_array_new ();
        gint64 start;

        for (guint k = 0; k < size; k++)
          {
            char *name = tap_name (prefix, serial++);
            g_ptr_array_add (made, name);
            g_ptr_array_add (names, name);
          }
        start = mh_bench_now_ns ();
        create_taps_ok (bus, names, TRUE);
        mh_bench_series_add_since (all->pdata[s], start);
        mh_bench_progress ("scale: %u taps in one CreateTaps: %.1f ms", size,
                           (mh_bench_now_ns () - start) / 1e6);
        delete_all (bus, made);
      }
  for (guint s = 0; s < all->len; s++)
    mh_bench_series_print (all->pdata[s]);
}

/* ------------------------------------------------------------------ */
/* Several clients at once: forked before any GDBus thread exists. */

typedef void (*ClientBody) (GDBusConnection *bus, const char *prefix, guint client, guint calls,
                            GString *out);

static char *
read_all (int fd)
{
  GString *text = g_string_new (NULL);
  char buffer[4096];
  ssize_t n;

  while ((n = read (fd, buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0)
      g_string_append_len (text, buffer, n);
  return g_string_free (text, FALSE);
}

/* Runs @body in @clients processes that start together; returns the wall
 * time in seconds from the start to the last client's end, and adds the
 * per-call samples ("s US" lines) to @series when given. */
static double
run_clients (const char *prefix, guint clients, guint calls_each, ClientBody body,
             MhBenchSeries *series)
{
  g_autofree pid_t *pids = g_new0 (pid_t, clients);
  g_autofree int *results = g_new0 (int, clients);
  int go[2], ready[2];
  gint64 start, last_end = 0;
  char byte;

  if (pipe2 (go, O_CLOEXEC) < 0 || pipe2 (ready, O_CLOEXEC) < 0)
    mh_bench_die ("pipe: %s", g_strerror (errno));
  for (guint c = 0; c < clients; c++)
    {
      int out[2];

      if (pipe2 (out, O_CLOEXEC) < 0)
        mh_bench_die ("pipe: %s", g_strerror (errno));
      pids[c] = fork ();
      if (pids[c] < 0)
        mh_bench_die ("fork: %s", g_strerror (errno));
      if (pids[c] == 0)
        {
          g_autoptr (GString) text = g_string_new (NULL);
          GDBusConnection *bus;
          char client_prefix[16];

          close (go[1]);
          close (ready[0]);
          close (out[0]);
          snprintf (client_prefix, sizeof client_prefix, "%s%uc", prefix, c);
          bus = mh_bench_connect_system_bus ();
          if (write (ready[1], "r", 1) != 1 || read (go[0], &byte, 1) < 0)
            _exit (1);
          body (bus, client_prefix, c, calls_each, text);
          if (write (out[1], text->str, text->len) != (ssize_t) text->len)
            _exit (1);
          _exit (0);
        }
      close (out[1]);
      results[c] = out[0];
    }
  close (go[0]);
  close (ready[1]);
  for (guint c = 0; c < clients; c++)
    if (read (ready[0], &byte, 1) != 1)
      mh_bench_die ("a client could not connect");
  start = mh_bench_now_ns ();
  close (go[1]); /* every client starts now */

  for (guint c = 0; c < clients; c++)
    {
      g_autofree char *text = read_all (results[c]);
      g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
      int status;

      close (results[c]);
      if (waitpid (pids[c], &status, 0) < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
        mh_bench_die ("client %u failed", c);
      for (guint i = 0; lines[i] != NULL; i++)
        if (g_str_has_prefix (lines[i], "s ") && series != NULL)
          mh_bench_series_add_us (series, g_ascii_strtod (lines[i] + 2, NULL));
        else if (g_str_has_prefix (lines[i], "end "))
          last_end = MAX (last_end, g_ascii_strtoll (lines[i] + 4, NULL, 10));
    }
  if (last_end == 0)
    mh_bench_die ("the clients reported no end time");
  return (last_end - start) / 1e9;
}

static void
concurrent_body (GDBusConnection *bus, const char *prefix, guint client, guint calls, GString *out)
{
  g_autoptr (GPtrArray) made = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < calls; i++)
    {
      char *name = tap_name (prefix, i);
      gint64 start = mh_bench_now_ns ();

      call_ok (bus, "CreateTap", create_tap_args (name), "(si)");
      g_string_append_printf (out, "s %.1f\n", (mh_bench_now_ns () - start) / 1e3);
      g_ptr_array_add (made, name);
    }
  g_string_append_printf (out, "end %" G_GINT64_FORMAT "\n", mh_bench_now_ns ());
  delete_all (bus, made);
}

static void
mode_concurrent (const char *prefix, guint clients, guint calls_each)
{
  g_autofree char *name = g_strdup_printf ("concurrent_%u", clients);
  g_autoptr (MhBenchSeries) series = mh_bench_series_new (name);
  g_autofree char *rate_name = g_strdup_printf ("concurrent_%u_rate", clients);
  double seconds = run_clients (prefix, clients, calls_each, concurrent_body, series);

  mh_bench_value_print (rate_name, clients * calls_each / seconds, "calls/s");
  mh_bench_series_print (series);
}

/* One round of the churn: 8 calls. */
static void
churn_body (GDBusConnection *bus, const char *prefix, guint client, guint calls, GString *out)
{
  guint done = 0;

  for (guint round = 0; done < calls; round++)
    {
      g_autofree char *a = g_strdup_printf ("%s%ua", prefix, round % 1000);
      g_autofree char *b = g_strdup_printf ("%s%ub", prefix, round % 1000);
      g_autofree char *c = g_strdup_printf ("%s%uc", prefix, round % 1000);
      g_autoptr (GPtrArray) pair = g_ptr_array_new ();

      g_ptr_array_add (pair, b);
      g_ptr_array_add (pair, c);
      call_ok (bus, "CreateTap", create_tap_args (a), "(si)");
      call_ok (bus, "ListTaps", NULL, "(a(sia{sv}))");
      create_taps_ok (bus, pair, round % 2 == 0);
      call_ok (bus, "DeleteTap", g_variant_new ("(s)", a), NULL);
      call_ok (bus, "DeleteTap", g_variant_new ("(s)", b), NULL);
      call_ok (bus, "DeleteTap", g_variant_new ("(s)", c), NULL);
      call_fails (bus, "DeleteTap", g_variant_new ("(s)", a), "NotFound");
      call_fails (bus, "CreateTap", create_tap_args ("no/slash"), "InvalidArgument");
      done += 8;
    }
  g_string_append_printf (out, "end %" G_GINT64_FORMAT "\n", mh_bench_now_ns ());
}

static void
mode_churn (const char *prefix, guint calls, guint clients)
{
  guint each = (calls + clients - 1) / clients;
  g_autoptr (MhBenchCpu) cpu = mh_bench_cpu_snapshot ();
  double seconds = run_clients (prefix, clients, each, churn_body, NULL);
  guint made = ((each + 7) / 8) * 8 * clients;

  mh_bench_value_print ("churn_calls", made, "calls");
  mh_bench_value_print ("churn_rate", made / seconds, "calls/s");
  mh_bench_cpu_print (cpu, "churn", made);
}

/* ------------------------------------------------------------------ */

static void
mode_hold (const char *prefix, guint count)
{
  g_autoptr (GDBusConnection) bus = mh_bench_connect_system_bus ();
  char line[64];

  if (count > 0)
    {
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < count; i++)
        g_ptr_array_add (names, tap_name (prefix, i));
      create_taps_ok (bus, names, TRUE);
    }
  printf ("name %s\npid %d\nready\n", g_dbus_connection_get_unique_name (bus), (int) getpid ());
  fflush (stdout);
  while (fgets (line, sizeof line, stdin) != NULL)
    ;
}

/* Starts `SELF hold` as @user; returns its unique name and pid. */
static GSubprocess *
start_holder (const char *user, char **unique_name, int *pid)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  struct passwd *pw = getpwnam (user);
  g_autofree char *reuid = NULL;
  g_autofree char *regid = NULL;
  g_autoptr (GDataInputStream) lines = NULL;
  GSubprocess *holder;
  char *line;

  if (pw == NULL)
    mh_bench_die ("no user %s", user);
  reuid = g_strdup_printf ("--reuid=%u", (unsigned) pw->pw_uid);
  regid = g_strdup_printf ("--regid=%u", (unsigned) pw->pw_gid);
  holder = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                             "setpriv", reuid, regid, "--init-groups", self, "hold", NULL);
  if (holder == NULL)
    mh_bench_die ("cannot start a client as %s: %s", user, error->message);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (holder));
  while ((line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, NULL)) != NULL)
    {
      if (g_str_has_prefix (line, "name "))
        *unique_name = g_strdup (line + 5);
      else if (g_str_has_prefix (line, "pid "))
        *pid = atoi (line + 4);
      else if (strcmp (line, "ready") == 0)
        {
          g_free (line);
          return holder;
        }
      g_free (line);
    }
  mh_bench_die ("the client as %s did not start", user);
}

static const char *
describe_result (PolkitAuthorizationResult *result)
{
  if (polkit_authorization_result_get_is_authorized (result))
    return "yes";
  if (polkit_authorization_result_get_is_challenge (result))
    return "challenge";
  return "no";
}

static void
mode_polkit (const char *label, const char *user, const char *action, const char *expect,
             guint count, gboolean unix_process)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PolkitAuthority) authority = NULL;
  g_autoptr (PolkitSubject) subject = NULL;
  g_autoptr (PolkitDetails) details = polkit_details_new ();
  g_autoptr (MhBenchSeries) series = mh_bench_series_new (label);
  g_autoptr (GSubprocess) holder = NULL;
  g_autoptr (MhBenchCpu) cpu = NULL;
  g_autofree char *unique_name = NULL;
  int pid = 0;

  if (getuid () != 0)
    mh_bench_die ("the polkit mode runs as root, as the helper does (only root may pass details)");
  holder = start_holder (user, &unique_name, &pid);
  authority = polkit_authority_get_sync (NULL, &error);
  if (authority == NULL)
    mh_bench_die ("cannot reach polkit: %s", error->message);

  if (unix_process)
    {
      struct passwd *pw = getpwnam (user);
      subject = polkit_unix_process_new_for_owner (pid, 0, (gint) pw->pw_uid);
    }
  else
    subject = polkit_system_bus_name_new (unique_name);
  /* The details the helper passes for CreateTap of one tap. */
  polkit_details_insert (details, "interfaces", "bench0");
  polkit_details_insert (details, "interface", "bench0");
  polkit_details_insert (details, "polkit.gettext_domain", "microvm-helper");

  for (guint i = 0; i < count + 3; i++)
    {
      g_autoptr (PolkitAuthorizationResult) result = NULL;
      gint64 start;

      if (i == 3) /* the first three warm up */
        cpu = mh_bench_cpu_snapshot ();
      start = mh_bench_now_ns ();

      result = polkit_authority_check_authorization_sync (
        authority, subject, action, details, POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE, NULL, &error);
      if (result == NULL)
        mh_bench_die ("CheckAuthorization %s for %s: %s", action, user, error->message);
      if (i >= 3)
        mh_bench_series_add_since (series, start);
      if (strcmp (describe_result (result), expect) != 0)
        mh_bench_die ("polkit answered %s for %s as %s, expected %s", describe_result (result),
                      action, user, expect);
    }
  mh_bench_cpu_print (cpu, label, count);
  g_output_stream_close (g_subprocess_get_stdin_pipe (holder), NULL, NULL);
  g_subprocess_wait (holder, NULL, NULL);
  mh_bench_series_print (series);
}

int
main (int argc, char **argv)
{
  const char *mode = argc > 1 ? argv[1] : "";

  g_set_prgname ("mh-bench-client");
  signal (SIGPIPE, SIG_IGN);

  if (strcmp (mode, "create-tap") == 0 && (argc == 4 || argc == 5))
    mode_create_tap (argv[2], parse_count (argv[3]), argc == 5 ? argv[4] : "");
  else if (strcmp (mode, "create-taps") == 0 && argc == 5)
    mode_create_taps (argv[2], parse_count (argv[3]), parse_count (argv[4]));
  else if (strcmp (mode, "concurrent") == 0 && argc == 5)
    mode_concurrent (argv[2], parse_count (argv[3]), parse_count (argv[4]));
  else if (strcmp (mode, "scale") == 0 && argc == 5)
    mode_scale (argv[2], argv[3], parse_count (argv[4]));
  else if (strcmp (mode, "version") == 0 && argc == 3)
    mode_version (parse_count (argv[2]));
  else if (strcmp (mode, "churn") == 0 && argc == 5)
    mode_churn (argv[2], parse_count (argv[3]), parse_count (argv[4]));
  else if (strcmp (mode, "hold") == 0 && (argc == 2 || argc == 4))
    mode_hold (argc == 4 ? argv[2] : "", argc == 4 ? parse_count (argv[3]) : 0);
  else if (strcmp (mode, "polkit") == 0 && (argc == 7 || argc == 8))
    mode_polkit (argv[2], argv[3], argv[4], argv[5], parse_count (argv[6]),
                 argc == 8 && strcmp (argv[7], "unix-process") == 0);
  else
    mh_bench_die ("usage: see the comment at the top of bench/mh-bench-client.c");
  return 0;
}
