/* The phases of `microvm-user run`, stopping and teardown, and the
 * hypervisor; virtiofsd is in mu-run-shares.c, the checks before start
 * in mu-preflight.c. */
#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "mu-child.h"
#include "mu-control.h"
#include "mu-error.h"
#include "mu-helper-client.h"
#include "mu-output.h"
#include "mu-run-private.h"

void
mu_run_options_init (MuRunOptions *options)
{
  memset (options, 0, sizeof *options);
  options->interactive = TRUE;
  options->shutdown_timeout_s = 60;
  options->kill_timeout_s = 10;
  options->socket_timeout_s = 30;
}

/* Records the first error; it becomes the frontend's message and status. */
void
mu_run_fail (Run *run, GError *error)
{
  if (run->error == NULL)
    run->error = error;
  else
    g_error_free (error);
  if (run->exit_code == 0)
    run->exit_code = 1;
}

/* ------------------------------------------------------------------ */
/* Stopping */

/* The hypervisor did not stop in time: SIGTERM, and if that is not enough
 * either, SIGKILL. */
static gboolean
on_escalate (gpointer user_data)
{
  Run *run = user_data;

  run->escalation = 0;
  if (run->hypervisor == NULL || run->hypervisor_exited)
    return G_SOURCE_REMOVE;
  if (!run->sigterm_sent)
    {
      mu_warning ("the hypervisor is still running: sending SIGTERM");
      g_subprocess_send_signal (run->hypervisor, SIGTERM);
      run->sigterm_sent = TRUE;
      run->escalation = g_timeout_add_seconds (run->options->kill_timeout_s, on_escalate, run);
    }
  else
    {
      mu_warning ("the hypervisor is still running: sending SIGKILL");
      g_subprocess_force_exit (run->hypervisor);
    }
  return G_SOURCE_REMOVE;
}

static void
on_shutdown_command_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;
  GSubprocess *process = G_SUBPROCESS (source);

  if (g_subprocess_wait_finish (process, result, NULL) && !g_subprocess_get_successful (process))
    {
      g_autofree char *how = mu_child_describe_status (g_subprocess_get_status (process));
      mu_warning ("bin/microvm-shutdown %s", how);
    }
  if (run->shutdown_command == process)
    g_clear_object (&run->shutdown_command);
}

void
mu_run_request_stop (Run *run, const char *why)
{
  switch (run->phase)
    {
    case PHASE_STARTING:
      mu_progress ("%s: abandoning the start", why);
      mu_run_begin_teardown (run);
      break;
    case PHASE_RUNNING:
      run->phase = PHASE_STOPPING;
      if (run->runner->shutdown_path != NULL)
        {
          const char *argv[] = { run->runner->shutdown_path, NULL };
          g_autoptr (GError) error = NULL;

          mu_progress ("%s: asking the VM to power off (bin/microvm-shutdown, up to %u s)", why,
                       run->options->shutdown_timeout_s);
          run->shutdown_command =
            mu_child_spawn (argv, run->state->state_dir, MU_CHILD_NEW_SESSION, &error);
          if (run->shutdown_command == NULL)
            mu_warning ("cannot run bin/microvm-shutdown: %s", error->message);
          else
            g_subprocess_wait_async (run->shutdown_command, NULL, on_shutdown_command_done, run);
          run->escalation =
            g_timeout_add_seconds (run->options->shutdown_timeout_s, on_escalate, run);
        }
      else
        {
          mu_progress ("%s: no bin/microvm-shutdown, sending SIGTERM to the hypervisor", why);
          g_subprocess_send_signal (run->hypervisor, SIGTERM);
          run->sigterm_sent = TRUE;
          run->escalation = g_timeout_add_seconds (run->options->kill_timeout_s, on_escalate, run);
        }
      break;
    case PHASE_STOPPING:
      /* Asked again (a second Ctrl-C): do not wait out the timeout. */
      if (run->escalation != 0)
        g_source_remove (run->escalation);
      run->escalation = 0;
      on_escalate (run);
      break;
    case PHASE_TEARDOWN:
    case PHASE_DONE:
    default:
      break;
    }
}

static gboolean
on_signal_int (gpointer user_data)
{
  mu_run_request_stop (user_data, "interrupted");
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal_term (gpointer user_data)
{
  mu_run_request_stop (user_data, "terminated");
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal_hup (gpointer user_data)
{
  mu_run_request_stop (user_data, "the terminal went away");
  return G_SOURCE_CONTINUE;
}

static void
on_stop_request (gpointer user_data)
{
  mu_run_request_stop (user_data, "microvm-user stop");
}

static void
on_bus_closed (gpointer user_data)
{
  Run *run = user_data;

  mu_warning ("the connection to the system bus was lost (was the bus restarted?); this VM's "
              "taps were leased to that connection, so the VM is stopped now");
  run->bus_lost = TRUE;
  mu_run_request_stop (run, "lost the system bus");
}

/* ------------------------------------------------------------------ */
/* Teardown: virtiofsd, taps, state */

void
mu_run_teardown_step_done (Run *run)
{
  if (--run->pending > 0)
    return;
  mu_vm_state_remove_link (run->state, "booted");
  run->phase = PHASE_DONE;
  g_main_loop_quit (run->loop);
}

static void
on_tap_deleted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;
  g_autoptr (GError) error = NULL;

  if (!mu_helper_client_delete_tap_finish (run->helper, result, &error))
    mu_warning ("%s; the helper removes it when this program exits", error->message);
  else if (run->bus_lost)
    mu_progress ("the taps are gone");
  mu_run_teardown_step_done (run);
}

typedef struct {
  Run *run;
  GSubprocess *process;
  guint kill_source;
} Stopping;

static gboolean
on_virtiofsd_stop_timeout (gpointer user_data)
{
  Stopping *stopping = user_data;

  stopping->kill_source = 0;
  g_subprocess_force_exit (stopping->process);
  return G_SOURCE_REMOVE;
}

static void
on_virtiofsd_stopped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Stopping *stopping = user_data;
  Run *run = stopping->run;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  if (stopping->kill_source != 0)
    g_source_remove (stopping->kill_source);
  g_object_unref (stopping->process);
  g_free (stopping);
  mu_run_teardown_step_done (run);
}

static void
stop_virtiofsd (Run *run, Share *share)
{
  Stopping *stopping;

  if (share->restart_source != 0)
    g_source_remove (share->restart_source);
  share->restart_source = 0;
  if (share->process == NULL)
    return;
  g_cancellable_cancel (share->cancellable);
  run->pending++;
  stopping = g_new0 (Stopping, 1);
  stopping->run = run;
  stopping->process = g_steal_pointer (&share->process);
  g_subprocess_send_signal (stopping->process, SIGTERM);
  stopping->kill_source =
    g_timeout_add_seconds (VIRTIOFSD_STOP_TIMEOUT_S, on_virtiofsd_stop_timeout, stopping);
  g_subprocess_wait_async (stopping->process, NULL, on_virtiofsd_stopped, stopping);
}

static void
delete_created_taps (Run *run)
{
  g_autofree char *names = mu_join_names (run->taps_created);

  mu_progress ("deleting the taps made for this run (%s)", names);
  for (guint i = 0; i < run->taps_created->len; i++)
    {
      run->pending++;
      mu_helper_client_delete_tap_async (run->helper, run->taps_created->pdata[i], on_tap_deleted,
                                         run);
    }
}

static gboolean
on_reconnect_attempt (gpointer user_data)
{
  Run *run = user_data;
  g_autoptr (GError) error = NULL;
  MuHelperClient *client = mu_helper_client_new (FALSE, &error);

  if (client == NULL && g_get_monotonic_time () < run->reconnect_deadline)
    return G_SOURCE_CONTINUE;
  run->reconnect_source = 0;
  if (client == NULL)
    mu_warning ("the system bus did not come back within 10 s (%s); the helper deletes this VM's "
                "taps when it next starts",
                error->message);
  else
    {
      mu_progress ("the system bus is back");
      g_clear_pointer (&run->helper, mu_helper_client_free);
      run->helper = client;
      delete_created_taps (run);
    }
  mu_run_teardown_step_done (run);
  return G_SOURCE_REMOVE;
}

void
mu_run_begin_teardown (Run *run)
{
  if (run->phase == PHASE_TEARDOWN || run->phase == PHASE_DONE)
    return;
  run->phase = PHASE_TEARDOWN;
  if (run->ready_poll != 0)
    g_source_remove (run->ready_poll);
  run->ready_poll = 0;
  if (run->escalation != 0)
    g_source_remove (run->escalation);
  run->escalation = 0;

  run->pending = 1; /* released at the end of this function */
  for (guint i = 0; i < run->shares->len; i++)
    stop_virtiofsd (run, run->shares->pdata[i]);
  /* The hypervisor has exited (or never started): the helper would refuse
   * to give back a device a hypervisor still holds. */
  if (!run->bus_lost)
    mu_run_release_devices (run);
  if (run->taps_created != NULL && run->taps_created->len > 0)
    {
      if (run->bus_lost)
        {
          /* Our connection is gone with the old bus; a new helper deletes
           * leases of the old bus when it starts, and asking for the taps
           * on the new bus is what starts it. */
          run->pending++;
          run->reconnect_deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
          run->reconnect_source = g_timeout_add (100, on_reconnect_attempt, run);
        }
      else
        delete_created_taps (run);
    }
  mu_run_teardown_step_done (run);
}

/* ------------------------------------------------------------------ */
/* The hypervisor */

static void
restore_terminal (Run *run)
{
  if (run->tty_saved)
    tcsetattr (STDIN_FILENO, TCSANOW, &run->saved_tty);
  run->tty_saved = FALSE;
}

static void
on_hypervisor_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;
  g_autofree char *how = NULL;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  restore_terminal (run);
  run->hypervisor_exited = TRUE;
  run->hypervisor_status = g_subprocess_get_status (run->hypervisor);
  run->exit_code = mu_child_exit_code (run->hypervisor_status);
  how = mu_child_describe_status (run->hypervisor_status);
  if (run->phase == PHASE_STOPPING)
    mu_progress ("the hypervisor %s", how);
  else
    mu_progress ("the VM ended on its own: the hypervisor %s; cleaning up", how);
  mu_run_begin_teardown (run);
}

void
mu_run_start_hypervisor (Run *run)
{
  const char *argv[] = { run->runner->run_path, NULL };
  g_autoptr (GError) error = NULL;

  if (!mu_vm_state_set_link (run->state, "booted", run->runner->path, &error))
    {
      mu_run_fail (run, g_steal_pointer (&error));
      mu_run_begin_teardown (run);
      return;
    }
  if (isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &run->saved_tty) == 0)
    run->tty_saved = TRUE;

  mu_progress ("starting bin/microvm-run in %s", run->state->state_dir);
  run->hypervisor = mu_child_spawn (argv, run->state->state_dir,
                                    MU_CHILD_NEW_SESSION | MU_CHILD_INHERIT_STDIN, &error);
  if (run->hypervisor == NULL)
    {
      mu_run_fail (run, g_error_new (MU_ERROR, MU_ERROR_CHILD, "cannot start %s: %s",
                                     run->runner->run_path, error->message));
      mu_run_begin_teardown (run);
      return;
    }
  run->phase = PHASE_RUNNING;
  g_subprocess_wait_async (run->hypervisor, NULL, on_hypervisor_exited, run);
}

/* ------------------------------------------------------------------ */
/* Taps */

static void
on_taps_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ifindexes = NULL;

  ifindexes = mu_helper_client_create_taps_finish (run->helper, result, &error);
  if (run->phase != PHASE_STARTING)
    return; /* abandoned meanwhile; the lease removes whatever was made */
  if (ifindexes == NULL)
    {
      mu_run_fail (run, g_steal_pointer (&error));
      mu_run_begin_teardown (run);
      return;
    }
  for (guint i = 0; i < run->runner->taps->len; i++)
    if (!g_ptr_array_find_with_equal_func (run->taps_existing, run->runner->taps->pdata[i],
                                           g_str_equal, NULL))
      g_ptr_array_add (run->taps_created, g_strdup (run->runner->taps->pdata[i]));
  mu_progress ("taps ready: %u made for this run, %u of yours reused", run->taps_created->len,
               run->runner->taps->len - run->taps_created->len);
  mu_run_start_devices (run);
}

static void
on_taps_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *names = NULL;

  run->taps_existing = mu_helper_client_list_taps_finish (run->helper, result, &error);
  if (run->phase != PHASE_STARTING)
    return;
  if (run->taps_existing == NULL)
    {
      mu_run_fail (run, g_steal_pointer (&error));
      mu_run_begin_teardown (run);
      return;
    }
  names = mu_join_names (run->runner->taps);
  mu_progress ("asking microvm-helperd for taps (%s)", names);
  mu_helper_client_create_taps_async (run->helper, run->runner->taps, run->runner->tap_multi_queue,
                                      run->runner->tap_vnet_hdr, on_taps_created, run);
}

static void
start_taps (Run *run)
{
  if (run->runner->taps->len == 0)
    {
      mu_run_start_devices (run);
      return;
    }
  mu_helper_client_list_taps_async (run->helper, on_taps_listed, run);
}

static void
run_clear (Run *run)
{
  if (run->reconnect_source != 0)
    g_source_remove (run->reconnect_source);
  for (guint i = 0; i < G_N_ELEMENTS (run->signal_sources); i++)
    if (run->signal_sources[i] != 0)
      g_source_remove (run->signal_sources[i]);
  g_clear_pointer (&run->control, mu_control_server_free);
  g_clear_pointer (&run->shares, g_ptr_array_unref);
  g_clear_object (&run->hypervisor);
  g_clear_object (&run->shutdown_command);
  g_clear_pointer (&run->virtiofsd, mu_virtiofsd_free);
  g_clear_pointer (&run->taps_existing, g_ptr_array_unref);
  g_clear_pointer (&run->taps_created, g_ptr_array_unref);
  g_clear_pointer (&run->devices_held, g_ptr_array_unref);
  g_clear_pointer (&run->devices_bound, g_ptr_array_unref);
  /* Closing our bus connection ends the leases: anything the helper made
   * for this run and we could not delete is removed now. */
  g_clear_pointer (&run->helper, mu_helper_client_free);
  g_clear_pointer (&run->state, mu_vm_state_free);
  g_clear_pointer (&run->loop, g_main_loop_unref);
}

int
mu_run (MuRunner *runner, const char *name, const MuRunOptions *options, GError **error)
{
  Run run = { 0 };
  g_autofree char *control_path = NULL;
  g_autofree char *current = NULL;
  g_autofree char *current_link = NULL;
  int exit_code;

  run.runner = runner;
  run.options = options;
  run.phase = PHASE_STARTING;
  run.shares = g_ptr_array_new_with_free_func (mu_run_share_free);
  run.taps_created = g_ptr_array_new_with_free_func (g_free);
  run.devices_bound = g_ptr_array_new_with_free_func (g_free);
  mu_output_set_vm (name);

  if (!mu_run_preflight (&run, error))
    {
      run_clear (&run);
      return -1;
    }

  run.state = mu_vm_state_new (name);
  if (!mu_vm_state_prepare (run.state, error) || !mu_vm_state_lock (run.state, error))
    {
      run_clear (&run);
      return -1;
    }
  /* `current` keeps the path as given (a `result` symlink), so that after a
   * rebuild `list` can tell the running system is outdated. */
  current = g_canonicalize_filename (runner->given_path, NULL);
  current_link = g_build_filename (run.state->state_dir, "current", NULL);
  /* Started through `current` itself (the systemd unit does): keep it. */
  if (g_strcmp0 (current, current_link) != 0 &&
      !mu_vm_state_set_link (run.state, "current", current, error))
    {
      run_clear (&run);
      return -1;
    }
  control_path = mu_vm_state_control_path (run.state);
  run.control = mu_control_server_new (control_path, on_stop_request, &run, error);
  if (run.control == NULL)
    {
      run_clear (&run);
      return -1;
    }

  if (runner->taps->len > 0 || runner->pci_devices->len > 0)
    {
      run.helper = mu_helper_client_new (options->interactive, error);
      if (run.helper == NULL)
        {
          run_clear (&run);
          return -1;
        }
      mu_helper_client_set_closed_func (run.helper, on_bus_closed, &run);
    }

  run.loop = g_main_loop_new (NULL, FALSE);
  run.signal_sources[0] = g_unix_signal_add (SIGINT, on_signal_int, &run);
  run.signal_sources[1] = g_unix_signal_add (SIGTERM, on_signal_term, &run);
  run.signal_sources[2] = g_unix_signal_add (SIGHUP, on_signal_hup, &run);

  start_taps (&run);
  if (run.phase != PHASE_DONE)
    g_main_loop_run (run.loop);

  restore_terminal (&run);
  exit_code = run.exit_code;
  if (run.error != NULL)
    {
      g_propagate_error (error, run.error);
      exit_code = -1;
    }
  run_clear (&run);
  mu_output_set_vm (NULL);
  return exit_code;
}
