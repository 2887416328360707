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
int mu_command_update (int argc, char **argv);
int mu_command_restart (int argc, char **argv);
int mu_command_remove (int argc, char **argv);
int mu_command_logs (int argc, char **argv);
int mu_command_console (int argc, char **argv);
int mu_command_ssh (int argc, char **argv);

/* Exit statuses, as systemctl and podman use them (microvm-user(1)):
 * 0 done, 1 failed or refused, 2 bad command line, 3 (status) not
 * running, 4 (status) no such VM.  run and ssh exit with the status of
 * the hypervisor and of ssh. */
#define MU_EXIT_FAILED 1
#define MU_EXIT_USAGE 2
#define MU_EXIT_NOT_RUNNING 3
#define MU_EXIT_NO_SUCH_VM 4

/* `start` of the installed VM @name (mu_vm_start), saying how it was
 * started; returns the exit status, the reason said. */
int mu_command_start_vm (const char *name);

/* Shared by the subcommands: prints "microvm-user: MESSAGE" and returns
 * the exit status for it. */
int mu_command_fail (const GError *error);

/* Parses a subcommand's options; on error prints it with a hint and
 * returns FALSE. */
gboolean mu_command_parse (GOptionContext *context, int *argc, char ***argv);

G_END_DECLS
