/* What every subcommand shares: option parsing with --quiet, and the one
 * way a command reports its failure. */
#include "mu-commands.h"

#include "mu-output.h"

int
mu_command_fail (const GError *error)
{
  g_printerr ("microvm-user: %s\n", error->message);
  return 1;
}

gboolean
mu_command_parse (GOptionContext *context, int *argc, char ***argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *prgname = g_strdup_printf ("microvm-user %s", (*argv)[0]);
  static gboolean quiet;
  static const GOptionEntry common[] = {
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print no progress lines, only errors", NULL },
    { NULL },
  };

  /* --help then reads "Usage: microvm-user run [OPTION…] RUNNER". */
  g_set_prgname (prgname);
  g_option_context_add_main_entries (context, common, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("%s: %s (see --help)\n", prgname, error->message);
      return FALSE;
    }
  mu_output_set_quiet (quiet);
  return TRUE;
}
