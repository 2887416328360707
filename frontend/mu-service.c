/* `microvm-user install|start|status NAME`: VMs kept like the systemd host
 * module keeps them (`microvm -c`): a `current` symlink in the VM's state
 * directory names the runner.  Through the systemd user manager when one
 * runs (microvm@NAME.service); otherwise `start` runs the VM in the
 * background itself, with its console in the state directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mu-child.h"
#include "mu-commands.h"
#include "mu-error.h"
#include "mu-output.h"
#include "mu-runner.h"
#include "mu-state.h"
#include "mu-tap-hold.h"
#include "mu-user-manager.h"

/* The one NAME argument of start and status: 0 with @name set, else the
 * exit status, the reason said. */
static int
take_name (const char *command, int argc, char **argv, const char **name)
{
  g_autoptr (GError) error = NULL;

  if (argc != 2)
    {
      g_printerr ("microvm-user %s: give one VM name; see --help\n", command);
      return 2;
    }
  if (!mu_vm_name_validate (argv[1], &error))
    return mu_command_fail (error);
  *name = argv[1];
  return 0;
}

static void
detach (gpointer data)
{
  setsid ();
}

static void
print_autostart_hint (const char *name)
{
  g_autofree char *unit = mu_user_manager_unit (name);

  printf ("To start it at login:    systemctl --user enable %s\n"
          "To start it at boot too: loginctl enable-linger $USER\n",
          unit);
}

int
mu_command_install (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("NAME RUNNER");
  g_autoptr (MuRunner) runner = NULL;
  g_autoptr (MuVmState) state = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *current = NULL;

  g_option_context_set_summary (
    context, "Record RUNNER (e.g. ~/vms/web/result) as the VM NAME, as `microvm -c` does:\n"
             "`microvm-user start NAME` then runs it, and a rebuild of RUNNER shows up in\n"
             "`microvm-user list` as \"outdated\" while the old one runs.");
  if (!mu_command_parse (context, &argc, &argv))
    return 2;
  if (argc != 3)
    {
      g_printerr ("microvm-user install: give a VM name and a runner; see --help\n");
      return 2;
    }
  if (!mu_vm_name_validate (argv[1], &error))
    return mu_command_fail (error);
  /* Checked now, so a broken runner is reported at install, not at boot. */
  runner = mu_runner_load (argv[2], &error);
  if (runner == NULL)
    return mu_command_fail (error);

  state = mu_vm_state_new (argv[1]);
  current = g_canonicalize_filename (argv[2], NULL);
  if (!mu_vm_state_prepare (state, &error) ||
      !mu_vm_state_set_link (state, "current", current, &error))
    return mu_command_fail (error);
  printf ("Installed %s: %s\n", argv[1], current);
  printf ("Start it with: microvm-user start %s\n", argv[1]);
  print_autostart_hint (argv[1]);
  return 0;
}

static void
on_background_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gboolean *exited = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *exited = TRUE;
}

/* Without a user manager: `microvm-user run` detached from this terminal,
 * console and messages in STATE/console.log; returns once the hypervisor
 * started (the `booted` link appeared) or the run failed. */
static int
start_in_background (MuVmState *state, const char *name)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *current = g_build_filename (state->state_dir, "current", NULL);
  g_autofree char *log = g_build_filename (state->state_dir, "console.log", NULL);
  g_autofree char *booted = g_build_filename (state->state_dir, "booted", NULL);
  const char *argv[] = {
    self, "run", "--no-ask-password", "--quiet", "--name", name, current, NULL
  };
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) run = NULL;
  g_autoptr (GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  gboolean exited = FALSE;

  if (self == NULL)
    self = g_strdup ("microvm-user");
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_cwd (launcher, state->state_dir);
  unlink (log);
  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  /* Its own session: it must outlive this command and this terminal. */
  g_subprocess_launcher_set_child_setup (launcher, detach, NULL, NULL);
  run = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (run == NULL)
    return mu_command_fail (error);

  g_subprocess_wait_async (run, NULL, on_background_exited, &exited);
  while (!g_file_test (booted, G_FILE_TEST_IS_SYMLINK) || !mu_vm_is_running (name))
    {
      if (exited || g_get_monotonic_time () > deadline)
        break;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (20 * 1000);
    }
  if (g_file_test (booted, G_FILE_TEST_IS_SYMLINK) && mu_vm_is_running (name))
    {
      printf ("Started %s in the background; its console is in %s\n"
              "Stop it with: microvm-user stop %s\n",
              name, log, name);
      return 0;
    }
  {
    g_autofree char *said = NULL;
    g_file_get_contents (log, &said, NULL, NULL);
    g_printerr ("microvm-user: %s did not start; it said:\n%s", name, said != NULL ? said : "");
  }
  return 1;
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
 * started, or says why the unit ended, from its journal. */
static int
wait_for_unit (MuVmState *state, const char *name)
{
  g_autofree char *unit = mu_user_manager_unit (name);
  g_autofree char *invocation = mu_user_manager_property (name, "InvocationID");
  g_autofree char *booted = g_build_filename (state->state_dir, "booted", NULL);
  g_autofree char *said = NULL;
  g_autofree char *unit_state = NULL;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (unit_is_starting (name) && g_get_monotonic_time () < deadline)
    {
      if (g_file_test (booted, G_FILE_TEST_IS_SYMLINK) && mu_vm_is_running (name))
        {
          printf ("Started %s as %s\n", name, unit);
          print_autostart_hint (name);
          return 0;
        }
      g_usleep (50 * 1000);
    }
  unit_state = mu_user_manager_state (name);
  if (unit_is_starting (name))
    {
      printf ("Started %s as %s; its hypervisor has not started within 60 s: see `microvm-user "
              "logs %s`\n",
              name, unit, name);
      return 0;
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
  g_printerr ("microvm-user: %s did not start (%s is %s); it said:\n%s", name, unit, unit_state,
              said != NULL && *said != '\0' ? said : "(nothing in your journal)\n");
  return 1;
}

int
mu_command_start (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("NAME");
  g_autoptr (MuVmState) state = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *current = NULL;
  const char *name = NULL;
  int status;

  g_option_context_set_summary (
    context, "Start the VM NAME (recorded with `microvm-user install`) in the background:\n"
             "as microvm@NAME.service when a systemd user manager runs, else detached from\n"
             "this terminal with its console in $XDG_STATE_HOME/microvm/NAME/console.log.\n"
             "No password prompt is possible in the background: if polkit wants one, start\n"
             "it with `microvm-user run` in a terminal, or ask for a polkit rule.");
  if (!mu_command_parse (context, &argc, &argv))
    return 2;
  status = take_name ("start", argc, argv, &name);
  if (status != 0)
    return status;
  state = mu_vm_state_new (name);
  current = mu_vm_state_get_link (state, "current");
  if (current == NULL)
    {
      g_set_error (&error, MU_ERROR, MU_ERROR_USAGE,
                   "no VM named %s is installed; record its runner first with `microvm-user "
                   "install %s RUNNER`",
                   name, name);
      return mu_command_fail (error);
    }
  if (mu_vm_is_running (name))
    {
      g_set_error (&error, MU_ERROR, MU_ERROR_RUNNING, "the VM %s is already running", name);
      return mu_command_fail (error);
    }
  /* The run checks again, under the lock; checked here too, so that a
   * refusal is said here and not only in the journal of a unit that
   * systemctl reported started.  A runner that does not load is the run's
   * to report. */
  {
    g_autoptr (MuRunner) runner = mu_runner_load (current, NULL);

    if (runner != NULL && !mu_tap_hold_check (name, runner->taps, &error))
      return mu_command_fail (error);
  }
  if (mu_user_manager_available ())
    {
      if (!mu_user_manager_call ("start", name, &error))
        return mu_command_fail (error);
      return wait_for_unit (state, name);
    }
  return start_in_background (state, name);
}

int
mu_command_status (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("NAME");
  g_autoptr (MuVmState) state = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *current = NULL;
  g_autofree char *booted = NULL;
  g_autoptr (GPtrArray) taps = NULL;
  gboolean running;
  const char *name = NULL;
  int status;

  g_option_context_set_summary (context, "Show whether the VM NAME runs, which runner it uses, "
                                         "and its systemd unit's state.");
  if (!mu_command_parse (context, &argc, &argv))
    return 2;
  status = take_name ("status", argc, argv, &name);
  if (status != 0)
    return status;
  state = mu_vm_state_new (name);
  current = mu_vm_state_get_link (state, "current");
  if (current == NULL && !g_file_test (state->state_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (&error, MU_ERROR, MU_ERROR_USAGE,
                   "there is no VM named %s (see `microvm-user "
                   "list`)",
                   name);
      return mu_command_fail (error);
    }
  running = mu_vm_is_running (name);
  booted = running ? mu_vm_state_get_link (state, "booted") : NULL;
  taps = mu_tap_hold_list (name);
  g_ptr_array_add (taps, NULL);
  printf ("%-10s%s\n", "name:", name);
  printf ("%-10s%s\n", "state:", running ? "running" : "stopped");
  printf ("%-10s%s\n", "current:", current != NULL ? current : "-");
  printf ("%-10s%s\n", "booted:", booted != NULL ? booted : "-");
  if (taps->len > 1)
    {
      g_autofree char *names = g_strjoinv (" ", (char **) taps->pdata);
      printf ("%-10s%s\n", "taps:", names);
    }
  else
    printf ("%-10s%s\n", "taps:", "-");
  printf ("%-10s%s\n", "directory:", state->state_dir);
  if (mu_user_manager_available ())
    {
      g_autofree char *unit = mu_user_manager_unit (name);
      g_autofree char *unit_state = mu_user_manager_state (name);
      printf ("%-10s%s (%s)\n", "unit:", unit, unit_state);
    }
  else
    printf ("%-10s%s\n", "unit:", "no systemd user manager here");
  return running ? 0 : 3;
}
