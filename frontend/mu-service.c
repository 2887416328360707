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
#include "mu-console.h"
#include "mu-error.h"
#include "mu-json-output.h"
#include "mu-output.h"
#include "mu-runner.h"
#include "mu-state.h"
#include "mu-tap-hold.h"
#include "mu-user-manager.h"
#include "mu-vm-info.h"

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

static gboolean opt_force;
static char *opt_flake;

static const GOptionEntry install_entries[] = {
  { "force", 'f', 0, G_OPTION_ARG_NONE, &opt_force, "Overwrite a VM of that name", NULL },
  { "flake", 0, 0, G_OPTION_ARG_STRING, &opt_flake,
    "The flake that declares it, for list to tell outdated (as microvm -f)", "REF" },
  { NULL },
};

int
mu_command_install (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("NAME RUNNER");
  g_autoptr (MuRunner) runner = NULL;
  g_autoptr (MuVmState) state = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *current = NULL;
  g_autofree char *previous = NULL;

  g_option_context_set_summary (
    context, "Record RUNNER (e.g. ~/vms/web/result) as the VM NAME, as `microvm -c` does:\n"
             "`microvm-user start NAME` then runs it, and a rebuild of RUNNER shows up in\n"
             "`microvm-user list` as \"stale\" while the old one runs. An existing NAME\n"
             "is not overwritten without --force (see `microvm-user update`).");
  g_option_context_add_main_entries (context, install_entries, NULL);
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
  previous = mu_vm_state_get_link (state, "current");
  /* The same runner again overwrites nothing (e.g. after a one-off run). */
  if (previous != NULL && !opt_force && strcmp (previous, current) != 0)
    {
      g_set_error (&error, MU_ERROR, MU_ERROR_USAGE,
                   "a VM named %s exists already (its runner is %s); point it at another runner "
                   "with `microvm-user update %s RUNNER`, remove it first with `microvm-user "
                   "remove %s`, or give --force",
                   argv[1], previous, argv[1], argv[1]);
      return mu_command_fail (error);
    }
  if (opt_flake != NULL && (opt_flake[0] == '\0' || strpbrk (opt_flake, "#\n") != NULL))
    {
      g_printerr ("microvm-user install: --flake=%s: give a flake reference without an "
                  "attribute (e.g. git+file:///home/me/vms); the VM's configuration is its "
                  "nixosConfigurations.NAME\n",
                  opt_flake);
      return 2;
    }
  if (!mu_vm_state_prepare (state, &error) ||
      !mu_vm_state_set_link (state, "current", current, &error))
    return mu_command_fail (error);
  {
    g_autofree char *flake = g_build_filename (state->state_dir, "flake", NULL);
    g_autofree char *text = opt_flake != NULL ? g_strconcat (opt_flake, "\n", NULL) : NULL;

    if (text == NULL)
      unlink (flake);
    else if (!g_file_set_contents_full (flake, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                        &error))
      return mu_command_fail (error);
  }
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
  int console_in;

  if (self == NULL)
    self = g_strdup ("microvm-user");
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_cwd (launcher, state->state_dir);
  unlink (log);
  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  /* The serial console's input: what `microvm-user console` types. */
  console_in = mu_console_input_open (state, &error);
  if (console_in < 0)
    return mu_command_fail (error);
  g_subprocess_launcher_take_stdin_fd (launcher, console_in);
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
              "Reach its console with: microvm-user console %s\n"
              "Stop it with: microvm-user stop %s\n",
              name, log, name, name);
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
mu_vm_start (const char *name)
{
  g_autoptr (MuVmState) state = mu_vm_state_new (name);
  g_autoptr (GError) error = NULL;
  g_autofree char *current = mu_vm_state_get_link (state, "current");

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
mu_command_start (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("NAME");
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
  return mu_vm_start (name);
}

static gboolean opt_status_json;

static const GOptionEntry status_entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_status_json, "Print JSON instead of text", NULL },
  { NULL },
};

int
mu_command_status (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("NAME");
  g_autoptr (MuVmState) state = NULL;
  g_autoptr (MuVmInfo) info = NULL;
  g_autofree char *unit = NULL;
  g_autofree char *unit_state = NULL;
  const char *name = NULL;
  int status;

  g_option_context_set_summary (
    context, "Show whether the VM NAME runs, since when, its taps, its current and booted\n"
             "runners and system state (as in list), and its systemd unit's state.\n"
             "Exits 0 when it runs, 3 when it does not, 4 when there is no such VM.");
  g_option_context_add_main_entries (context, status_entries, NULL);
  if (!mu_command_parse (context, &argc, &argv))
    return 2;
  status = take_name ("status", argc, argv, &name);
  if (status != 0)
    return status;
  state = mu_vm_state_new (name);
  info = mu_vm_info_new (name, TRUE);
  if (!info->installed && !info->running)
    {
      g_printerr ("microvm-user: there is no VM named %s (see `microvm-user list`)\n", name);
      return MU_EXIT_NO_SUCH_VM;
    }
  if (mu_user_manager_available ())
    {
      unit = mu_user_manager_unit (name);
      unit_state = mu_user_manager_state (name);
    }
  if (opt_status_json)
    {
      g_autoptr (JsonBuilder) json = json_builder_new ();

      json_builder_begin_object (json);
      mu_vm_info_add_json (info, json);
      mu_json_add_path (json, "directory", state->state_dir);
      mu_json_add_string (json, "unit", unit);
      mu_json_add_string (json, "unit_state", unit_state);
      json_builder_end_object (json);
      mu_json_print (json);
    }
  else
    {
      const char *system = mu_vm_info_system_state (info);
      g_autofree char *uptime = mu_vm_info_format_uptime (info);
      g_autofree char *taps = NULL;

      /* Space-separated, as status always printed them. */
      g_ptr_array_add (info->taps, NULL);
      taps = info->taps->len > 1 ? g_strjoinv (" ", (char **) info->taps->pdata) : g_strdup ("-");
      g_ptr_array_set_size (info->taps, info->taps->len - 1);

      printf ("%-10s%s\n", "name:", name);
      printf ("%-10s%s\n", "state:", info->running ? "running" : "stopped");
      printf ("%-10s%s\n", "uptime:", uptime);
      printf ("%-10s%s\n", "system:", system != NULL ? system : "-");
      printf ("%-10s%s\n", "current:", info->current != NULL ? info->current : "-");
      printf ("%-10s%s\n", "booted:", info->booted != NULL ? info->booted : "-");
      printf ("%-10s%s\n", "taps:", taps);
      printf ("%-10s%s\n", "directory:", state->state_dir);
      if (unit != NULL)
        printf ("%-10s%s (%s)\n", "unit:", unit, unit_state);
      else
        printf ("%-10s%s\n", "unit:", "no systemd user manager here");
    }
  return info->running ? 0 : MU_EXIT_NOT_RUNNING;
}
