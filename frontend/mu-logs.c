/* `microvm-user logs NAME [-f]`: what a VM started in the background said
 * on its serial console: the journal of microvm@NAME.service when a
 * systemd user manager ran it, else the console.log `start` wrote. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mu-commands.h"
#include "mu-error.h"
#include "mu-runner.h"
#include "mu-state.h"
#include "mu-user-manager.h"

static gboolean opt_follow;

static const GOptionEntry entries[] = {
  { "follow", 'f', 0, G_OPTION_ARG_NONE, &opt_follow, "Keep printing what the VM says", NULL },
  { NULL },
};

/* Replaces this process with @argv; returns only on failure. */
static int
exec_tool (const char *const *argv)
{
  g_autoptr (GError) error = NULL;

  fflush (stdout);
  execvp (argv[0], (char *const *) argv);
  g_set_error (&error, MU_ERROR, MU_ERROR_ENVIRONMENT, "cannot run %s: %s", argv[0],
               g_strerror (errno));
  return mu_command_fail (error);
}

int
mu_command_logs (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("NAME");
  g_autoptr (MuVmState) state = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *log = NULL;
  gboolean have_log;
  const char *name;

  g_option_context_set_summary (
    context, "Show what the VM NAME, started in the background, said on its serial console:\n"
             "the journal of microvm@NAME.service under a systemd user manager, else\n"
             "$XDG_STATE_HOME/microvm/NAME/console.log. A VM run in a terminal wrote to\n"
             "that terminal.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!mu_command_parse (context, &argc, &argv))
    return 2;
  if (argc != 2)
    {
      g_printerr ("microvm-user logs: give one VM name (see `microvm-user list`)\n");
      return 2;
    }
  name = argv[1];
  if (!mu_vm_name_validate (name, &error))
    return mu_command_fail (error);
  state = mu_vm_state_new (name);
  if (!g_file_test (state->state_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (&error, MU_ERROR, MU_ERROR_USAGE,
                   "there is no VM named %s (see `microvm-user list`)", name);
      return mu_command_fail (error);
    }
  log = g_build_filename (state->state_dir, "console.log", NULL);
  have_log = g_file_test (log, G_FILE_TEST_IS_REGULAR);

  if (mu_user_manager_available ())
    {
      g_autofree char *unit_state = mu_user_manager_state (name);
      /* console.log is from a start without the user manager; the unit's
       * journal wins unless the unit never ran. */
      if (!have_log || g_strcmp0 (unit_state, "inactive") != 0)
        {
          g_autofree char *unit = mu_user_manager_unit (name);
          const char *journal[] = { "journalctl",
                                    "--user",
                                    "--unit",
                                    unit,
                                    "--output",
                                    "cat",
                                    opt_follow ? "--follow" : "--no-pager",
                                    NULL };
          return exec_tool (journal);
        }
    }
  if (!have_log)
    {
      g_set_error (&error, MU_ERROR, MU_ERROR_USAGE,
                   "%s has no log: it was never started in the background (`microvm-user start "
                   "%s`); a VM run in a terminal wrote to that terminal",
                   name, name);
      return mu_command_fail (error);
    }
  if (opt_follow)
    {
      const char *tail[] = { "tail", "--lines=+1", "--follow=name", "--retry", log, NULL };
      return exec_tool (tail);
    }
  {
    const char *cat[] = { "cat", "--", log, NULL };
    return exec_tool (cat);
  }
}
