#include "mu-vm-info.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gio/gio.h>

#include "mu-json-output.h"
#include "mu-state.h"
#include "mu-tap-hold.h"

static char *
system_of (const char *runner)
{
  g_autofree char *link = NULL;

  if (runner == NULL)
    return NULL;
  link = g_build_filename (runner, "share", "microvm", "system", NULL);
  return g_file_read_link (link, NULL);
}

/* `nix eval` of the flake's toplevel for @name, as `microvm -l` does:
 * evaluation only, nothing is built.  NULL when nix is not here or the
 * evaluation fails (it says why on stderr). */
static char *
evaluate_declared (const char *flake, const char *name)
{
  g_autofree char *nix = g_find_program_in_path ("nix");
  g_autofree char *attribute = NULL;
  g_autoptr (GSubprocess) eval = NULL;
  g_autofree char *out = NULL;

  if (nix == NULL)
    return NULL;
  attribute =
    g_strdup_printf ("%s#nixosConfigurations.%s.config.system.build.toplevel", flake, name);
  eval = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, NULL, "timeout", "300", nix,
                           "--extra-experimental-features", "nix-command flakes", "eval", "--raw",
                           attribute, NULL);
  if (eval == NULL || !g_subprocess_communicate_utf8 (eval, NULL, NULL, &out, NULL, NULL) ||
      !g_subprocess_get_successful (eval))
    return NULL;
  g_strstrip (out);
  return g_str_has_prefix (out, "/") ? g_steal_pointer (&out) : NULL;
}

static char *
read_flake (const char *state_dir)
{
  g_autofree char *path = g_build_filename (state_dir, "flake", NULL);
  g_autofree char *text = NULL;
  gsize length;

  if (!g_file_get_contents (path, &text, &length, NULL) || length > 4096)
    return NULL;
  g_strstrip (text);
  return text[0] != '\0' ? g_steal_pointer (&text) : NULL;
}

MuVmInfo *
mu_vm_info_new (const char *name, gboolean evaluate)
{
  g_autoptr (MuVmState) state = mu_vm_state_new (name);
  MuVmInfo *info = g_new0 (MuVmInfo, 1);

  info->name = g_strdup (name);
  info->running = mu_vm_is_running (name);
  info->current = mu_vm_state_get_link (state, "current");
  info->installed = info->current != NULL;
  if (info->current != NULL)
    {
      g_autofree char *link = g_build_filename (state->state_dir, "current", NULL);
      info->current_runner = realpath (link, NULL);
    }
  info->current_system = system_of (info->current_runner);
  info->outdated = MU_VM_OUTDATED_UNKNOWN;
  info->flake = read_flake (state->state_dir);
  if (evaluate && info->flake != NULL)
    info->declared_system = evaluate_declared (info->flake, name);
  if (info->declared_system != NULL && info->current_system != NULL)
    info->outdated = strcmp (info->declared_system, info->current_system) != 0 ? MU_VM_OUTDATED_YES
                                                                               : MU_VM_OUTDATED_NO;
  info->taps = mu_tap_hold_list (name);
  /* A `booted` left by a frontend that was killed means nothing. */
  if (info->running)
    {
      g_autofree char *booted_link = g_build_filename (state->state_dir, "booted", NULL);
      struct stat st;

      info->booted = mu_vm_state_get_link (state, "booted");
      info->booted_system = system_of (info->booted);
      if (info->current_system != NULL && info->booted_system != NULL)
        info->stale = strcmp (info->current_system, info->booted_system) != 0;
      else if (info->current_runner != NULL && info->booted != NULL)
        info->stale = strcmp (info->current_runner, info->booted) != 0;
      /* `booted` is made as the hypervisor starts: its age is the uptime. */
      if (lstat (booted_link, &st) == 0)
        info->started_at = st.st_mtim.tv_sec;
    }
  return info;
}

void
mu_vm_info_free (MuVmInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->current);
  g_free (info->current_runner);
  g_free (info->booted);
  g_free (info->current_system);
  g_free (info->booted_system);
  g_free (info->flake);
  g_free (info->declared_system);
  g_ptr_array_unref (info->taps);
  g_free (info);
}

const char *
mu_vm_info_system_state (const MuVmInfo *info)
{
  if (info->current_runner == NULL)
    return NULL;
  /* As `microvm -l` checks: outdated first. */
  if (info->outdated == MU_VM_OUTDATED_YES)
    return "outdated";
  return info->stale ? "stale" : "current";
}

gint64
mu_vm_info_uptime (const MuVmInfo *info)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (!info->running || info->started_at == 0)
    return -1;
  return MAX (now - info->started_at, 0);
}

char *
mu_vm_info_format_uptime (const MuVmInfo *info)
{
  gint64 s = mu_vm_info_uptime (info);

  if (s < 0)
    return g_strdup ("-");
  if (s >= 86400)
    return g_strdup_printf ("%" G_GINT64_FORMAT "d %" G_GINT64_FORMAT "h", s / 86400,
                            s % 86400 / 3600);
  if (s >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT "h %" G_GINT64_FORMAT "m", s / 3600, s % 3600 / 60);
  if (s >= 60)
    return g_strdup_printf ("%" G_GINT64_FORMAT "m %" G_GINT64_FORMAT "s", s / 60, s % 60);
  return g_strdup_printf ("%" G_GINT64_FORMAT "s", s);
}

void
mu_vm_info_add_json (const MuVmInfo *info, JsonBuilder *json)
{
  gint64 uptime = mu_vm_info_uptime (info);

  mu_json_add_string (json, "name", info->name);
  mu_json_add_bool (json, "running", info->running);
  mu_json_add_string (json, "state", info->running ? "running" : "stopped");
  mu_json_add_string (json, "system_state", mu_vm_info_system_state (info));
  mu_json_add_bool (json, "stale", info->stale);
  json_builder_set_member_name (json, "outdated");
  if (info->outdated == MU_VM_OUTDATED_UNKNOWN)
    json_builder_add_null_value (json);
  else
    json_builder_add_boolean_value (json, info->outdated == MU_VM_OUTDATED_YES);
  mu_json_add_path (json, "current", info->current);
  mu_json_add_path (json, "current_runner", info->current_runner);
  mu_json_add_path (json, "booted", info->booted);
  mu_json_add_path (json, "current_system", info->current_system);
  mu_json_add_path (json, "booted_system", info->booted_system);
  mu_json_add_string (json, "flake", info->flake);
  mu_json_add_path (json, "declared_system", info->declared_system);
  mu_json_add_strings (json, "taps", info->taps);
  json_builder_set_member_name (json, "started_at");
  if (info->started_at > 0 && info->running)
    json_builder_add_int_value (json, info->started_at);
  else
    json_builder_add_null_value (json);
  json_builder_set_member_name (json, "uptime_seconds");
  if (uptime >= 0)
    json_builder_add_int_value (json, uptime);
  else
    json_builder_add_null_value (json);
}
