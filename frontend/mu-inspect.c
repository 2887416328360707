/* `microvm-user inspect RUNNER`: what running it would ask for, validated,
 * with no privileged call. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "mu-commands.h"
#include "mu-error.h"
#include "mu-json.h"
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

/* upstream's host module: LimitNOFILE=1048576. */
#define UPSTREAM_NOFILE 1048576

/* What `run` raises the open-file limit to: the hard limit; -1 for none. */
static gint64
hard_nofile (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) < 0 || limit.rlim_max == RLIM_INFINITY)
    return -1;
  return (gint64) limit.rlim_max;
}

static void
print_json (const MuRunner *runner, const char *name, const char *state_dir)
{
  g_autoptr (MuJson) json = mu_json_new ();
  g_autofree char *text = NULL;

  mu_json_begin_object (json);
  mu_json_key (json, "name");
  mu_json_string (json, name);
  mu_json_key (json, "runner");
  mu_json_string (json, runner->path);
  mu_json_key (json, "given");
  mu_json_string (json, runner->given_path);
  mu_json_key (json, "hypervisor");
  mu_json_string (json, runner->hypervisor);
  mu_json_key (json, "state_dir");
  mu_json_string (json, state_dir);
  mu_json_key (json, "taps");
  mu_json_string_array (json, runner->taps);
  mu_json_key (json, "tap_flags");
  mu_json_begin_object (json);
  mu_json_key (json, "vnet_hdr");
  mu_json_bool (json, runner->tap_vnet_hdr);
  mu_json_key (json, "multi_queue");
  mu_json_bool (json, runner->tap_multi_queue);
  mu_json_end_object (json);
  mu_json_key (json, "pci_devices");
  mu_json_string_array (json, runner->pci_devices);
  mu_json_key (json, "macvtaps");
  mu_json_begin_array (json);
  for (guint i = 0; i < runner->macvtaps->len; i++)
    {
      const MuMacvtap *m = runner->macvtaps->pdata[i];
      mu_json_begin_object (json);
      mu_json_key (json, "id");
      mu_json_string (json, m->id);
      mu_json_key (json, "mac");
      mu_json_string (json, m->mac);
      mu_json_key (json, "link");
      mu_json_string (json, m->link);
      mu_json_key (json, "mode");
      mu_json_string (json, m->mode);
      mu_json_end_object (json);
    }
  mu_json_end_array (json);
  mu_json_key (json, "usb_devices");
  mu_json_string_array (json, runner->usb_devices);
  mu_json_key (json, "shares");
  mu_json_begin_array (json);
  for (guint i = 0; i < runner->shares->len; i++)
    {
      const MuShare *share = runner->shares->pdata[i];
      g_autofree char *source = resolve_in_state (state_dir, share->source);
      g_autofree char *socket = resolve_in_state (state_dir, share->socket);

      mu_json_begin_object (json);
      mu_json_key (json, "tag");
      mu_json_string (json, share->tag);
      mu_json_key (json, "source");
      mu_json_string (json, share->source);
      mu_json_key (json, "socket");
      mu_json_string (json, share->socket);
      mu_json_key (json, "source_path");
      mu_json_string (json, source);
      mu_json_key (json, "socket_path");
      mu_json_string (json, socket);
      mu_json_key (json, "read_only");
      mu_json_bool (json, share->options->read_only);
      mu_json_key (json, "virtiofsd_options");
      mu_json_begin_array (json);
      for (guint j = 0; j < share->options->options->len; j++)
        {
          const MuShareOption *option = share->options->options->pdata[j];
          g_autofree char *arg = option->value != NULL
                                   ? g_strdup_printf ("%s=%s", option->name, option->value)
                                   : g_strdup (option->name);
          mu_json_string (json, arg);
        }
      mu_json_end_array (json);
      mu_json_key (json, "dropped_options");
      mu_json_string_array (json, share->options->dropped);
      mu_json_end_object (json);
    }
  mu_json_end_array (json);
  mu_json_key (json, "vsock_cid");
  if (runner->vsock_cid >= 0)
    mu_json_int (json, runner->vsock_cid);
  else
    mu_json_null (json);
  mu_json_key (json, "system");
  mu_json_string (json, runner->system);
  mu_json_key (json, "has_shutdown");
  mu_json_bool (json, runner->shutdown_path != NULL);
  mu_json_key (json, "share_options_from");
  mu_json_string (json, runner->has_virtiofsd_run ? "bin/virtiofsd-run" : NULL);
  mu_json_key (json, "machine_registration");
  mu_json_string (json, runner->has_machine_register ? "skipped" : NULL);
  mu_json_key (json, "open_files_limit");
  if (hard_nofile () >= 0)
    mu_json_int (json, hard_nofile ());
  else
    mu_json_null (json);
  mu_json_end_object (json);

  text = mu_json_end (g_steal_pointer (&json));
  fputs (text, stdout);
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
      g_autofree char *described = mu_share_options_describe (share->options);

      printf ("%-13s%s: %s (socket %s)%s\n", i == 0 ? "shares:" : "", share->tag, source, socket,
              share->options->read_only ? " read-only" : "");
      if (described[0] != '\0')
        printf ("%-13s  virtiofsd %s\n", "", described);
      for (guint j = 0; j < share->options->dropped->len; j++)
        printf ("%-13s  dropped %s\n", "", (const char *) share->options->dropped->pdata[j]);
    }
  if (runner->shares->len > 0)
    printf ("%-13s%s\n", "share opts:",
            runner->has_virtiofsd_run ? "from bin/virtiofsd-run (its supervisord configuration)"
                                      : "none declared (no bin/virtiofsd-run): virtiofsd's "
                                        "defaults, writable");
  if (runner->vsock_cid >= 0)
    printf ("%-13s%" G_GINT64_FORMAT "\n", "vsock cid:", runner->vsock_cid);
  printf ("%-13s%s\n", "system:", runner->system != NULL ? runner->system : "-");
  printf ("%-13s%s\n",
          "shutdown:", runner->shutdown_path != NULL ? "bin/microvm-shutdown" : "none (SIGTERM)");
  {
    gint64 nofile = hard_nofile ();
    if (nofile >= 0 && nofile < UPSTREAM_NOFILE)
      printf ("%-13s%" G_GINT64_FORMAT " (your hard limit; microvm.nix's host module gives %d)\n",
              "open files:", nofile, UPSTREAM_NOFILE);
    else
      printf ("%-13s%s\n", "open files:", nofile >= 0 ? "1048576 or more" : "unlimited");
  }
  if (runner->has_machine_register)
    printf ("%-13sskipped: bin/microvm-register (registerWithMachined) needs root; "
            "machinectl will not list this VM\n",
            "machined:");
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
