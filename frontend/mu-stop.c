/* `microvm-user stop NAME`: stop a VM that runs in another terminal,
 * through its stop channel, and wait until it is gone. */
#include <stdio.h>

#include "mu-commands.h"
#include "mu-output.h"
#include "mu-runner.h"
#include "mu-vm-actions.h"

static int opt_timeout = 120;

static const GOptionEntry entries[] = {
  { "timeout", 't', 0, G_OPTION_ARG_INT, &opt_timeout,
    "Seconds to wait for the VM to be gone (default 120)", "SECONDS" },
  { NULL },
};

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
  if (!mu_vm_name_validate (name, &error))
    return mu_command_fail (error);
  mu_output_set_vm (name);
  mu_progress ("stopping");
  if (!mu_vm_stop (name, (guint) opt_timeout, &error))
    return mu_command_fail (error);
  mu_progress ("stopped");
  return 0;
}
