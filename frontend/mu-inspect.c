/* `microvm-user inspect RUNNER`: the whole plan of a run, validated, with
 * no privileged call: every step `run` would ask microvm-helperd for
 * (taps with their flags, PCI devices to vfio-pci, the locked-memory
 * limit), what it would refuse (macvtaps), and what needs no privilege
 * (virtiofsd per share, vsock). */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "mh-ifname.h"
#include "mu-commands.h"
#include "mu-error.h"
#include "mu-json-output.h"
#include "mu-runner.h"
#include "mu-share-options.h"
#include "mu-size.h"
#include "mu-state.h"
#include "mu-user-config.h"

/* The polkit actions the helper checks (policy/org.microvm.helper.policy.in);
 * SetMemlockLimit is checked as bind-pci. */
#define ACTION_MANAGE_TAPS "org.microvm.helper.manage-taps"
#define ACTION_ATTACH_NETWORK "org.microvm.helper.attach-network"
#define ACTION_BIND_PCI "org.microvm.helper.bind-pci"

static gboolean opt_json;
static char *opt_name;
static char *opt_memlock;
static char *opt_bridge;

static const GOptionEntry entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print JSON instead of text", NULL },
  { "name", 'n', 0, G_OPTION_ARG_STRING, &opt_name, "The VM's name (default: from the runner)",
    "NAME" },
  { "bridge", 0, 0, G_OPTION_ARG_STRING, &opt_bridge,
    "As run --bridge: the taps would be ports of this bridge", "NAME" },
  { "memlock", 0, 0, G_OPTION_ARG_STRING, &opt_memlock,
    "Locked memory the run would be given (as run --memlock)", "SIZE" },
  { NULL },
};

/* What the run would do about RLIMIT_MEMLOCK (mu-run-devices.c). */
typedef enum {
  MEMLOCK_NOT_NEEDED, /* no PCI device */
  MEMLOCK_UNLIMITED,  /* the limit is infinity already */
  MEMLOCK_ENOUGH,     /* at least what was asked for */
  MEMLOCK_RAISE,      /* SetMemlockLimit */
  MEMLOCK_UNSIZED,    /* the run would refuse: no size given */
} MemlockStep;

typedef struct {
  MemlockStep step;
  guint64 wanted;  /* 0: not given */
  guint64 current; /* G_MAXUINT64: unlimited */
} MemlockPlan;

static const char *const memlock_step_names[] = {
  [MEMLOCK_NOT_NEEDED] = "not-needed", [MEMLOCK_UNLIMITED] = "unlimited-already",
  [MEMLOCK_ENOUGH] = "high-enough",    [MEMLOCK_RAISE] = "raise",
  [MEMLOCK_UNSIZED] = "size-missing",
};

static MemlockPlan
plan_memlock (const MuRunner *runner, guint64 wanted)
{
  MemlockPlan plan = { MEMLOCK_NOT_NEEDED, wanted, G_MAXUINT64 };
  struct rlimit limit;

  if (getrlimit (RLIMIT_MEMLOCK, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
    plan.current = limit.rlim_cur;
  if (runner->pci_devices->len == 0)
    plan.step = MEMLOCK_NOT_NEEDED;
  else if (plan.current == G_MAXUINT64)
    plan.step = MEMLOCK_UNLIMITED;
  else if (wanted == 0)
    plan.step = MEMLOCK_UNSIZED;
  else if (plan.current >= wanted)
    plan.step = MEMLOCK_ENOUGH;
  else
    plan.step = MEMLOCK_RAISE;
  return plan;
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

static char *
resolve_in_state (const char *state_dir, const char *path)
{
  return g_path_is_absolute (path) ? g_strdup (path) : g_build_filename (state_dir, path, NULL);
}

static void
add_call (JsonBuilder *json, const char *method, const char *action)
{
  mu_json_add_string (json, "method", method);
  mu_json_add_string (json, "polkit_action", action);
}

/* null for unlimited (G_MAXUINT64) and for "not given" (0). */
static void
add_bytes (JsonBuilder *json, const char *key, guint64 bytes)
{
  json_builder_set_member_name (json, key);
  if (bytes == 0 || bytes == G_MAXUINT64)
    json_builder_add_null_value (json);
  else
    json_builder_add_int_value (json, (gint64) MIN (bytes, (guint64) G_MAXINT64));
}

/* Which bridge the taps would be ports of, and who said so. */
typedef struct {
  const char *bridge; /* NULL: standalone taps */
  char *origin;       /* "--bridge", "[run] Bridge= in PATH", ... */
} BridgePlan;

/* One CreateTaps asks for attach-network when it puts anything on a
 * network of the host (a bridge, a macvtap), manage-taps otherwise. */
static const char *
taps_action (const MuRunner *runner, const BridgePlan *bridge)
{
  return (bridge->bridge != NULL && runner->taps->len > 0) || runner->macvtaps->len > 0
           ? ACTION_ATTACH_NETWORK
           : ACTION_MANAGE_TAPS;
}

/* "privileged": each step run asks microvm-helperd for. */
static void
add_privileged (JsonBuilder *json, const MuRunner *runner, const BridgePlan *bridge,
                const MemlockPlan *memlock)
{
  const char *action = taps_action (runner, bridge);

  json_builder_set_member_name (json, "privileged");
  json_builder_begin_object (json);

  json_builder_set_member_name (json, "taps");
  json_builder_begin_array (json);
  for (guint i = 0; i < runner->taps->len; i++)
    {
      json_builder_begin_object (json);
      mu_json_add_string (json, "name", runner->taps->pdata[i]);
      mu_json_add_bool (json, "vnet_hdr", runner->tap_vnet_hdr);
      mu_json_add_bool (json, "multi_queue", runner->tap_multi_queue);
      mu_json_add_string (json, "bridge", bridge->bridge);
      add_call (json, "CreateTaps", action);
      json_builder_end_object (json);
    }
  json_builder_end_array (json);

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
      /* The hypervisor opens the node: /dev/tap + the ifindex it gets. */
      mu_json_add_string (json, "device", "/dev/tapIFINDEX");
      add_call (json, "CreateTaps", action);
      json_builder_end_object (json);
    }
  json_builder_end_array (json);

  /* Bridge ports come from no file of the runner (upstream's bridge
   * interfaces go through qemu-bridge-helper): from the user's config or
   * --bridge. */
  json_builder_set_member_name (json, "bridges");
  json_builder_begin_array (json);
  if (bridge->bridge != NULL && runner->taps->len > 0)
    {
      json_builder_begin_object (json);
      mu_json_add_string (json, "name", bridge->bridge);
      mu_json_add_string (json, "from", bridge->origin);
      mu_json_add_strings (json, "taps", runner->taps);
      add_call (json, "CreateTaps", action);
      json_builder_end_object (json);
    }
  json_builder_end_array (json);

  json_builder_set_member_name (json, "pci_devices");
  json_builder_begin_array (json);
  for (guint i = 0; i < runner->pci_devices->len; i++)
    {
      json_builder_begin_object (json);
      mu_json_add_string (json, "address", runner->pci_devices->pdata[i]);
      mu_json_add_string (json, "driver", "vfio-pci");
      add_call (json, "BindPciDevice", ACTION_BIND_PCI);
      json_builder_end_object (json);
    }
  json_builder_end_array (json);

  json_builder_set_member_name (json, "memlock");
  json_builder_begin_object (json);
  mu_json_add_string (json, "step", memlock_step_names[memlock->step]);
  add_bytes (json, "bytes", memlock->wanted);
  add_bytes (json, "current_bytes", memlock->current);
  if (memlock->step == MEMLOCK_RAISE)
    add_call (json, "SetMemlockLimit", ACTION_BIND_PCI);
  json_builder_end_object (json);

  json_builder_end_object (json);
}

static void
print_json (const MuRunner *runner, const char *name, const char *state_dir,
            const BridgePlan *bridge, const MemlockPlan *memlock)
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
  add_privileged (json, runner, bridge, memlock);

  /* Needs no privilege: one virtiofsd per share, run as the user. */
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
      mu_json_add_bool (json, "read_only", share->options->read_only);
      json_builder_set_member_name (json, "virtiofsd_options");
      json_builder_begin_array (json);
      for (guint j = 0; j < share->options->options->len; j++)
        {
          const MuShareOption *option = share->options->options->pdata[j];
          g_autofree char *arg = option->value != NULL
                                   ? g_strdup_printf ("%s=%s", option->name, option->value)
                                   : g_strdup (option->name);
          g_autofree char *text = NULL;
          gboolean escaped;

          /* Options are the runner's bytes: escaped like a path if need be. */
          text = mu_json_escape_path (arg, &escaped);
          json_builder_add_string_value (json, text);
        }
      json_builder_end_array (json);
      mu_json_add_strings (json, "dropped_options", share->options->dropped);
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
  mu_json_add_string (json, "share_options_from",
                      runner->has_virtiofsd_run ? "bin/virtiofsd-run" : NULL);
  mu_json_add_string (json, "machine_registration",
                      runner->has_machine_register ? "skipped" : NULL);
  json_builder_set_member_name (json, "open_files_limit");
  if (hard_nofile () >= 0)
    json_builder_add_int_value (json, hard_nofile ());
  else
    json_builder_add_null_value (json);
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

static char *
format_bytes (guint64 bytes)
{
  g_autofree char *human = NULL;

  if (bytes == G_MAXUINT64)
    return g_strdup ("unlimited");
  human = g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
  return g_strdup_printf ("%" G_GUINT64_FORMAT " bytes (%s)", bytes, human);
}

static void
print_memlock (const MemlockPlan *memlock)
{
  g_autofree char *current = format_bytes (memlock->current);
  g_autofree char *wanted = format_bytes (memlock->wanted);

  switch (memlock->step)
    {
    case MEMLOCK_NOT_NEEDED:
      break;
    case MEMLOCK_UNLIMITED:
      printf ("  %-13snothing to raise, your limit is unlimited\n", "memlock:");
      break;
    case MEMLOCK_ENOUGH:
      printf ("  %-13snothing to raise, your limit %s covers %s\n", "memlock:", current, wanted);
      break;
    case MEMLOCK_RAISE:
      printf ("  %-13sSetMemlockLimit to %s, from %s\n  %-13spolkit: %s\n", "memlock:", wanted,
              current, "", ACTION_BIND_PCI);
      break;
    case MEMLOCK_UNSIZED:
      printf ("  %-13srun would refuse: your limit is %s and no size is given (--memlock=SIZE "
              "or MemLock= in ~/.config/microvm/microvm-user.conf)\n",
              "memlock:", current);
      break;
    }
}

static void
print_text (const MuRunner *runner, const char *name, const char *state_dir,
            const BridgePlan *bridge, const MemlockPlan *memlock)
{
  g_autofree char *flags =
    g_strdup_printf (" (flags:%s%s)", runner->tap_vnet_hdr ? " vnet_hdr" : "",
                     runner->tap_multi_queue ? " multi_queue" : "");
  gboolean any = FALSE;

  printf ("%-13s%s\n", "name:", name);
  printf ("%-13s%s\n", "runner:", runner->path);
  printf ("%-13s%s\n", "hypervisor:", runner->hypervisor != NULL ? runner->hypervisor : "-");
  printf ("%-13s%s\n", "state dir:", state_dir);
  print_list_line ("taps:", runner->taps, flags);
  print_list_line ("pci devices:", runner->pci_devices, NULL);
  for (guint i = 0; i < runner->macvtaps->len; i++)
    {
      const MuMacvtap *m = runner->macvtaps->pdata[i];
      printf ("%-13s%s on %s (%s, %s)\n", "macvtap:", m->id, m->link, m->mode, m->mac);
    }
  print_list_line ("usb devices:", runner->usb_devices, " (not acted on)");
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

  printf ("privileged steps (asked of microvm-helperd, polkit decides):\n");
  if (runner->taps->len > 0)
    {
      g_autoptr (GString) names = g_string_new (NULL);
      for (guint i = 0; i < runner->taps->len; i++)
        g_string_append_printf (names, "%s%s", i > 0 ? ", " : "",
                                (const char *) runner->taps->pdata[i]);
      printf ("  %-13sCreateTaps %s%s, one call%s\n", "taps:", names->str, flags,
              runner->macvtaps->len > 0 ? " with the macvtaps" : "");
      if (bridge->bridge != NULL)
        printf ("  %-13sports of the bridge %s (from %s)\n", "", bridge->bridge, bridge->origin);
      printf ("  %-13spolkit: %s\n", "", taps_action (runner, bridge));
      any = TRUE;
    }
  for (guint i = 0; i < runner->macvtaps->len; i++)
    {
      const MuMacvtap *m = runner->macvtaps->pdata[i];
      printf ("  %-13s%s on %s (mode %s, %s), its /dev/tapIFINDEX for the hypervisor\n",
              i == 0 ? "macvtaps:" : "", m->id, m->link, m->mode, m->mac);
      if (i + 1 == runner->macvtaps->len)
        printf ("  %-13s%s, polkit: %s\n", "",
                runner->taps->len > 0 ? "in the same CreateTaps" : "CreateTaps, one call",
                ACTION_ATTACH_NETWORK);
      any = TRUE;
    }
  if (runner->pci_devices->len > 0)
    {
      g_autoptr (GString) addresses = g_string_new (NULL);
      for (guint i = 0; i < runner->pci_devices->len; i++)
        g_string_append_printf (addresses, "%s%s", i > 0 ? ", " : "",
                                (const char *) runner->pci_devices->pdata[i]);
      printf ("  %-13sBindPciDevice %s to vfio-pci, one call each\n  %-13spolkit: %s\n",
              "pci devices:", addresses->str, "", ACTION_BIND_PCI);
      any = TRUE;
    }
  print_memlock (memlock);
  any = any || memlock->step != MEMLOCK_NOT_NEEDED;
  if (!any)
    printf ("  nothing\n");

  printf ("no privilege needed:\n");
  if (runner->shares->len == 0)
    printf ("  %-13snone\n", "shares:");
  for (guint i = 0; i < runner->shares->len; i++)
    {
      const MuShare *share = runner->shares->pdata[i];
      g_autofree char *source = resolve_in_state (state_dir, share->source);
      g_autofree char *socket = resolve_in_state (state_dir, share->socket);
      g_autofree char *described = mu_share_options_describe (share->options);

      printf ("  %-13s%s: virtiofsd on %s (socket %s)%s\n", i == 0 ? "shares:" : "", share->tag,
              source, socket, share->options->read_only ? " read-only" : "");
      if (described[0] != '\0')
        printf ("  %-13s  virtiofsd %s\n", "", described);
      for (guint j = 0; j < share->options->dropped->len; j++)
        printf ("  %-13s  dropped %s\n", "", (const char *) share->options->dropped->pdata[j]);
    }
  if (runner->shares->len > 0)
    printf ("  %-13s%s\n", "share opts:",
            runner->has_virtiofsd_run ? "from bin/virtiofsd-run (its supervisord configuration)"
                                      : "none declared (no bin/virtiofsd-run): virtiofsd's "
                                        "defaults, writable");
  if (runner->vsock_cid >= 0)
    printf ("  %-13scid %" G_GINT64_FORMAT " (the hypervisor's own vhost-vsock)\n",
            "vsock:", runner->vsock_cid);
  else
    printf ("  %-13snone\n", "vsock:");
}

int
mu_command_inspect (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new ("RUNNER");
  g_autoptr (MuRunner) runner = NULL;
  g_autoptr (MuVmState) state = NULL;
  g_autoptr (MuUserConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  MemlockPlan memlock;
  BridgePlan bridge = { NULL, NULL };
  guint64 wanted;
  const char *name;

  g_option_context_set_summary (
    context, "Show the whole plan of running RUNNER after checking every file of it: each\n"
             "privileged step (taps and their flags, PCI devices to vfio-pci, the\n"
             "locked-memory limit) with its polkit action, and what needs no privilege\n"
             "(shares, vsock). Makes no privileged call.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!mu_command_parse (context, &argc, &argv))
    return 2;
  if (argc != 2)
    {
      g_printerr ("microvm-user inspect: give one runner (e.g. ./result); see --help\n");
      return 2;
    }
  config = mu_user_config_load (&error);
  if (config == NULL)
    return mu_command_fail (error);
  wanted = config->memlock;
  if (opt_memlock != NULL && !mu_parse_size (opt_memlock, &wanted))
    {
      g_printerr ("microvm-user inspect: --memlock=%s is not a size such as 6G or 512M, or "
                  "\"unlimited\"\n",
                  opt_memlock);
      return 2;
    }

  runner = mu_runner_load (argv[1], &error);
  if (runner == NULL)
    return mu_command_fail (error);
  name = opt_name != NULL ? opt_name : runner->name;
  if (!mu_vm_name_validate (name, &error))
    return mu_command_fail (error);
  state = mu_vm_state_new (name);
  memlock = plan_memlock (runner, wanted);
  if (opt_bridge != NULL)
    {
      if (!mh_ifname_validate (opt_bridge, &error))
        {
          g_prefix_error (&error, "--bridge=: ");
          return mu_command_fail (error);
        }
      bridge.bridge = opt_bridge;
      bridge.origin = g_strdup ("--bridge");
    }
  else
    bridge.bridge = mu_user_config_bridge_for (config, name, &bridge.origin);
  if (opt_json)
    print_json (runner, name, state->state_dir, &bridge, &memlock);
  else
    print_text (runner, name, state->state_dir, &bridge, &memlock);
  g_free (bridge.origin);
  return 0;
}
