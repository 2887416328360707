/* `microvm-user inspect RUNNER`: what running it would ask for, validated,
 * with no privileged call. */
#include <stdio.h>
#include <string.h>

#include "mu-commands.h"
#include "mu-error.h"
#include "mu-json-output.h"
#include "mu-runner.h"
#include "mu-state.h"

static gboolean opt_json;
static char *opt_name;

static const GOptionEntry entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print JSON instead of text", NULL },
  { "name", 'n', 0, G_OPTION_ARG_STRING, &opt_name, "The VM's name (default: from the runner)",
    "NAME" },
  { NULL },
};

static char *
resolve_in_state (const char *state_dir, const char *path)
{
  return g_path_is_absolute (path) ? g_strdup (path) : g_build_filename (state_dir, path, NULL);
}

static void
print_json (const MuRunner *runner, const char *name, const char *state_dir)
{
  g_autoptr (JsonBuilder) json = json_builder_new ();

  json_builder_begin_object (json);
  mu_json_add_string (json, "name", name);
  mu_json_add_path (json, "runner", runner->path);
  mu_json_add_path (json, "given", runner->given_path);
  mu_json_add_string (json, "hypervisor", runner->hypervisor);
  mu_json_add_path (json, "state_dir", state_dir);
  mu_json_add_strings (json, "taps", runner->taps);
  json_builder_set_member_name (json, "tap_flags");
  json_builder_begin_object (json);
  mu_json_add_bool (json, "vnet_hdr", runner->tap_vnet_hdr);
  mu_json_add_bool (json, "multi_queue", runner->tap_multi_queue);
  json_builder_end_object (json);
  mu_json_add_strings (json, "pci_devices", runner->pci_devices);
  json_builder_set_member_name (json, "macvtaps");
  json_builder_begin_array (json);
  for (guint i = 0; i < runner->macvtaps->len; i++)
    {
      const MuMacvtap *m = runner->macvtaps->pdata[i];
      json_builder_begin_object (json);
      mu_json_add_string (json, "id", m->id);
      mu_json_add_string (json, "mac", m->mac);
      mu_json_add_string (json, "link", m->link);
      mu_json_add_string (json, "mode", m->mode);
      json_builder_end_object (json);
    }
  json_builder_end_array (json);
  mu_json_add_strings (json, "usb_devices", runner->usb_devices);
  json_builder_set_member_name (json, "shares");
  json_builder_begin_array (json);
  for (guint i = 0; i < runner->shares->len; i++)
    {
      const MuShare *share = runner->shares->pdata[i];
      g_autofree char *source = resolve_in_state (state_dir, share->source);
      g_autofree char *socket = resolve_in_state (state_dir, share->socket);

      json_builder_begin_object (json);
      mu_json_add_string (json, "tag", share->tag);
      mu_json_add_path (json, "source", share->source);
      mu_json_add_path (json, "socket", share->socket);
      mu_json_add_path (json, "source_path", source);
      mu_json_add_path (json, "socket_path", socket);
      json_builder_end_object (json);
    }
  json_builder_end_array (json);
  json_builder_set_member_name (json, "vsock_cid");
  if (runner->vsock_cid >= 0)
    json_builder_add_int_value (json, runner->vsock_cid);
  else
    json_builder_add_null_value (json);
  mu_json_add_path (json, "system", runner->system);
  mu_json_add_bool (json, "has_shutdown", runner->shutdown_path != NULL);
  json_builder_end_object (json);
  mu_json_print (json);
}

static void
print_list_line (const char *label, GPtrArray *items, const char *suffix)
{
  g_autoptr (GString) line = g_string_new (NULL);

  for (guint i = 0; i < items->len; i++)
    g_string_append_printf (line, "%s%s", i > 0 ? ", " : "", (const char *) items->pdata[i]);
  printf ("%-13s%s%s\n", label, items->len > 0 ? line->str : "none",
          items->len > 0 && suffix != NULL ? suffix : "");
}

static void
print_text (const MuRunner *runner, const char *name, const char *state_dir)
{
  g_autofree char *flags =
    g_strdup_printf (" (flags:%s%s)", runner->tap_vnet_hdr ? " vnet_hdr" : "",
                     runner->tap_multi_queue ? " multi_queue" : "");

  printf ("%-13s%s\n", "name:", name);
  printf ("%-13s%s\n", "runner:", runner->path);
  printf ("%-13s%s\n", "hypervisor:", runner->hypervisor != NULL ? runner->hypervisor : "-");
  printf ("%-13s%s\n", "state dir:", state_dir);
  print_list_line ("taps:", runner->taps, flags);
  print_list_line ("pci devices:", runner->pci_devices, NULL);
  for (guint i = 0; i < runner->macvtaps->len; i++)
    {
      const MuMacvtap *m = runner->macvtaps->pdata[i];
      printf ("%-13s%s on %s (%s, %s): not supported yet\n", "macvtap:", m->id, m->link, m->mode,
              m->mac);
    }
  print_list_line ("usb devices:", runner->usb_devices, " (not acted on)");
  if (runner->shares->len == 0)
    printf ("%-13snone\n", "shares:");
  for (guint i = 0; i < runner->shares->len; i++)
    {
      const MuShare *share = runner->shares->pdata[i];
      g_autofree char *source = resolve_in_state (state_dir, share->source);
      g_autofree char *socket = resolve_in_state (state_dir, share->socket);
      printf ("%-13s%s: %s (socket %s)\n", i == 0 ? "shares:" : "", share->tag, source, socket);
    }
  if (runner->vsock_cid >= 0)
    printf ("%-13s%" G_GINT64_FORMAT "\n", "vsock cid:", runner->vsock_cid);
  printf ("%-13s%s\n", "system:", runner->system != NULL ? runner->system : "-");
  printf ("%-13s%s\n",
          "shutdown:", runner->shutdown_path != NULL ? "bin/microvm-shutdown" : "none (SIGTERM)");
  if (runner->taps->len > 0)
    printf ("%-13sCreateTaps for %u tap(s) (polkit: org.microvm.helper.manage-taps)\n",
            "privileged:", runner->taps->len);
  else
    printf ("%-13snothing\n", "privileged:");
}

int
mu_command_inspect (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("RUNNER");
  g_autoptr (MuRunner) runner = NULL;
  g_autoptr (MuVmState) state = NULL;
  g_autoptr (GError) error = NULL;
  const char *name;

  g_option_context_set_summary (
    context, "Show what running RUNNER would ask for (taps and their flags, PCI devices,\n"
             "shares, hypervisor) after checking every file of it. Makes no privileged call.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!mu_command_parse (context, &argc, &argv))
    return 2;
  if (argc != 2)
    {
      g_printerr ("microvm-user inspect: give one runner (e.g. ./result); see --help\n");
      return 2;
    }

  runner = mu_runner_load (argv[1], &error);
  if (runner == NULL)
    return mu_command_fail (error);
  name = opt_name != NULL ? opt_name : runner->name;
  if (!mu_vm_name_validate (name, &error))
    return mu_command_fail (error);
  state = mu_vm_state_new (name);
  if (opt_json)
    print_json (runner, name, state->state_dir);
  else
    print_text (runner, name, state->state_dir);
  return 0;
}
