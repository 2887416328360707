/* `microvm-user install|start|status NAME`: VMs kept like the systemd host
 * module keeps them (`microvm -c`): a `current` symlink in the VM's state
 * directory names the runner.  Through the systemd user manager when one
 * runs (microvm@NAME.service); otherwise `start` runs the VM in the
 * background itself, with its console in the state directory. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mu-commands.h"
#include "mu-console.h"
#include "mu-error.h"
#include "mu-json-output.h"
#include "mu-output.h"
#include "mu-runner.h"
#include "mu-state.h"
#include "mu-tap-hold.h"
#include "mu-user-manager.h"
#include "mu-vm-actions.h"
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
  g_autoptr (GError) error = NULL;
  g_autofree char *current = NULL;

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
  if (opt_flake != NULL && (opt_flake[0] == '\0' || strpbrk (opt_flake, "#\n") != NULL))
    {
      g_printerr ("microvm-user install: --flake=%s: give a flake reference without an "
                  "attribute (e.g. git+file:///home/me/vms); the VM's configuration is its "
                  "nixosConfigurations.NAME\n",
                  opt_flake);
      return 2;
    }
  if (!mu_vm_install (argv[1], argv[2], opt_force, &current, &error))
    return mu_command_fail (error);
  {
    g_autoptr (MuVmState) state = mu_vm_state_new (argv[1]);
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

int
mu_command_start_vm (const char *name)
{
  MuVmStartedAs started_as;
  g_autoptr (GError) error = NULL;
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);

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
              "Reach its console with: microvm-user console %s\n"
              "Stop it with: microvm-user stop %s\n",
              name, log, name, name);
    }
  return 0;
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
  return mu_command_start_vm (name);
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
