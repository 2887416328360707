/* `microvm-user install|start|status NAME`: VMs kept like the systemd host
 * module keeps them (`microvm -c`): a `current` symlink in the VM's state
 * directory names the runner.  Through the systemd user manager when one
 * runs (microvm@NAME.service); otherwise `start` runs the VM in the
 * background itself, with its console in the state directory. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mu-commands.h"
#include "mu-error.h"
#include "mu-output.h"
#include "mu-runner.h"
#include "mu-state.h"
#include "mu-tap-hold.h"
#include "mu-user-manager.h"
#include "mu-vm-actions.h"

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
  if (!mu_vm_install (argv[1], argv[2], &current, &error))
    return mu_command_fail (error);
  printf ("Installed %s: %s\n", argv[1], current);
  printf ("Start it with: microvm-user start %s\n", argv[1]);
  print_autostart_hint (argv[1]);
  return 0;
}

int
mu_command_start (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("NAME");
  g_autoptr (GError) error = NULL;
  g_autofree char *self = NULL;
  MuVmStartedAs started_as;
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
  self = g_file_read_link ("/proc/self/exe", NULL);
  if (!mu_vm_start (name, self != NULL ? self : "microvm-user", FALSE, &started_as, &error))
    return mu_command_fail (error);
  if (started_as == MU_VM_STARTED_AS_UNIT)
    {
      g_autofree char *unit = mu_user_manager_unit (name);
      printf ("Started %s as %s\n", name, unit);
      print_autostart_hint (name);
    }
  else if (started_as == MU_VM_STARTED_AS_UNIT_SLOWLY)
    {
      g_autofree char *unit = mu_user_manager_unit (name);
      printf ("Started %s as %s; its hypervisor has not started within 60 s: see `microvm-user "
              "logs %s`\n",
              name, unit, name);
    }
  else
    {
      g_autofree char *log = mu_vm_console_log_path (name);
      printf ("Started %s in the background; its console is in %s\n"
              "Stop it with: microvm-user stop %s\n",
              name, log, name);
    }
  return 0;
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
