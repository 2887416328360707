/* `microvm-user list`: the user's VMs, running or not, and whether a
 * running one is outdated: its `current` runner (usually a `result`
 * symlink that a rebuild re-points) holds another system than the one it
 * booted, as `microvm -l` reports it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mu-commands.h"
#include "mu-json-output.h"
#include "mu-state.h"

static gboolean opt_json;

static const GOptionEntry entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print JSON instead of a table", NULL },
  { NULL },
};

typedef struct {
  char *name;
  gboolean running;
  char *current;        /* as recorded */
  char *current_runner; /* resolved now */
  char *booted;
  char *current_system;
  char *booted_system;
  gboolean outdated;
} VmInfo;

static void
vm_info_free (gpointer data)
{
  VmInfo *info = data;

  g_free (info->name);
  g_free (info->current);
  g_free (info->current_runner);
  g_free (info->booted);
  g_free (info->current_system);
  g_free (info->booted_system);
  g_free (info);
}

static char *
system_of (const char *runner)
{
  g_autofree char *link = NULL;

  if (runner == NULL)
    return NULL;
  link = g_build_filename (runner, "share", "microvm", "system", NULL);
  return g_file_read_link (link, NULL);
}

static VmInfo *
vm_info_new (const char *name)
{
  g_autoptr (MuVmState) state = mu_vm_state_new (name);
  VmInfo *info = g_new0 (VmInfo, 1);

  info->name = g_strdup (name);
  info->running = mu_vm_is_running (name);
  info->current = mu_vm_state_get_link (state, "current");
  if (info->current != NULL)
    info->current_runner = realpath (info->current, NULL);
  info->current_system = system_of (info->current_runner);
  /* A `booted` left by a frontend that was killed means nothing. */
  if (info->running)
    {
      info->booted = mu_vm_state_get_link (state, "booted");
      info->booted_system = system_of (info->booted);
      if (info->current_system != NULL && info->booted_system != NULL)
        info->outdated = strcmp (info->current_system, info->booted_system) != 0;
      else if (info->current_runner != NULL && info->booted != NULL)
        info->outdated = strcmp (info->current_runner, info->booted) != 0;
    }
  return info;
}

static void
print_json (GPtrArray *vms)
{
  g_autoptr (JsonBuilder) json = json_builder_new ();

  json_builder_begin_array (json);
  for (guint i = 0; i < vms->len; i++)
    {
      const VmInfo *vm = vms->pdata[i];

      json_builder_begin_object (json);
      mu_json_add_string (json, "name", vm->name);
      mu_json_add_bool (json, "running", vm->running);
      mu_json_add_bool (json, "outdated", vm->outdated);
      mu_json_add_path (json, "current", vm->current);
      mu_json_add_path (json, "current_runner", vm->current_runner);
      mu_json_add_path (json, "booted", vm->booted);
      mu_json_add_path (json, "current_system", vm->current_system);
      mu_json_add_path (json, "booted_system", vm->booted_system);
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
  printf ("%-20s %-8s %-9s %s\n", "NAME", "STATE", "SYSTEM", "RUNNER");
  for (guint i = 0; i < vms->len; i++)
    {
      const VmInfo *vm = vms->pdata[i];
      const char *system = !vm->running ? "-" : vm->outdated ? "outdated" : "current";

      printf ("%-20s %-8s %-9s %s\n", vm->name, vm->running ? "running" : "stopped", system,
              vm->current != NULL ? vm->current : "-");
    }
}

int
mu_command_list (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GPtrArray) names = NULL;
  g_autoptr (GPtrArray) vms = g_ptr_array_new_with_free_func (vm_info_free);

  g_option_context_set_summary (
    context, "List your VMs: running or stopped, and for a running one whether its runner\n"
             "was rebuilt since it booted (\"outdated\": restart it to apply).");
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
    g_ptr_array_add (vms, vm_info_new (names->pdata[i]));
  if (opt_json)
    print_json (vms);
  else
    print_table (vms);
  return 0;
}
