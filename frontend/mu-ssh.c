/* `microvm-user ssh NAME [-- ARGS]`: ssh into a running VM over vsock, as
 * `microvm -s` does: no network needed, only the runner's vsock-cid and an
 * sshd in the guest listening on vsock port 22 (systemd's sshd socket
 * with ListenStream=vsock::22).  ssh connects through socat. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mu-commands.h"
#include "mu-error.h"
#include "mu-runner.h"
#include "mu-state.h"

static char *opt_user;
static int opt_port = 22;

static const GOptionEntry entries[] = {
  { "user", 'l', 0, G_OPTION_ARG_STRING, &opt_user, "The user to log in as (default: root)",
    "USER" },
  { "port", 'p', 0, G_OPTION_ARG_INT, &opt_port, "The guest's vsock port of sshd (default 22)",
    "PORT" },
  { NULL },
};

int
mu_command_ssh (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("NAME [-- ARGS...]");
  g_autoptr (MuVmState) state = NULL;
  g_autoptr (MuRunner) runner = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ssh_argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *booted = NULL;
  g_autofree char *ssh = NULL;
  g_autofree char *socat = NULL;
  g_autofree char *quoted_socat = NULL;
  const char *name;

  g_option_context_set_summary (
    context, "Log in to the running VM NAME with ssh over vsock, as `microvm -s` does: the\n"
             "runner must have a vsock CID (microvm.vsock.cid) and the guest an sshd on\n"
             "vsock port 22. ARGS after -- go to ssh after the host (more options, or a\n"
             "command to run). Needs ssh and socat. Exits with ssh's status.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!mu_command_parse (context, &argc, &argv))
    return 2;
  if (argc < 2 || opt_port <= 0 || opt_port > 65535)
    {
      g_printerr ("microvm-user ssh: give one VM name, then ssh's arguments after --; see "
                  "--help\n");
      return 2;
    }
  name = argv[1];
  if (!mu_vm_name_validate (name, &error))
    return mu_command_fail (error);
  state = mu_vm_state_new (name);
  if (!mu_vm_is_running (name))
    {
      g_set_error (&error, MU_ERROR, MU_ERROR_RUNNING,
                   "the VM %s is not running (see `microvm-user list`); start it first", name);
      return mu_command_fail (error);
    }
  /* The running one's CID: `current` may name a runner built since. */
  booted = mu_vm_state_get_link (state, "booted");
  if (booted == NULL)
    {
      g_set_error (&error, MU_ERROR, MU_ERROR_RUNNING,
                   "the VM %s is starting or stopping (it has no booted runner); try again", name);
      return mu_command_fail (error);
    }
  runner = mu_runner_load (booted, &error);
  if (runner == NULL)
    {
      g_prefix_error (&error, "cannot read the runner %s runs: ", name);
      return mu_command_fail (error);
    }
  if (runner->vsock_cid < 0)
    {
      g_set_error (&error, MU_ERROR, MU_ERROR_UNSUPPORTED,
                   "the VM %s has no vsock (its runner %s has no share/microvm/vsock-cid); set "
                   "microvm.vsock.cid in its NixOS configuration, or ssh over its network",
                   name, runner->path);
      return mu_command_fail (error);
    }
  ssh = g_find_program_in_path ("ssh");
  socat = g_find_program_in_path ("socat");
  if (ssh == NULL || socat == NULL)
    {
      g_set_error (&error, MU_ERROR, MU_ERROR_ENVIRONMENT,
                   "ssh over vsock needs %s, which is not in your PATH; install it (Debian: "
                   "apt install %s)",
                   ssh == NULL ? "ssh" : "socat", ssh == NULL ? "openssh-client" : "socat");
      return mu_command_fail (error);
    }

  g_ptr_array_add (ssh_argv, g_strdup (ssh));
  g_ptr_array_add (ssh_argv, g_strdup ("-l"));
  g_ptr_array_add (ssh_argv, g_strdup (opt_user != NULL ? opt_user : "root"));
  quoted_socat = g_shell_quote (socat);
  /* ssh runs the ProxyCommand through the shell. */
  g_ptr_array_add (ssh_argv,
                   g_strdup_printf ("-oProxyCommand=%s - VSOCK-CONNECT:%" G_GINT64_FORMAT ":%d",
                                    quoted_socat, runner->vsock_cid, opt_port));
  /* Host keys are remembered per VM, not per CID (CIDs are reused). */
  g_ptr_array_add (ssh_argv, g_strdup_printf ("-oHostKeyAlias=microvm-%s", name));
  g_ptr_array_add (ssh_argv, g_strdup (name));
  /* GOption keeps the "--" only when an option follows it. */
  for (int i = 2; i < argc; i++)
    if (i > 2 || strcmp (argv[i], "--") != 0)
      g_ptr_array_add (ssh_argv, g_strdup (argv[i]));
  g_ptr_array_add (ssh_argv, NULL);

  fflush (stdout);
  execv (ssh, (char *const *) ssh_argv->pdata);
  g_set_error (&error, MU_ERROR, MU_ERROR_ENVIRONMENT, "cannot run %s: %s", ssh,
               g_strerror (errno));
  return mu_command_fail (error);
}
