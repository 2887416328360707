#include "mh-test.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

struct _MhTestAgent {
  char *user;
  GSubprocess *process;
  GDataInputStream *from_agent;
  GOutputStream *to_agent;
};

static const char *
sandbox_dir (void)
{
  const char *dir = g_getenv ("MH_SANDBOX_DIR");

  g_assert_nonnull (dir);
  return dir;
}

void
mh_test_init (int *argc, char ***argv)
{
  gboolean listing = FALSE;

  for (int i = 1; i < *argc; i++)
    if (strcmp ((*argv)[i], "-l") == 0)
      listing = TRUE;
  g_test_init (argc, argv, NULL);
  if (!listing && (g_getenv ("MH_SANDBOX_DIR") == NULL || getuid () != 0))
    {
      g_printerr ("this test must run inside tests/sandbox/mh-sandbox (as root)\n");
      exit (1);
    }
}

static const char *
uid_of (const char *user)
{
  static const struct {
    const char *name;
    const char *uid;
  } users[] = {
    { "alice", "61001" }, { "bob", "61002" },  { "mallory", "61003" },
    { "carol", "61004" }, { "dave", "61005" },
  };

  static char load_uids[MH_TEST_N_LOAD_USERS][8];
  guint64 n;

  for (gsize i = 0; i < G_N_ELEMENTS (users); i++)
    if (strcmp (users[i].name, user) == 0)
      return users[i].uid;
  /* load01..load20 (tests/sandbox/mh-sandbox) */
  if (g_str_has_prefix (user, "load") && strlen (user) == 6 &&
      g_ascii_string_to_unsigned (user + 4, 10, 1, MH_TEST_N_LOAD_USERS, &n, NULL))
    {
      g_snprintf (load_uids[n - 1], sizeof load_uids[n - 1], "%u",
                  MH_TEST_UID_LOAD_FIRST + (guint) n - 1);
      return load_uids[n - 1];
    }
  g_error ("unknown test user %s", user);
  return NULL;
}

static char *
read_line (MhTestAgent *agent)
{
  g_autoptr (GError) error = NULL;
  char *line = g_data_input_stream_read_line_utf8 (agent->from_agent, NULL, NULL, &error);

  if (line == NULL)
    g_error ("agent %s: no answer (%s)", agent->user, error != NULL ? error->message : "EOF");
  return line;
}

static MhTestAgent *
agent_start (const char *user, gboolean in_user_namespace)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *reuid = g_strdup_printf ("--reuid=%s", uid_of (user));
  g_autofree char *regid = g_strdup_printf ("--regid=%s", uid_of (user));
  g_autofree char *agent_path =
    g_build_filename (g_getenv ("MH_BUILD_ROOT"), "tests", "mh-test-agent", NULL);
  g_autofree char *ready = NULL;
  MhTestAgent *agent = g_new0 (MhTestAgent, 1);
  const GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE;

  agent->user = g_strdup (user);
  if (in_user_namespace)
    agent->process = g_subprocess_new (flags, &error, agent_path, "--userns", uid_of (user),
                                       uid_of (user), user, NULL);
  else
    agent->process =
      g_subprocess_new (flags, &error, "setpriv", reuid, regid, "--init-groups", agent_path, NULL);
  g_assert_no_error (error);
  agent->from_agent = g_data_input_stream_new (g_subprocess_get_stdout_pipe (agent->process));
  agent->to_agent = g_subprocess_get_stdin_pipe (agent->process);

  ready = read_line (agent);
  if (!g_str_has_prefix (ready, "ready "))
    g_error ("agent %s did not start: %s", user, ready);
  g_assert_cmpstr (ready + 6, ==, uid_of (user));
  return agent;
}

MhTestAgent *
mh_test_agent_new (const char *user)
{
  return agent_start (user, FALSE);
}

MhTestAgent *
mh_test_agent_new_in_user_namespace (const char *user)
{
  return agent_start (user, TRUE);
}

GPid
mh_test_agent_get_pid (MhTestAgent *agent)
{
  const char *id = g_subprocess_get_identifier (agent->process);

  return id != NULL ? (GPid) atoi (id) : 0;
}

void
mh_test_agent_kill (MhTestAgent *agent)
{
  if (g_subprocess_get_identifier (agent->process) != NULL)
    g_subprocess_force_exit (agent->process);
  g_subprocess_wait (agent->process, NULL, NULL);
}

void
mh_test_agent_free (MhTestAgent *agent)
{
  if (agent == NULL)
    return;
  g_output_stream_close (agent->to_agent, NULL, NULL);
  g_subprocess_wait (agent->process, NULL, NULL);
  g_object_unref (agent->from_agent);
  g_object_unref (agent->process);
  g_free (agent->user);
  g_free (agent);
}

static void
send_line (MhTestAgent *agent, const char *line)
{
  g_autoptr (GError) error = NULL;

  g_assert_null (strchr (line, '\n'));
  if (!g_output_stream_write_all (agent->to_agent, line, strlen (line), NULL, NULL, &error) ||
      !g_output_stream_write_all (agent->to_agent, "\n", 1, NULL, NULL, &error))
    g_error ("agent %s: cannot send: %s", agent->user, error->message);
}

char *
mh_test_agent_command (MhTestAgent *agent, const char *format, ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);

  send_line (agent, line);
  return read_line (agent);
}

void
mh_test_agent_send (MhTestAgent *agent, const char *format, ...)
{
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);

  send_line (agent, line);
}

char *
mh_test_agent_receive (MhTestAgent *agent)
{
  return read_line (agent);
}

GVariant *
mh_test_agent_call (MhTestAgent *agent, const char *method, const char *args, char **error_name,
                    char **message)
{
  g_autofree char *answer = mh_test_agent_command (agent, "call %s %s", method, args);

  *error_name = NULL;
  *message = NULL;
  if (g_str_has_prefix (answer, "ok "))
    {
      g_autoptr (GError) error = NULL;
      GVariant *result = g_variant_parse (NULL, answer + 3, NULL, NULL, &error);
      g_assert_no_error (error);
      return result;
    }
  if (g_str_has_prefix (answer, "error "))
    {
      char *name = answer + 6;
      char *space = strchr (name, ' ');
      if (space != NULL)
        *space = '\0';
      *error_name = g_strdup (name);
      *message = g_strdup (space != NULL ? space + 1 : "");
      return NULL;
    }
  g_error ("agent %s: unexpected answer: %s", agent->user, answer);
  return NULL;
}

GVariant *
mh_test_assert_call_ok (MhTestAgent *agent, const char *method, const char *args)
{
  g_autofree char *error_name = NULL;
  g_autofree char *message = NULL;
  GVariant *result = mh_test_agent_call (agent, method, args, &error_name, &message);

  if (result == NULL)
    g_error ("%s %s as %s failed: %s: %s", method, args, agent->user, error_name, message);
  return result;
}

char *
mh_test_assert_call_error (MhTestAgent *agent, const char *method, const char *args,
                           const char *short_name, const char *message_part)
{
  g_autofree char *error_name = NULL;
  g_autofree char *message = NULL;
  g_autofree char *expected = g_strdup_printf ("org.microvm.Helper1.Error.%s", short_name);
  g_autoptr (GVariant) result = mh_test_agent_call (agent, method, args, &error_name, &message);

  if (result != NULL)
    {
      g_autofree char *printed = g_variant_print (result, TRUE);
      g_error ("%s %s as %s succeeded (%s), expected %s", method, args, agent->user, printed,
               short_name);
    }
  if (g_strcmp0 (error_name, expected) != 0)
    g_error ("%s %s as %s: expected %s, got %s: %s", method, args, agent->user, expected,
             error_name, message);
  if (message_part != NULL && strstr (message, message_part) == NULL)
    g_error ("%s %s as %s: message \"%s\" lacks \"%s\"", method, args, agent->user, message,
             message_part);
  g_test_message ("%s as %s -> %s: %s", method, agent->user, short_name, message);
  return g_steal_pointer (&message);
}

void
mh_test_assert_printed (GVariant *value, const char *expected)
{
  g_autofree char *printed = g_variant_print (value, FALSE);

  g_assert_cmpstr (printed, ==, expected);
}

gboolean
mh_test_iface_exists (const char *name)
{
  g_autofree char *path = g_build_filename ("/sys/class/net", name, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

gint64
mh_test_iface_attr_int (const char *name, const char *attribute)
{
  g_autofree char *path = g_build_filename ("/sys/class/net", name, attribute, NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return g_ascii_strtoll (text, NULL, 0);
}

/* Attaches to the persistent tap @name as root and gives it to @uid with
 * TUNSETOWNER, as whoever holds a tap (the user's hypervisor) may. */
void
mh_test_tap_set_owner (const char *name, guint32 uid)
{
  struct ifreq ifr = { 0 };
  int fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_strlcpy (ifr.ifr_name, name, sizeof ifr.ifr_name);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
  g_assert_cmpint (ioctl (fd, TUNSETIFF, &ifr), ==, 0);
  g_assert_cmpint (ioctl (fd, TUNSETOWNER, (unsigned long) uid), ==, 0);
  close (fd);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

char *
mh_test_iface_list (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/sys/class/net", 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

/* Names of the taps the kernel has (every tun/tap device has tun_flags),
 * sorted, space separated. */
char *
mh_test_kernel_taps (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/sys/class/net", 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *flags = g_build_filename ("/sys/class/net", name, "tun_flags", NULL);
      if (g_file_test (flags, G_FILE_TEST_EXISTS))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

/* The names the registry records, the same way. */
char *
mh_test_registry_taps (void)
{
  g_autofree char *registry = mh_test_helper_registry ();
  g_auto (GStrv) lines = g_strsplit (registry, "\n", -1);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  for (gsize i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "name="))
      g_ptr_array_add (names, g_strcompress (lines[i] + 5)); /* the helper escapes '\\' */
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

gboolean
mh_test_wait_iface (const char *name, gboolean present, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (mh_test_iface_exists (name) != present)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (10 * 1000);
    }
  return TRUE;
}

void
mh_test_run (const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *command = g_strjoinv (" ", (char **) argv);
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status,
                &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("%s: %s", command, error->message);
}

GPid
mh_test_helper_pid (void)
{
  g_autofree char *path = g_build_filename (sandbox_dir (), "helper.pid", NULL);
  g_autofree char *text = NULL;
  GPid pid;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  pid = (GPid) atoi (text);
  if (pid <= 0 || kill (pid, 0) < 0)
    return 0;
  {
    /* A zombie is not running. */
    g_autofree char *stat_path = g_strdup_printf ("/proc/%d/stat", pid);
    g_autofree char *stat = NULL;
    if (g_file_get_contents (stat_path, &stat, NULL, NULL))
      {
        const char *close_paren = strrchr (stat, ')');
        if (close_paren != NULL && close_paren[1] == ' ' && close_paren[2] == 'Z')
          return 0;
      }
  }
  return pid;
}

void
mh_test_helper_kill (void)
{
  GPid pid = mh_test_helper_pid ();

  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  mh_test_helper_wait_gone ();
}

void
mh_test_helper_wait_gone (void)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (mh_test_helper_pid () != 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10 * 1000);
    }
  /* The bus notices the dead connection; wait until the name is free so
   * the next call activates a new helper. */
  {
    g_autoptr (GDBusConnection) bus = mh_test_root_bus ();
    for (;;)
      {
        g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
          bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
          "NameHasOwner", g_variant_new ("(s)", "org.microvm.Helper1"), G_VARIANT_TYPE ("(b)"),
          G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        gboolean has_owner = TRUE;
        g_assert_nonnull (reply);
        g_variant_get (reply, "(b)", &has_owner);
        if (!has_owner)
          break;
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_usleep (10 * 1000);
      }
  }
}

/* The start-helper script reads these files at each start. */
static void
write_sandbox_file (const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (sandbox_dir (), name, NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

void
mh_test_helper_set_config (const char *text)
{
  write_sandbox_file ("helper.conf", text);
}

void
mh_test_helper_set_args (const char *args)
{
  write_sandbox_file ("helper.args", args);
}

void
mh_test_helper_set_env (const char *lines)
{
  write_sandbox_file ("helper.env", lines);
}

char *
mh_test_helper_registry (void)
{
  char *text = NULL;

  if (!g_file_get_contents ("/run/microvm-helper/taps.registry", &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

gboolean
mh_test_wait_registry (const char *name, gboolean present, guint timeout_ms)
{
  g_autofree char *needle = g_strdup_printf ("name=%s\n", name);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      g_autofree char *registry = mh_test_helper_registry ();
      if ((strstr (registry, needle) != NULL) == present)
        return TRUE;
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (10 * 1000);
    }
}

char *
mh_test_home (const char *user)
{
  return g_build_filename (sandbox_dir (), "home", user, NULL);
}

GSubprocess *
mh_test_spawn_as (const char *user, const char *output_path, const char *const *argv)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr (GPtrArray) full = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *home = mh_test_home (user);
  GSubprocess *process;

  g_ptr_array_add (full, g_strdup ("setpriv"));
  g_ptr_array_add (full, g_strdup_printf ("--reuid=%s", uid_of (user)));
  g_ptr_array_add (full, g_strdup_printf ("--regid=%s", uid_of (user)));
  g_ptr_array_add (full, g_strdup ("--init-groups"));
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (full, g_strdup (argv[i]));
  g_ptr_array_add (full, NULL);

  /* An empty environment (NULL would mean "inherit"), then what a login
   * would set. */
  g_subprocess_launcher_set_environ (launcher, (char *[]){ NULL });
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "USER", user, TRUE);
  g_subprocess_launcher_setenv (launcher, "PATH", "/usr/local/bin:/usr/bin:/bin", TRUE);
  g_subprocess_launcher_setenv (launcher, "LANG", "C.UTF-8", TRUE);
  {
    g_autofree char *runtime = g_strdup_printf ("/run/user/%s", uid_of (user));
    g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", runtime, TRUE);
  }
  for (const char *const *name =
         (const char *const[]){ "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL };
       *name != NULL; name++)
    if (g_getenv (*name) != NULL)
      g_subprocess_launcher_setenv (launcher, *name, g_getenv (*name), TRUE);
  g_subprocess_launcher_set_cwd (launcher, home);
  /* GLib opens the file without O_TRUNC: a longer old output would show
   * through at the end. */
  unlink (output_path);
  g_subprocess_launcher_set_stdout_file_path (launcher, output_path);
  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDERR_MERGE);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) full->pdata, &error);
  g_assert_no_error (error);
  return process;
}

GPid
mh_test_spawn_in_terminal (const char *user, const char *const *argv, int *master)
{
  g_autofree char *home = mh_test_home (user);
  g_autofree char *runtime = g_strdup_printf ("XDG_RUNTIME_DIR=/run/user/%s", uid_of (user));
  g_autofree char *home_env = g_strdup_printf ("HOME=%s", home);
  g_autofree char *user_env = g_strdup_printf ("USER=%s", user);
  g_autofree char *reuid = g_strdup_printf ("--reuid=%s", uid_of (user));
  g_autofree char *regid = g_strdup_printf ("--regid=%s", uid_of (user));
  g_autoptr (GPtrArray) full = g_ptr_array_new ();
  char *env[] = { home_env,       user_env,    runtime, "PATH=/usr/local/bin:/usr/bin:/bin",
                  "LANG=C.UTF-8", "TERM=dumb", NULL };
  GPid pid;

  g_ptr_array_add (full, "setpriv");
  g_ptr_array_add (full, reuid);
  g_ptr_array_add (full, regid);
  g_ptr_array_add (full, "--init-groups");
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (full, (char *) argv[i]);
  g_ptr_array_add (full, NULL);

  /* forkpty: new session with the pty as controlling terminal.  Only
   * async-signal-safe calls between fork and exec. */
  pid = forkpty (master, NULL, NULL, NULL);
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      if (chdir (home) < 0)
        _exit (126);
      execvpe ("setpriv", (char **) full->pdata, env);
      _exit (127);
    }
  return pid;
}

gboolean
mh_test_terminal_wait (int master, GString *seen, const char *needle, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (strstr (seen->str, needle) == NULL)
    {
      struct pollfd pfd = { .fd = master, .events = POLLIN };
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      char buffer[1024];
      ssize_t n;

      if (left_ms <= 0 || poll (&pfd, 1, (int) left_ms) <= 0)
        return FALSE;
      n = read (master, buffer, sizeof buffer);
      if (n <= 0)
        return FALSE;
      g_string_append_len (seen, buffer, n);
    }
  return TRUE;
}

void
mh_test_terminal_type_secret (int master, const char *text)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  struct termios attributes;

  /* The master shares the terminal's settings with the slave side. */
  for (;;)
    {
      g_assert_cmpint (tcgetattr (master, &attributes), ==, 0);
      if ((attributes.c_lflag & ECHO) == 0)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (5 * 1000);
    }
  g_assert_cmpint (write (master, text, strlen (text)), ==, (gssize) strlen (text));
}

int
mh_test_run_as (const char *user, char **output, const char *const *argv)
{
  g_autofree char *path = g_build_filename (sandbox_dir (), "run-as-output.txt", NULL);
  g_autoptr (GSubprocess) process = mh_test_spawn_as (user, path, argv);
  int status = mh_test_wait_exit (process, 60000);

  g_assert_true (g_file_get_contents (path, output, NULL, NULL));
  return status;
}

gboolean
mh_test_file_contains (const char *path, const char *needle)
{
  g_autofree char *text = NULL;

  return g_file_get_contents (path, &text, NULL, NULL) && strstr (text, needle) != NULL;
}

gboolean
mh_test_wait_file_contains (const char *path, const char *needle, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!mh_test_file_contains (path, needle))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (10 * 1000);
    }
  return TRUE;
}

GDBusConnection *
mh_test_root_bus (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  GDBusConnection *bus;

  g_assert_no_error (error);
  bus = g_dbus_connection_new_for_address_sync (address,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                  G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, &error);
  g_assert_no_error (error);
  return bus;
}

gboolean
mh_test_root_has_capability (guint cap)
{
  g_autofree char *status = NULL;
  const char *line;
  guint64 bounding;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "\nCapBnd:\t");
  g_assert_nonnull (line);
  bounding = g_ascii_strtoull (line + strlen ("\nCapBnd:\t"), NULL, 16);
  return (bounding >> cap & 1) != 0;
}
