/* One of the user's VMs as the app shows it: a snapshot read from its
 * state directory ($XDG_STATE_HOME/microvm/NAME, frontend/mu-state.h)
 * through the frontend's library.  GIO only, no GTK, so the model is
 * unit-tested without a display (tests/unit/test-vm-model.c). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  MVM_VM_STOPPED,
  MVM_VM_RUNNING,
  /* running, but `current` was re-pointed to another system since it
   * booted (upstream's `microvm -l` word): restart it to apply. */
  MVM_VM_STALE,
  /* not running, and its user unit failed (systemd's ActiveState). */
  MVM_VM_FAILED,
} MvmVmState;

#define MVM_TYPE_VM (mvm_vm_get_type ())
G_DECLARE_FINAL_TYPE (MvmVm, mvm_vm, MVM, VM, GObject)

/* Reads the VM @name now.  @unit_state is its user unit's ActiveState
 * ("failed", ...) when known, else NULL. */
MvmVm *mvm_vm_load (const char *name, const char *unit_state);

const char *mvm_vm_get_name (MvmVm *vm);
MvmVmState mvm_vm_get_state (MvmVm *vm);
gboolean mvm_vm_is_running (MvmVm *vm);
/* The runner `current` names, or NULL. */
const char *mvm_vm_get_runner (MvmVm *vm);
/* share/microvm/hypervisor of the runner, or NULL when unreadable. */
const char *mvm_vm_get_hypervisor (MvmVm *vm);
/* The taps the running VM holds ("vm-a, vm-b"), or "" when none. */
const char *mvm_vm_get_taps (MvmVm *vm);
/* When the running VM booted (unix seconds: the `booted` link's time),
 * 0 when it does not run. */
gint64 mvm_vm_get_booted_at (MvmVm *vm);
/* Whether @a and @b show the same thing. */
gboolean mvm_vm_equal (MvmVm *a, MvmVm *b);

/* "running", "stopped", "stale", "failed". */
const char *mvm_vm_state_to_string (MvmVmState state);
/* "45 s", "12 min", "3 h 04 min", "2 d 5 h": the uptime at @now (unix
 * seconds), or NULL when the VM does not run. */
char *mvm_vm_format_uptime (MvmVm *vm, gint64 now);
/* One line for the list's subtitle: "running · qemu · vm-a · up 12 min". */
char *mvm_vm_describe (MvmVm *vm, gint64 now);

G_END_DECLS
