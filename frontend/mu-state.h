/* Per-VM state of the user, as the systemd host module keeps it under
 * /var/lib/microvms/NAME:
 *   $XDG_STATE_HOME/microvm/NAME/         working directory of every child
 *     current  -> the runner last run or installed (as given, e.g. a
 *                 `result` symlink, so a rebuild shows up as "outdated")
 *     booted   -> the resolved runner that is running (removed at stop)
 *     lock     -> held (flock) by the frontend while the VM runs
 *     held-taps   the taps the run holds (mu-tap-hold.h)
 *   $XDG_RUNTIME_DIR/microvm/NAME/control  the stop channel (a socket) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *name;
  char *state_dir;
  char *runtime_dir;
  int lock_fd;
} MuVmState;

/* $XDG_STATE_HOME/microvm (~/.local/state/microvm). */
char *mu_state_root (void);

MuVmState *mu_vm_state_new (const char *name);
void mu_vm_state_free (MuVmState *state);

/* Creates the directories (0700). */
gboolean mu_vm_state_prepare (MuVmState *state, GError **error);

/* Takes the run lock; MU_ERROR_RUNNING if another frontend holds it. */
gboolean mu_vm_state_lock (MuVmState *state, GError **error);
void mu_vm_state_unlock (MuVmState *state);

/* Whether some frontend holds the lock of @name right now. */
gboolean mu_vm_is_running (const char *name);

/* Points state_dir/@link at @target, atomically. */
gboolean mu_vm_state_set_link (MuVmState *state, const char *link, const char *target,
                               GError **error);
void mu_vm_state_remove_link (MuVmState *state, const char *link);
/* The link's target, or NULL. */
char *mu_vm_state_get_link (MuVmState *state, const char *link);

char *mu_vm_state_control_path (MuVmState *state);

/* Names of the VMs that have a state directory, sorted. */
GPtrArray *mu_state_list_names (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MuVmState, mu_vm_state_free)

G_END_DECLS
