/* The subcommands of microvm-user; each returns the process exit status. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

int mu_command_run (int argc, char **argv);
int mu_command_inspect (int argc, char **argv);
int mu_command_list (int argc, char **argv);
int mu_command_stop (int argc, char **argv);
int mu_command_install (int argc, char **argv);
int mu_command_start (int argc, char **argv);
int mu_command_status (int argc, char **argv);
int mu_command_logs (int argc, char **argv);

/* Shared by the subcommands: prints "microvm-user: MESSAGE" and returns
 * the exit status for it. */
int mu_command_fail (const GError *error);

/* Parses a subcommand's options; on error prints it with a hint and
 * returns FALSE. */
gboolean mu_command_parse (GOptionContext *context, int *argc, char ***argv);

G_END_DECLS
