/* `microvm-user list`: the user's VMs, running or not, their taps and
 * uptime, and their system state as `microvm -l` names it (mu-vm-info.h):
 * current, stale (restart to apply a rebuild) or outdated. */
#include <stdio.h>

#include "mu-commands.h"
#include "mu-json-output.h"
#include "mu-output.h"
#include "mu-state.h"
#include "mu-vm-info.h"

static gboolean opt_json;

static const GOptionEntry entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print JSON instead of a table", NULL },
  { NULL },
};

static void
print_json (GPtrArray *vms)
{
  g_autoptr (JsonBuilder) json = json_builder_new ();

  json_builder_begin_array (json);
  for (guint i = 0; i < vms->len; i++)
    {
      json_builder_begin_object (json);
      mu_vm_info_add_json (vms->pdata[i], json);
      json_builder_end_object (json);
    }
  json_builder_end_array (json);
  mu_json_print (json);
}

static void
print_table (GPtrArray *vms)
{
  if (vms->len == 0)
    {
      printf ("no VMs yet; start one with `microvm-user run RUNNER`\n");
      return;
    }
  printf ("%-20s %-8s %-9s %-8s %-16s %s\n", "NAME", "STATE", "SYSTEM", "UPTIME", "TAPS", "RUNNER");
  for (guint i = 0; i < vms->len; i++)
    {
      const MuVmInfo *vm = vms->pdata[i];
      const char *system = mu_vm_info_system_state (vm);
      g_autofree char *uptime = mu_vm_info_format_uptime (vm);
      g_autofree char *taps = vm->taps->len > 0 ? mu_join_names (vm->taps) : g_strdup ("-");

      printf ("%-20s %-8s %-9s %-8s %-16s %s\n", vm->name, vm->running ? "running" : "stopped",
              system != NULL ? system : "-", uptime, taps, vm->current != NULL ? vm->current : "-");
    }
}

int
mu_command_list (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GPtrArray) names = NULL;
  g_autoptr (GPtrArray) vms = g_ptr_array_new_with_free_func ((GDestroyNotify) mu_vm_info_free);

  g_option_context_set_summary (
    context, "List your VMs: running or stopped, their taps and uptime, and their system\n"
             "as `microvm -l` names it: \"current\"; \"stale\" when a running VM's runner\n"
             "was rebuilt or updated since it booted (restart it to apply); \"outdated\" when\n"
             "the declared system differs and that is known without building.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!mu_command_parse (context, &argc, &argv))
    return 2;
  if (argc != 1)
    {
      g_printerr ("microvm-user list: takes no arguments; see --help\n");
      return 2;
    }

  names = mu_state_list_names ();
  for (guint i = 0; i < names->len; i++)
    {
      MuVmInfo *info = mu_vm_info_new (names->pdata[i], TRUE);
      /* A directory `remove` left for the VM's own files is no VM. */
      if (info->installed || info->running)
        g_ptr_array_add (vms, info);
      else
        mu_vm_info_free (info);
    }
  if (opt_json)
    print_json (vms);
  else
    print_table (vms);
  return 0;
}
