#include "mu-run-hypervisor.h"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include "mu-child.h"
#include "mu-error.h"
#include "mu-output.h"

struct _MuRunHypervisor {
  MuRunner *runner;
  MuVmState *state;
  const MuRunOptions *options;
  GSubprocess *process;
  gboolean exited;
  MuRunExitedFunc on_exited;
  gpointer user_data;
  gboolean stop_asked;
  GSubprocess *shutdown_command;
  guint escalation;
  gboolean sigterm_sent;
  struct termios saved_tty;
  gboolean tty_saved;
};

MuRunHypervisor *
mu_run_hypervisor_new (MuRunner *runner, MuVmState *state, const MuRunOptions *options)
{
  MuRunHypervisor *hypervisor = g_new0 (MuRunHypervisor, 1);

  hypervisor->runner = runner;
  hypervisor->state = state;
  hypervisor->options = options;
  return hypervisor;
}

static void
restore_terminal (MuRunHypervisor *hypervisor)
{
  if (hypervisor->tty_saved)
    tcsetattr (STDIN_FILENO, TCSANOW, &hypervisor->saved_tty);
  hypervisor->tty_saved = FALSE;
}

void
mu_run_hypervisor_free (MuRunHypervisor *hypervisor)
{
  if (hypervisor == NULL)
    return;
  restore_terminal (hypervisor);
  if (hypervisor->escalation != 0)
    g_source_remove (hypervisor->escalation);
  g_clear_object (&hypervisor->process);
  g_clear_object (&hypervisor->shutdown_command);
  g_free (hypervisor);
}

static void
on_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MuRunHypervisor *hypervisor = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  restore_terminal (hypervisor);
  hypervisor->exited = TRUE;
  if (hypervisor->escalation != 0)
    g_source_remove (hypervisor->escalation);
  hypervisor->escalation = 0;
  hypervisor->on_exited (g_subprocess_get_status (hypervisor->process), hypervisor->user_data);
}

gboolean
mu_run_hypervisor_start (MuRunHypervisor *hypervisor, MuRunExitedFunc exited, gpointer user_data,
                         GError **error)
{
  const char *argv[] = { hypervisor->runner->run_path, NULL };
  const char *state_dir = hypervisor->state->state_dir;
  g_autoptr (GError) local_error = NULL;

  if (!mu_vm_state_set_link (hypervisor->state, "booted", hypervisor->runner->path, error))
    return FALSE;
  if (isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &hypervisor->saved_tty) == 0)
    hypervisor->tty_saved = TRUE;

  mu_progress ("starting bin/microvm-run in %s", state_dir);
  hypervisor->process =
    mu_child_spawn (argv, state_dir, MU_CHILD_NEW_SESSION | MU_CHILD_INHERIT_STDIN, &local_error);
  if (hypervisor->process == NULL)
    {
      g_set_error (error, MU_ERROR, MU_ERROR_CHILD, "cannot start %s: %s",
                   hypervisor->runner->run_path, local_error->message);
      return FALSE;
    }
  hypervisor->on_exited = exited;
  hypervisor->user_data = user_data;
  g_subprocess_wait_async (hypervisor->process, NULL, on_exited, hypervisor);
  return TRUE;
}

/* The hypervisor did not stop in time: SIGTERM, and if that is not enough
 * either, SIGKILL. */
static gboolean
on_escalate (gpointer user_data)
{
  MuRunHypervisor *hypervisor = user_data;

  hypervisor->escalation = 0;
  if (hypervisor->process == NULL || hypervisor->exited)
    return G_SOURCE_REMOVE;
  if (!hypervisor->sigterm_sent)
    {
      mu_warning ("the hypervisor is still running: sending SIGTERM");
      g_subprocess_send_signal (hypervisor->process, SIGTERM);
      hypervisor->sigterm_sent = TRUE;
      hypervisor->escalation =
        g_timeout_add_seconds (hypervisor->options->kill_timeout_s, on_escalate, hypervisor);
    }
  else
    {
      mu_warning ("the hypervisor is still running: sending SIGKILL");
      g_subprocess_force_exit (hypervisor->process);
    }
  return G_SOURCE_REMOVE;
}

static void
on_shutdown_command_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MuRunHypervisor *hypervisor = user_data;
  GSubprocess *process = G_SUBPROCESS (source);

  if (g_subprocess_wait_finish (process, result, NULL) && !g_subprocess_get_successful (process))
    {
      g_autofree char *how = mu_child_describe_status (g_subprocess_get_status (process));
      mu_warning ("bin/microvm-shutdown %s", how);
    }
  if (hypervisor->shutdown_command == process)
    g_clear_object (&hypervisor->shutdown_command);
}

void
mu_run_hypervisor_stop (MuRunHypervisor *hypervisor, const char *why)
{
  const MuRunOptions *options = hypervisor->options;

  if (hypervisor->stop_asked)
    {
      /* Asked again: do not wait out the timeout. */
      if (hypervisor->escalation != 0)
        g_source_remove (hypervisor->escalation);
      hypervisor->escalation = 0;
      on_escalate (hypervisor);
      return;
    }
  hypervisor->stop_asked = TRUE;
  if (hypervisor->runner->shutdown_path != NULL)
    {
      const char *argv[] = { hypervisor->runner->shutdown_path, NULL };
      g_autoptr (GError) error = NULL;

      mu_progress ("%s: asking the VM to power off (bin/microvm-shutdown, up to %u s)", why,
                   options->shutdown_timeout_s);
      hypervisor->shutdown_command =
        mu_child_spawn (argv, hypervisor->state->state_dir, MU_CHILD_NEW_SESSION, &error);
      if (hypervisor->shutdown_command == NULL)
        mu_warning ("cannot run bin/microvm-shutdown: %s", error->message);
      else
        g_subprocess_wait_async (hypervisor->shutdown_command, NULL, on_shutdown_command_done,
                                 hypervisor);
      hypervisor->escalation =
        g_timeout_add_seconds (options->shutdown_timeout_s, on_escalate, hypervisor);
    }
  else
    {
      mu_progress ("%s: no bin/microvm-shutdown, sending SIGTERM to the hypervisor", why);
      g_subprocess_send_signal (hypervisor->process, SIGTERM);
      hypervisor->sigterm_sent = TRUE;
      hypervisor->escalation =
        g_timeout_add_seconds (options->kill_timeout_s, on_escalate, hypervisor);
    }
}
