/* What `list` and `status` say about one VM of the user, gathered from
 * its state directory (mu-state.h) without asking anything of it.
 *
 * Its system state, as `microvm -l` names it:
 *   stale     it runs, and the system it booted differs from the one its
 *             `current` runner holds now (a rebuild re-pointed `result`,
 *             or `update` named another runner): restart it to apply;
 *   outdated  the declared system differs from `current`; knowable only
 *             where no build is needed: the VM was installed with
 *             --flake=REF (kept in STATE/flake, as the host module keeps
 *             /var/lib/microvms/NAME/flake) and `nix eval` of
 *             REF#nixosConfigurations.NAME.config.system.build.toplevel
 *             answers, as `microvm -l` asks (MU_VM_OUTDATED_UNKNOWN
 *             otherwise);
 *   current   neither. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  MU_VM_OUTDATED_UNKNOWN,
  MU_VM_OUTDATED_NO,
  MU_VM_OUTDATED_YES,
} MuVmOutdated;

typedef struct {
  char *name;
  gboolean running;
  char *current;        /* the link's target as recorded, or NULL */
  char *current_runner; /* resolved now, or NULL */
  char *booted;         /* resolved runner that runs, or NULL */
  char *current_system;
  char *booted_system;
  char *flake;           /* STATE/flake, or NULL */
  char *declared_system; /* what the flake evaluates to now, or NULL */
  gboolean stale;
  MuVmOutdated outdated;
  GPtrArray *taps;    /* held now (char *) */
  gint64 started_at;  /* wall clock, seconds; 0 when not running */
  gboolean installed; /* has a `current` (install, or a past run) */
} MuVmInfo;

/* With @evaluate, a VM with a flake has it evaluated (slow: seconds). */
MuVmInfo *mu_vm_info_new (const char *name, gboolean evaluate);
void mu_vm_info_free (MuVmInfo *info);

/* "current", "stale" or "outdated"; NULL when there is no current runner. */
const char *mu_vm_info_system_state (const MuVmInfo *info);
/* Seconds it has run, or -1. */
gint64 mu_vm_info_uptime (const MuVmInfo *info);
/* "3d 4h", "2h 5m", "4m 10s", "12s"; "-" when not running. */
char *mu_vm_info_format_uptime (const MuVmInfo *info);

/* The members list --json and status --json share, into an open object. */
void mu_vm_info_add_json (const MuVmInfo *info, JsonBuilder *json);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MuVmInfo, mu_vm_info_free)

G_END_DECLS
