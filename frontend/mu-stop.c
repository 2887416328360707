/* `microvm-user stop NAME`: stop a VM that runs in another terminal,
 * through its stop channel, and wait until it is gone. */
#include <stdio.h>

#include "mu-commands.h"
#include "mu-control.h"
#include "mu-error.h"
#include "mu-output.h"
#include "mu-runner.h"
#include "mu-state.h"
#include "mu-user-manager.h"

static int opt_timeout = 120;

static const GOptionEntry entries[] = {
  { "timeout", 't', 0, G_OPTION_ARG_INT, &opt_timeout,
    "Seconds to wait for the VM to be gone (default 120)", "SECONDS" },
  { NULL },
};

gboolean
mu_vm_stop (const char *name, guint timeout_s, GError **error)
{
  g_autoptr (MuVmState) state = NULL;
  g_autofree char *control = NULL;

  if (!mu_vm_is_running (name))
    {
      g_set_error (error, MU_ERROR, MU_ERROR_RUNNING,
                   "the VM %s is not running (see `microvm-user list`)", name);
      return FALSE;
    }

  state = mu_vm_state_new (name);
  control = mu_vm_state_control_path (state);
  mu_output_set_vm (name);
  /* Started as a unit: stop the unit, or systemd would count it failed. */
  if (mu_user_manager_available ())
    {
      g_autofree char *unit_state = mu_user_manager_state (name);
      if (g_strcmp0 (unit_state, "active") == 0 || g_strcmp0 (unit_state, "activating") == 0)
        {
          g_autofree char *unit = mu_user_manager_unit (name);
          mu_progress ("stopping %s", unit);
          if (!mu_user_manager_call ("stop", name, error))
            return FALSE;
          mu_progress ("stopped");
          return TRUE;
        }
    }
  mu_progress ("stopping");
  if (!mu_control_request_stop (control, timeout_s, error))
    return FALSE;
  mu_progress ("stopped");
  return TRUE;
}

int
mu_command_stop (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("NAME");
  g_autoptr (GError) error = NULL;
  const char *name;

  g_option_context_set_summary (
    context, "Stop the VM NAME, running in another terminal or in the background: it is\n"
             "powered off gracefully (bin/microvm-shutdown), then its taps are removed.\n"
             "Returns once it is gone.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!mu_command_parse (context, &argc, &argv))
    return 2;
  if (argc != 2 || opt_timeout <= 0)
    {
      g_printerr ("microvm-user stop: give one VM name (see `microvm-user list`) and a positive "
                  "--timeout\n");
      return 2;
    }
  name = argv[1];
  if (!mu_vm_name_validate (name, &error) || !mu_vm_stop (name, (guint) opt_timeout, &error))
    return mu_command_fail (error);
  return 0;
}
