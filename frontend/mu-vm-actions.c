/* install, start and stop of a named VM; see mu-vm-actions.h. */
#include "mu-vm-actions.h"

#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

#include "mu-console.h"
#include "mu-control.h"
#include "mu-error.h"
#include "mu-runner.h"
#include "mu-state.h"
#include "mu-tap-hold.h"
#include "mu-user-manager.h"

/* How long a background start may take to reach the hypervisor. */
#define BACKGROUND_START_TIMEOUT_S 60
/* What a failed background start quotes of its console log. */
#define LOG_TAIL_MAX 2000

char *
mu_vm_console_log_path (const char *name)
{
  g_autoptr (MuVmState) state = mu_vm_state_new (name);

  return g_build_filename (state->state_dir, "console.log", NULL);
}

gboolean
mu_vm_install (const char *name, const char *runner_path, gboolean force, char **current_out,
               GError **error)
{
  g_autoptr (MuRunner) runner = NULL;
  g_autoptr (MuVmState) state = NULL;
  g_autofree char *current = NULL;
  g_autofree char *previous = NULL;

  if (!mu_vm_name_validate (name, error))
    return FALSE;
  runner = mu_runner_load (runner_path, error);
  if (runner == NULL)
    return FALSE;
  state = mu_vm_state_new (name);
  current = g_canonicalize_filename (runner_path, NULL);
  previous = mu_vm_state_get_link (state, "current");
  /* The same runner again overwrites nothing (e.g. after a one-off run). */
  if (previous != NULL && !force && strcmp (previous, current) != 0)
    {
      g_set_error (error, MU_ERROR, MU_ERROR_USAGE,
                   "a VM named %s exists already (its runner is %s); point it at another runner "
                   "with `microvm-user update %s RUNNER`, remove it first with `microvm-user "
                   "remove %s`, or give --force",
                   name, previous, name, name);
      return FALSE;
    }
  if (!mu_vm_state_prepare (state, error) ||
      !mu_vm_state_set_link (state, "current", current, error))
    return FALSE;
  if (current_out != NULL)
    *current_out = g_steal_pointer (&current);
  return TRUE;
}

static void
detach (gpointer data)
{
  setsid ();
}

static gboolean
hypervisor_started (MuVmState *state)
{
  g_autofree char *booted = g_build_filename (state->state_dir, "booted", NULL);

  return g_file_test (booted, G_FILE_TEST_IS_SYMLINK) && mu_vm_is_running (state->name);
}

/* The end of the console log, for the sentence of a failed start. */
static char *
log_tail (const char *log)
{
  g_autofree char *said = NULL;
  gsize length = 0;

  if (!g_file_get_contents (log, &said, &length, NULL) || length == 0)
    return g_strdup ("nothing");
  g_strstrip (said);
  length = strlen (said);
  if (length > LOG_TAIL_MAX)
    return g_strdup_printf ("…%s", said + length - LOG_TAIL_MAX);
  return g_steal_pointer (&said);
}

/* Without a user manager: `microvm-user run` detached from the caller,
 * console and messages in STATE/console.log. */
static gboolean
start_in_background (MuVmState *state, const char *microvm_user, gboolean may_ask, GError **error)
{
  g_autofree char *current = g_build_filename (state->state_dir, "current", NULL);
  g_autofree char *log = g_build_filename (state->state_dir, "console.log", NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) run = NULL;
  gint64 deadline = g_get_monotonic_time () + BACKGROUND_START_TIMEOUT_S * G_USEC_PER_SEC;
  gboolean started;
  int console_in;

  g_ptr_array_add (argv, (char *) microvm_user);
  g_ptr_array_add (argv, "run");
  if (!may_ask)
    g_ptr_array_add (argv, "--no-ask-password");
  g_ptr_array_add (argv, "--quiet");
  g_ptr_array_add (argv, "--name");
  g_ptr_array_add (argv, state->name);
  g_ptr_array_add (argv, current);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_cwd (launcher, state->state_dir);
  unlink (log);
  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  /* The serial console's input: what `microvm-user console` types. */
  console_in = mu_console_input_open (state, error);
  if (console_in < 0)
    return FALSE;
  g_subprocess_launcher_take_stdin_fd (launcher, console_in);
  /* Its own session: it must outlive the caller and its terminal. */
  g_subprocess_launcher_set_child_setup (launcher, detach, NULL, NULL);
  run = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, error);
  if (run == NULL)
    return FALSE;

  /* Polled, not waited for asynchronously: this may run in a worker
   * thread, whose caller's main loop must not be needed.  GSubprocess
   * reaps the child itself; its identifier is gone once it exited. */
  while (!hypervisor_started (state) && g_subprocess_get_identifier (run) != NULL &&
         g_get_monotonic_time () < deadline)
    g_usleep (20 * 1000);
  started = hypervisor_started (state);
  if (started)
    return TRUE;
  /* Timed out: the run must not boot later, unseen. */
  g_subprocess_force_exit (run);
  {
    g_autofree char *said = log_tail (log);
    g_set_error (error, MU_ERROR, MU_ERROR_CHILD, "%s did not start; it said: %s", state->name,
                 said);
  }
  return FALSE;
}

static gboolean
unit_is_starting (const char *name)
{
  g_autofree char *unit_state = mu_user_manager_state (name);

  return g_str_equal (unit_state, "active") || g_str_equal (unit_state, "activating");
}

/* `systemctl --user start` returns as soon as the frontend runs (the unit
 * is Type=simple); the VM may still fail, most often because polkit
 * refuses a VM outside any login session.  Returns once the hypervisor
 * started (or, still starting, after the timeout), or says why the unit
 * ended, from its journal. */
static gboolean
wait_for_unit (MuVmState *state, MuVmStartedAs *started_as, GError **error)
{
  const char *name = state->name;
  g_autofree char *unit = mu_user_manager_unit (name);
  g_autofree char *invocation = mu_user_manager_property (name, "InvocationID");
  g_autofree char *said = NULL;
  g_autofree char *unit_state = NULL;
  gint64 deadline = g_get_monotonic_time () + BACKGROUND_START_TIMEOUT_S * G_USEC_PER_SEC;

  while (unit_is_starting (name) && g_get_monotonic_time () < deadline)
    {
      if (hypervisor_started (state))
        {
          *started_as = MU_VM_STARTED_AS_UNIT;
          return TRUE;
        }
      g_usleep (50 * 1000);
    }
  unit_state = mu_user_manager_state (name);
  if (unit_is_starting (name))
    {
      *started_as = MU_VM_STARTED_AS_UNIT_SLOWLY;
      return TRUE;
    }
  /* journald may write the unit's last words a moment after it ended. */
  for (int attempt = 0; attempt < 20 && invocation != NULL && *invocation != '\0'; attempt++)
    {
      g_clear_pointer (&said, g_free);
      said = mu_user_manager_journal (invocation, 8);
      if (said != NULL && strstr (said, "microvm-user") != NULL)
        break;
      g_usleep (50 * 1000);
    }
  if (said != NULL)
    g_strstrip (said);
  g_set_error (error, MU_ERROR, MU_ERROR_CHILD, "%s did not start (%s is %s); it said:\n%s", name,
               unit, unit_state,
               said != NULL && *said != '\0' ? said : "(nothing in your journal)");
  return FALSE;
}

gboolean
mu_vm_start (const char *name, const char *microvm_user, gboolean may_ask,
             MuVmStartedAs *started_as, GError **error)
{
  g_autoptr (MuVmState) state = NULL;
  g_autoptr (MuRunner) runner = NULL;
  g_autofree char *current = NULL;

  if (!mu_vm_name_validate (name, error))
    return FALSE;
  state = mu_vm_state_new (name);
  current = mu_vm_state_get_link (state, "current");
  if (current == NULL)
    {
      g_set_error (error, MU_ERROR, MU_ERROR_USAGE,
                   "no VM named %s is installed; record its runner first with `microvm-user "
                   "install %s RUNNER`",
                   name, name);
      return FALSE;
    }
  if (mu_vm_is_running (name))
    {
      g_set_error (error, MU_ERROR, MU_ERROR_RUNNING, "the VM %s is already running", name);
      return FALSE;
    }
  /* The run checks again, under the lock; checked here too, so that a
   * refusal is said here and not only in the journal of a unit that
   * systemctl reported started.  A runner that does not load is the run's
   * to report. */
  runner = mu_runner_load (current, NULL);
  if (runner != NULL && !mu_tap_hold_check (name, runner->taps, error))
    return FALSE;
  if (mu_user_manager_available ())
    {
      MuVmStartedAs how;

      if (!mu_user_manager_call ("start", name, error) || !wait_for_unit (state, &how, error))
        return FALSE;
      if (started_as != NULL)
        *started_as = how;
      return TRUE;
    }
  if (!start_in_background (state, microvm_user, may_ask, error))
    return FALSE;
  if (started_as != NULL)
    *started_as = MU_VM_STARTED_IN_BACKGROUND;
  return TRUE;
}

gboolean
mu_vm_stop (const char *name, guint timeout_s, GError **error)
{
  g_autoptr (MuVmState) state = NULL;
  g_autofree char *control = NULL;

  if (!mu_vm_name_validate (name, error))
    return FALSE;
  if (!mu_vm_is_running (name))
    {
      g_set_error (error, MU_ERROR, MU_ERROR_RUNNING,
                   "the VM %s is not running (see `microvm-user list`)", name);
      return FALSE;
    }
  /* Started as a unit: stop the unit, or systemd would count it failed. */
  if (mu_user_manager_available ())
    {
      g_autofree char *unit_state = mu_user_manager_state (name);
      if (g_strcmp0 (unit_state, "active") == 0 || g_strcmp0 (unit_state, "activating") == 0)
        return mu_user_manager_call ("stop", name, error);
    }
  state = mu_vm_state_new (name);
  control = mu_vm_state_control_path (state);
  return mu_control_request_stop (control, timeout_s, error);
}
