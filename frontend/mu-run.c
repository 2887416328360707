/* The sequencer of `microvm-user run`: the life of one VM, top to bottom.
 *
 *   prepare    checks (mu-preflight.c); the VM's name and taps claimed
 *              (mu-tap-hold.c); the stop channel; the helper connection
 *   start      the phases of start_phases[] in order, each in its own file
 *              and reporting back to on_phase_done(), which starts the next
 *   run        until the hypervisor exits or a stop is asked for
 *   stop       the hypervisor asked to power off, then made to
 *   teardown   every phase gives back what it holds, all at once
 *
 * A phase never calls another phase, nor decides what its failure means:
 * every failure reaches run_fail(), which keeps the first error for the
 * exit message and abandons the start or stops the VM. */
#include <glib-unix.h>
#include <signal.h>
#include <string.h>

#include "mu-child.h"
#include "mu-control.h"
#include "mu-error.h"
#include "mu-helper-client.h"
#include "mu-output.h"
#include "mu-preflight.h"
#include "mu-run-devices.h"
#include "mu-run-hypervisor.h"
#include "mu-run-shares.h"
#include "mu-run-taps.h"
#include "mu-tap-hold.h"

typedef enum {
  STEP_STARTING,
  STEP_RUNNING,
  STEP_STOPPING,
  STEP_TEARDOWN,
  STEP_DONE,
} Step;

typedef struct {
  MuRunner *runner;
  const MuRunOptions *options;
  MuVmState *state;
  gboolean claimed; /* the taps' record is ours to drop */
  GMainLoop *loop;
  Step step;
  guint next_phase;

  MuHelperClient *helper;
  gboolean bus_lost; /* the helper's connection closed under us */
  MuControlServer *control;
  guint signal_sources[3];

  MuRunTaps *taps;
  MuRunDevices *devices;
  MuRunShares *shares;
  MuRunHypervisor *hypervisor;

  MuRunCountdown teardown; /* phases still giving back what they hold */
  int exit_code;
  GError *error;
} Run;

void
mu_run_options_init (MuRunOptions *options)
{
  memset (options, 0, sizeof *options);
  options->interactive = TRUE;
  options->shutdown_timeout_s = 60;
  options->kill_timeout_s = 10;
  options->socket_timeout_s = 30;
}

static void request_stop (Run *run, const char *why);
static void begin_teardown (Run *run);

/* ------------------------------------------------------------------ */
/* Failure: the one path */

/* Keeps the first error (it becomes the frontend's message and status),
 * then gets the run out.  A phase that fails to start (@why NULL) ends
 * the start quietly: its error says it all.  A failure that can come
 * while the VM runs gives @why, and is a stop request: it says why, then
 * abandons the start or powers the VM off, as the step requires. */
static void
run_fail (Run *run, GError *error, const char *why)
{
  if (run->error == NULL)
    run->error = error;
  else
    g_error_free (error);
  if (run->exit_code == 0)
    run->exit_code = 1;
  if (why != NULL)
    request_stop (run, why);
  else
    begin_teardown (run);
}

/* ------------------------------------------------------------------ */
/* Start: the phases, in order */

static void on_phase_done (GError *error, gpointer user_data);

static void
on_shares_failed (GError *error, gpointer user_data)
{
  run_fail (user_data, error, "virtiofsd failed");
}

static void
on_hypervisor_exited (int wait_status, gpointer user_data)
{
  Run *run = user_data;
  g_autofree char *how = mu_child_describe_status (wait_status);

  run->exit_code = mu_child_exit_code (wait_status);
  if (run->step == STEP_STOPPING)
    mu_progress ("the hypervisor %s", how);
  else
    mu_progress ("the VM ended on its own: the hypervisor %s; cleaning up", how);
  begin_teardown (run);
}

static void
start_taps (Run *run)
{
  mu_run_taps_start (run->taps, on_phase_done, run);
}

static void
start_devices (Run *run)
{
  mu_run_devices_start (run->devices, on_phase_done, run);
}

static void
start_shares (Run *run)
{
  mu_run_shares_start (run->shares, on_phase_done, on_shares_failed, run);
}

static void
start_hypervisor (Run *run)
{
  GError *error = NULL;

  mu_run_hypervisor_start (run->hypervisor, on_hypervisor_exited, run, &error);
  on_phase_done (error, run);
}

static void (*const start_phases[]) (Run *run) = {
  start_taps,       /* one CreateTaps, leased to our connection */
  start_devices,    /* each PCI device to vfio-pci, then the memlock limit */
  start_shares,     /* one virtiofsd per share, until every socket listens */
  start_hypervisor, /* bin/microvm-run with the terminal attached */
};

static void
on_phase_done (GError *error, gpointer user_data)
{
  Run *run = user_data;

  if (run->step != STEP_STARTING)
    {
      g_clear_error (&error); /* abandoned meanwhile */
      return;
    }
  if (error != NULL)
    {
      run_fail (run, error, NULL);
      return;
    }
  if (run->next_phase == G_N_ELEMENTS (start_phases))
    {
      run->step = STEP_RUNNING;
      return;
    }
  start_phases[run->next_phase++](run);
}

/* ------------------------------------------------------------------ */
/* Stop */

static void
request_stop (Run *run, const char *why)
{
  switch (run->step)
    {
    case STEP_STARTING:
      mu_progress ("%s: abandoning the start", why);
      begin_teardown (run);
      break;
    case STEP_RUNNING:
      run->step = STEP_STOPPING;
      mu_run_shares_expect_exits (run->shares);
      mu_run_hypervisor_stop (run->hypervisor, why);
      break;
    case STEP_STOPPING:
      /* Asked again (a second Ctrl-C): the next step at once. */
      mu_run_hypervisor_stop (run->hypervisor, why);
      break;
    case STEP_TEARDOWN:
    case STEP_DONE:
    default:
      break;
    }
}

static gboolean
on_signal_int (gpointer user_data)
{
  request_stop (user_data, "interrupted");
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal_term (gpointer user_data)
{
  request_stop (user_data, "terminated");
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal_hup (gpointer user_data)
{
  request_stop (user_data, "the terminal went away");
  return G_SOURCE_CONTINUE;
}

static void
on_stop_request (gpointer user_data)
{
  request_stop (user_data, "microvm-user stop");
}

static void
on_bus_closed (gpointer user_data)
{
  Run *run = user_data;

  mu_warning ("the connection to the system bus was lost (was the bus restarted?); this VM's "
              "taps were leased to that connection, so the VM is stopped now");
  run->bus_lost = TRUE;
  request_stop (run, "lost the system bus");
}

/* ------------------------------------------------------------------ */
/* Teardown: the hypervisor has exited (or never started) */

static void
on_teardown_done (GError *error, gpointer user_data)
{
  Run *run = user_data;

  mu_vm_state_remove_link (run->state, "booted");
  run->step = STEP_DONE;
  g_main_loop_quit (run->loop);
}

static void
on_phase_released (GError *error, gpointer user_data)
{
  Run *run = user_data;

  g_clear_error (&error);
  mu_run_countdown_step_done (&run->teardown);
}

/* The taps go by closing the run's connection, so only after the
 * devices, which are given back through it. */
static void
on_devices_released (GError *error, gpointer user_data)
{
  Run *run = user_data;

  g_clear_error (&error);
  mu_run_taps_release (run->taps, FALSE, on_phase_released, run);
}

static void
begin_teardown (Run *run)
{
  if (run->step == STEP_TEARDOWN || run->step == STEP_DONE)
    return;
  run->step = STEP_TEARDOWN;
  mu_run_countdown_begin (&run->teardown, on_teardown_done, run);

  mu_run_countdown_add (&run->teardown);
  mu_run_shares_stop (run->shares, on_phase_released, run);
  mu_run_countdown_add (&run->teardown);
  /* Not over a lost bus: a new helper gives the devices back itself. */
  if (!run->bus_lost)
    mu_run_devices_release (run->devices, on_devices_released, run);
  else
    mu_run_taps_release (run->taps, TRUE, on_phase_released, run);
  mu_run_countdown_step_done (&run->teardown);
}

/* ------------------------------------------------------------------ */
/* Prepare, and the whole run */

static gboolean
prepare (Run *run, const char *name, GError **error)
{
  MuRunner *runner = run->runner;
  MuVirtiofsd *virtiofsd = NULL;
  g_autofree char *control_path = NULL;
  g_autofree char *current = NULL;
  g_autofree char *current_link = NULL;

  if (!mu_run_preflight (runner, run->options, &virtiofsd, error))
    return FALSE;

  run->state = mu_vm_state_new (name);
  run->shares =
    mu_run_shares_new (runner, run->state->state_dir, virtiofsd, run->options->socket_timeout_s);
  run->hypervisor = mu_run_hypervisor_new (runner, run->state, run->options);
  /* A macvtap is held like a tap: two runs must not share one. */
  {
    g_autoptr (GPtrArray) held = g_ptr_array_new ();

    for (guint i = 0; i < runner->taps->len; i++)
      g_ptr_array_add (held, runner->taps->pdata[i]);
    for (guint i = 0; i < runner->macvtaps->len; i++)
      g_ptr_array_add (held, ((MuMacvtap *) runner->macvtaps->pdata[i])->id);
    if (!mu_tap_hold_claim (run->state, held, error))
      return FALSE;
  }
  run->claimed = TRUE;
  /* `current` keeps the path as given (a `result` symlink), so that after a
   * rebuild `list` can tell the running system is outdated. */
  current = g_canonicalize_filename (runner->given_path, NULL);
  current_link = g_build_filename (run->state->state_dir, "current", NULL);
  /* Started through `current` itself (the systemd unit does): keep it. */
  if (g_strcmp0 (current, current_link) != 0 &&
      !mu_vm_state_set_link (run->state, "current", current, error))
    return FALSE;
  control_path = mu_vm_state_control_path (run->state);
  run->control = mu_control_server_new (control_path, on_stop_request, run, error);
  if (run->control == NULL)
    return FALSE;

  if (runner->taps->len > 0 || runner->macvtaps->len > 0 || runner->pci_devices->len > 0)
    {
      run->helper = mu_helper_client_new (run->options->interactive, error);
      if (run->helper == NULL)
        return FALSE;
      mu_helper_client_set_closed_func (run->helper, on_bus_closed, run);
    }
  run->taps =
    mu_run_taps_new (runner, run->helper, run->options->bridge, run->options->bridge_origin);
  run->devices = mu_run_devices_new (runner, run->helper, run->options->memlock);
  return TRUE;
}

static void
run_clear (Run *run)
{
  for (guint i = 0; i < G_N_ELEMENTS (run->signal_sources); i++)
    if (run->signal_sources[i] != 0)
      g_source_remove (run->signal_sources[i]);
  g_clear_pointer (&run->control, mu_control_server_free);
  g_clear_pointer (&run->hypervisor, mu_run_hypervisor_free);
  g_clear_pointer (&run->shares, mu_run_shares_free);
  g_clear_pointer (&run->devices, mu_run_devices_free);
  g_clear_pointer (&run->taps, mu_run_taps_free);
  /* Closing our bus connection ends the leases: anything the helper made
   * for this run and we could not delete is removed now. */
  g_clear_pointer (&run->helper, mu_helper_client_free);
  if (run->claimed)
    mu_tap_hold_release (run->state);
  /* Releases the run lock, last. */
  g_clear_pointer (&run->state, mu_vm_state_free);
  g_clear_pointer (&run->loop, g_main_loop_unref);
}

int
mu_run (MuRunner *runner, const char *name, const MuRunOptions *options, GError **error)
{
  Run run = { 0 };
  int exit_code;

  run.runner = runner;
  run.options = options;
  run.step = STEP_STARTING;
  mu_output_set_vm (name);

  if (!prepare (&run, name, error))
    {
      run_clear (&run);
      mu_output_set_vm (NULL);
      return -1;
    }
  run.loop = g_main_loop_new (NULL, FALSE);
  run.signal_sources[0] = g_unix_signal_add (SIGINT, on_signal_int, &run);
  run.signal_sources[1] = g_unix_signal_add (SIGTERM, on_signal_term, &run);
  run.signal_sources[2] = g_unix_signal_add (SIGHUP, on_signal_hup, &run);

  on_phase_done (NULL, &run); /* starts the first phase */
  if (run.step != STEP_DONE)
    g_main_loop_run (run.loop);

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
