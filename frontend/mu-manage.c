/* `microvm-user update|restart|remove NAME`: the VM's life after
 * `install`, as `microvm -u` (+ `-R`) and removing /var/lib/microvms/NAME
 * do it for the host module.  Each refusal changes nothing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mh-error.h"
#include "mu-commands.h"
#include "mu-error.h"
#include "mu-output.h"
#include "mu-runner.h"
#include "mu-state.h"
#include "mu-user-manager.h"
#include "mu-vm-actions.h"
#include "mu-vm-info.h"

static int opt_timeout = 120;
static gboolean opt_restart;

static const GOptionEntry restart_entries[] = {
  { "timeout", 't', 0, G_OPTION_ARG_INT, &opt_timeout,
    "Seconds to wait for the VM to be gone (default 120)", "SECONDS" },
  { NULL },
};

static const GOptionEntry update_entries[] = {
  { "restart", 'R', 0, G_OPTION_ARG_NONE, &opt_restart,
    "Restart the VM if it runs another system (start it if stopped)", NULL },
  { NULL },
};

/* The VM @name must exist (have a `current` runner): else says so and
 * returns FALSE. */
static gboolean
require_vm (const char *name, MuVmState *state, GError **error)
{
  g_autofree char *current = NULL;

  if (!mu_vm_name_validate (name, error))
    return FALSE;
  current = mu_vm_state_get_link (state, "current");
  if (current == NULL)
    {
      g_set_error (error, MU_ERROR, MU_ERROR_USAGE,
                   "there is no VM named %s (see `microvm-user list`); record one with "
                   "`microvm-user install %s RUNNER`",
                   name, name);
      return FALSE;
    }
  return TRUE;
}

static int
restart_vm (const char *name)
{
  g_autoptr (GError) error = NULL;

  gint64 deadline;

  if (mu_vm_is_running (name))
    {
      if (!mu_vm_stop (name, (guint) opt_timeout, &error))
        return mu_command_fail (error);
      /* The stop channel closes as the frontend finishes; its run lock goes
       * a moment later, when it exits. */
      deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
      while (mu_vm_is_running (name) && g_get_monotonic_time () < deadline)
        g_usleep (20 * 1000);
    }
  return mu_command_start_vm (name);
}

int
mu_command_update (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("NAME RUNNER");
  g_autoptr (MuVmState) state = NULL;
  g_autoptr (MuRunner) runner = NULL;
  g_autoptr (MuVmInfo) info = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *current = NULL;
  const char *name;

  g_option_context_set_summary (
    context, "Point the installed VM NAME at RUNNER (e.g. a rebuilt ./result), as\n"
             "`microvm -u` does, and say whether the running VM is now stale (runs another\n"
             "system). With --restart, restart it then (or start it if stopped).");
  g_option_context_add_main_entries (context, update_entries, NULL);
  if (!mu_command_parse (context, &argc, &argv))
    return 2;
  if (argc != 3)
    {
      g_printerr ("microvm-user update: give a VM name and a runner; see --help\n");
      return 2;
    }
  name = argv[1];
  state = mu_vm_state_new (name);
  if (!require_vm (name, state, &error))
    return mu_command_fail (error);
  /* Checked now, so a broken runner never becomes `current`. */
  runner = mu_runner_load (argv[2], &error);
  if (runner == NULL)
    return mu_command_fail (error);
  current = g_canonicalize_filename (argv[2], NULL);
  if (!mu_vm_state_set_link (state, "current", current, &error))
    return mu_command_fail (error);
  printf ("Updated %s: %s\n", name, current);

  info = mu_vm_info_new (name, FALSE);
  if (info->running && !info->stale)
    {
      printf ("No restart of %s needed: it runs this system already\n", name);
      return 0;
    }
  if (info->running)
    {
      if (!opt_restart)
        {
          printf ("%s runs another system (stale); restart it to apply: microvm-user restart "
                  "%s\n",
                  name, name);
          return 0;
        }
      printf ("Restarting %s\n", name);
      return restart_vm (name);
    }
  if (opt_restart)
    {
      printf ("Starting %s\n", name);
      return mu_command_start_vm (name);
    }
  return 0;
}

int
mu_command_restart (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("NAME");
  g_autoptr (MuVmState) state = NULL;
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (
    context, "Stop the VM NAME gracefully if it runs (in a terminal or in the background),\n"
             "then start it in the background with its current runner, as `systemctl\n"
             "restart` does: a stopped VM is started.");
  g_option_context_add_main_entries (context, restart_entries, NULL);
  if (!mu_command_parse (context, &argc, &argv))
    return 2;
  if (argc != 2 || opt_timeout <= 0)
    {
      g_printerr ("microvm-user restart: give one VM name (see `microvm-user list`) and a "
                  "positive --timeout\n");
      return 2;
    }
  state = mu_vm_state_new (argv[1]);
  if (!require_vm (argv[1], state, &error))
    return mu_command_fail (error);
  return restart_vm (argv[1]);
}

/* What microvm-user itself keeps in a VM's state directory; anything
 * else there (volumes, share sources) is the user's and stays. */
static gboolean
is_ours (const char *directory, const char *file)
{
  static const char *const names[] = { "current",     "booted", "lock", "held-taps",
                                       "console.log", "flake",  NULL };
  g_autofree char *path = NULL;
  struct stat st;

  if (g_strv_contains (names, file) || g_str_has_prefix (file, "current.new-") ||
      g_str_has_prefix (file, "booted.new-"))
    return TRUE;
  /* Sockets a stopped VM left (virtiofs, QMP) are no one's data. */
  path = g_build_filename (directory, file, NULL);
  return lstat (path, &st) == 0 && S_ISSOCK (st.st_mode);
}

static gboolean
remove_state (MuVmState *state, GPtrArray *kept, GError **error)
{
  g_autoptr (GDir) dir = g_dir_open (state->state_dir, 0, error);
  g_autoptr (GPtrArray) ours = g_ptr_array_new_with_free_func (g_free);
  const char *file;

  if (dir == NULL)
    return FALSE;
  while ((file = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (is_ours (state->state_dir, file) ? ours : kept, g_strdup (file));
  for (guint i = 0; i < ours->len; i++)
    {
      g_autofree char *path = g_build_filename (state->state_dir, ours->pdata[i], NULL);
      /* The lock last: held until the directory is gone, so no start
       * slips in between. */
      if (strcmp (ours->pdata[i], "lock") != 0 && unlink (path) < 0 && errno != ENOENT)
        return mh_set_errno_error (error, errno, "remove %s", path);
    }
  {
    g_autofree char *lock = g_build_filename (state->state_dir, "lock", NULL);
    g_autofree char *control = mu_vm_state_control_path (state);
    g_autofree char *console_in = g_build_filename (state->runtime_dir, "console-in", NULL);
    unlink (lock);
    unlink (control);
    unlink (console_in);
    rmdir (state->runtime_dir);
  }
  if (kept->len == 0 && rmdir (state->state_dir) < 0)
    return mh_set_errno_error (error, errno, "remove the directory %s", state->state_dir);
  return TRUE;
}

int
mu_command_remove (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("NAME");
  g_autoptr (MuVmState) state = NULL;
  g_autoptr (GPtrArray) kept = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  const char *name;

  g_option_context_set_summary (
    context, "Forget the VM NAME, installed or only run once: its runner link, console log\n"
             "and run records go. Files of the VM's own in its state directory (volumes,\n"
             "share sources) are kept and named. Refuses a running VM: stop it first.");
  if (!mu_command_parse (context, &argc, &argv))
    return 2;
  if (argc != 2)
    {
      g_printerr ("microvm-user remove: give one VM name (see `microvm-user list`)\n");
      return 2;
    }
  name = argv[1];
  if (!mu_vm_name_validate (name, &error))
    return mu_command_fail (error);
  state = mu_vm_state_new (name);
  if (!require_vm (name, state, &error))
    return mu_command_fail (error);
  /* Holding the run lock: a VM that runs is refused, and none can start
   * while its records go. */
  if (!mu_vm_state_lock (state, &error))
    {
      g_clear_error (&error);
      g_set_error (&error, MU_ERROR, MU_ERROR_RUNNING,
                   "the VM %s is running; stop it first with `microvm-user stop %s`", name, name);
      return mu_command_fail (error);
    }
  if (mu_user_manager_available ())
    {
      g_autofree char *unit = mu_user_manager_unit (name);
      g_autoptr (GSubprocess) disable =
        g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                          NULL, "systemctl", "--user", "disable", unit, NULL);
      /* Not enabled is fine: nothing to undo. */
      if (disable != NULL)
        g_subprocess_wait (disable, NULL, NULL);
    }
  if (!remove_state (state, kept, &error))
    return mu_command_fail (error);
  printf ("Removed %s\n", name);
  if (kept->len > 0)
    {
      g_autofree char *names = mu_join_names (kept);
      printf ("Kept %s: it holds the VM's own files (%s); delete them yourself if you want them "
              "gone\n",
              state->state_dir, names);
    }
  return 0;
}
