/* microvm-user: run microvm.nix runner packages as the calling user.
 * Everything lives in libmicrovm-user; this file picks the subcommand
 * (nothing calls back into it). */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mh-build-config.h"
#include "mu-commands.h"

static const struct {
  const char *name;
  int (*run) (int argc, char **argv);
  const char *summary;
} commands[] = {
  { "run", mu_command_run, "Run a VM in this terminal until it stops" },
  { "stop", mu_command_stop, "Stop a running VM gracefully" },
  { "list", mu_command_list, "List your VMs and whether they are running or outdated" },
  { "inspect", mu_command_inspect, "Show and check what a runner would ask for" },
  { "install", mu_command_install, "Record a runner as a named VM (like microvm -c)" },
  { "start", mu_command_start, "Start an installed VM in the background (systemd user unit)" },
  { "status", mu_command_status, "Show whether a VM runs, and its runner and unit" },
  { "logs", mu_command_logs, "Show the console and messages of a VM started in the background" },
};

static void
print_usage (FILE *out)
{
  fprintf (out, "Usage: microvm-user COMMAND [OPTION...] [ARGUMENT...]\n\n"
                "Run microvm.nix microVMs as yourself: no root, no sudo, no setuid.\n"
                "The privileged steps (taps) are done by microvm-helperd after polkit\n"
                "agrees.\n\nCommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-9s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\n`microvm-user COMMAND --help` shows a command's options.\n");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  g_set_prgname ("microvm-user");

  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
      strcmp (argv[1], "help") == 0)
    {
      print_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("microvm-user %s\n", MH_VERSION);
      return 0;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      return commands[i].run (argc - 1, argv + 1);

  g_printerr ("microvm-user: unknown command \"%s\"; see microvm-user --help\n", argv[1]);
  return 2;
}
