/* `microvm-user run RUNNER`: its options, with the defaults of the user's
 * config, turned into MuRunOptions for the run itself (mu-run.c). */
#include "mh-ifname.h"
#include "mu-commands.h"
#include "mu-error.h"
#include "mu-polkit-agent.h"
#include "mu-run.h"
#include "mu-runner.h"
#include "mu-size.h"
#include "mu-state.h"
#include "mu-user-config.h"

static char *opt_name;
static char *opt_virtiofsd;
static int opt_shutdown_timeout = 0;
static char *opt_memlock;
static gboolean opt_no_ask_password;
static gboolean opt_allow_root;
static char *opt_bridge;

static const GOptionEntry run_entries[] = {
  { "name", 'n', 0, G_OPTION_ARG_STRING, &opt_name,
    "The VM's name (default: from the runner's package name)", "NAME" },
  { "virtiofsd", 0, 0, G_OPTION_ARG_FILENAME, &opt_virtiofsd,
    "The virtiofsd to use (default: from $PATH, /usr/libexec, /usr/lib/qemu)", "PATH" },
  { "shutdown-timeout", 0, 0, G_OPTION_ARG_INT, &opt_shutdown_timeout,
    "Seconds to wait after bin/microvm-shutdown before SIGTERM (default 60)", "SECONDS" },
  { "memlock", 0, 0, G_OPTION_ARG_STRING, &opt_memlock,
    "Locked memory the VM needs for PCI passthrough (its RAM + 1G per device)", "SIZE" },
  { "no-ask-password", 0, 0, G_OPTION_ARG_NONE, &opt_no_ask_password,
    "Never ask for a password: fail if polkit wants one", NULL },
  { "allow-root", 0, 0, G_OPTION_ARG_NONE, &opt_allow_root,
    "Allow running as root (the point is to run VMs as a user)", NULL },
  { "bridge", 0, 0, G_OPTION_ARG_STRING, &opt_bridge,
    "Make the VM's taps ports of this bridge (default: Bridge= of your config)", "NAME" },
  { NULL },
};

int
mu_command_run (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("[RUNNER]");
  g_autoptr (MuRunner) runner = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *bridge_origin = NULL;
  g_autoptr (MuPolkitAgent) agent = NULL;
  g_autoptr (MuUserConfig) config = NULL;
  g_autofree char *installed = NULL;
  MuRunOptions options;
  const char *name;
  int status;

  g_option_context_set_summary (
    context, "Run the microvm.nix runner package RUNNER (e.g. ./result) as you: ask\n"
             "microvm-helperd for its taps, start one virtiofsd per share, then\n"
             "bin/microvm-run with this terminal as its console.  Ctrl-C, SIGTERM or\n"
             "`microvm-user stop NAME` power it off gracefully (bin/microvm-shutdown),\n"
             "then virtiofsd is stopped and the taps removed.  The exit status is the\n"
             "hypervisor's.  Without RUNNER, --name NAME runs the VM recorded with\n"
             "`microvm-user install NAME RUNNER` (what microvm@NAME.service does).\n\n"
             "$XDG_STATE_HOME/microvm/NAME is the working directory of the VM (relative\n"
             "sockets and shares resolve there).  Defaults for --virtiofsd and\n"
             "--shutdown-timeout may be set in ~/.config/microvm/microvm-user.conf:\n"
             "  [run]\n"
             "  Virtiofsd=/path/to/virtiofsd\n"
             "  ShutdownTimeout=60");
  g_option_context_add_main_entries (context, run_entries, NULL);
  if (!mu_command_parse (context, &argc, &argv))
    return 2;
  if ((argc != 2 && (argc != 1 || opt_name == NULL)) || opt_shutdown_timeout < 0)
    {
      g_printerr ("microvm-user run: give one runner (e.g. ./result), or --name of an installed "
                  "VM, and a positive --shutdown-timeout; see --help\n");
      return 2;
    }
  config = mu_user_config_load (&error);
  if (config == NULL)
    return mu_command_fail (error);

  if (argc == 1)
    {
      /* The installed VM: the user unit starts it this way, so that the
       * state directory is found here ($XDG_STATE_HOME) and not through a
       * unit specifier whose meaning differs between systemd versions. */
      g_autoptr (MuVmState) state = NULL;

      if (!mu_vm_name_validate (opt_name, &error))
        return mu_command_fail (error);
      state = mu_vm_state_new (opt_name);
      installed = mu_vm_state_get_link (state, "current");
      if (installed == NULL)
        {
          g_set_error (&error, MU_ERROR, MU_ERROR_USAGE,
                       "no VM named %s is installed; record its runner first with "
                       "`microvm-user install %s RUNNER`, or give RUNNER",
                       opt_name, opt_name);
          return mu_command_fail (error);
        }
    }
  runner = mu_runner_load (installed != NULL ? installed : argv[1], &error);
  if (runner == NULL)
    return mu_command_fail (error);
  name = opt_name != NULL ? opt_name : runner->name;
  if (!mu_vm_name_validate (name, &error))
    {
      if (opt_name == NULL)
        g_prefix_error (&error, "cannot name the VM after its runner (give --name): ");
      return mu_command_fail (error);
    }

  mu_run_options_init (&options);
  options.interactive = !opt_no_ask_password;
  options.allow_root = opt_allow_root;
  if (opt_shutdown_timeout > 0)
    options.shutdown_timeout_s = (guint) opt_shutdown_timeout;
  else if (config->shutdown_timeout_s > 0)
    options.shutdown_timeout_s = (guint) config->shutdown_timeout_s;
  options.virtiofsd = opt_virtiofsd;
  options.memlock = config->memlock;
  if (opt_memlock != NULL && !mu_parse_size (opt_memlock, &options.memlock))
    {
      g_printerr ("microvm-user run: --memlock=%s is not a size such as 6G or 512M, or "
                  "unlimited\n",
                  opt_memlock);
      return 2;
    }
  options.configured_virtiofsd = config->virtiofsd;
  if (opt_bridge != NULL)
    {
      if (!mh_ifname_validate (opt_bridge, &error))
        {
          g_prefix_error (&error, "--bridge=: ");
          return mu_command_fail (error);
        }
      options.bridge = opt_bridge;
      bridge_origin = g_strdup ("--bridge");
    }
  else
    options.bridge = mu_user_config_bridge_for (config, name, &bridge_origin);
  options.bridge_origin = bridge_origin;

  if (options.interactive && (runner->taps->len > 0 || runner->macvtaps->len > 0))
    agent = mu_polkit_agent_start ();

  status = mu_run (runner, name, &options, &error);
  if (status < 0)
    return mu_command_fail (error);
  return status;
}
