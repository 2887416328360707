/* `microvm-user logs NAME`: the console and messages of a VM started in
 * the background.  Under a systemd user manager they are in the user's
 * journal (microvm@NAME.service); a VM `start` ran itself has them in
 * $XDG_STATE_HOME/microvm/NAME/console.log. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "mh-error.h"
#include "mu-commands.h"
#include "mu-error.h"
#include "mu-runner.h"
#include "mu-state.h"
#include "mu-user-manager.h"

static gboolean opt_follow;

static const GOptionEntry logs_entries[] = {
  { "follow", 'f', 0, G_OPTION_ARG_NONE, &opt_follow, "Keep printing new lines as they come",
    NULL },
  { NULL },
};

/* Replaces this process with @argv (journalctl or tail own the terminal,
 * pager and follow mode); returns only on failure. */
static int
exec_viewer (const char *const *argv)
{
  g_autoptr (GError) error = NULL;

  fflush (stdout);
  execvp (argv[0], (char *const *) argv);
  mh_set_errno_error (&error, errno, "run %s", argv[0]);
  return mu_command_fail (error);
}

int
mu_command_logs (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("NAME");
  g_autoptr (MuVmState) state = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *console = NULL;
  g_autofree char *unit = NULL;

  g_option_context_set_summary (
    context, "Show the console and messages of the VM NAME started in the background: from\n"
             "your journal (microvm@NAME.service) when a systemd user manager runs, else\n"
             "from $XDG_STATE_HOME/microvm/NAME/console.log.");
  g_option_context_add_main_entries (context, logs_entries, NULL);
  if (!mu_command_parse (context, &argc, &argv))
    return 2;
  if (argc != 2)
    {
      g_printerr ("microvm-user logs: give one VM name; see --help\n");
      return 2;
    }
  if (!mu_vm_name_validate (argv[1], &error))
    return mu_command_fail (error);
  state = mu_vm_state_new (argv[1]);
  if (!g_file_test (state->state_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (&error, MU_ERROR, MU_ERROR_USAGE,
                   "there is no VM named %s (see `microvm-user list`)", argv[1]);
      return mu_command_fail (error);
    }
  if (mu_user_manager_available ())
    {
      unit = mu_user_manager_unit (argv[1]);
      return exec_viewer ((const char *const[]){ "journalctl", "--user", "--no-pager", "--unit",
                                                 unit, opt_follow ? "--follow" : NULL, NULL });
    }
  console = g_build_filename (state->state_dir, "console.log", NULL);
  if (!g_file_test (console, G_FILE_TEST_EXISTS))
    {
      g_set_error (&error, MU_ERROR, MU_ERROR_USAGE,
                   "%s has no log: no systemd user manager runs here, and %s does not exist "
                   "(`microvm-user start %s` writes it; `microvm-user run` prints to its terminal)",
                   argv[1], console, argv[1]);
      return mu_command_fail (error);
    }
  if (opt_follow)
    return exec_viewer ((const char *const[]){ "tail", "-n", "+1", "-F", console, NULL });
  return exec_viewer ((const char *const[]){ "cat", console, NULL });
}
