/* The user's VMs as a GListModel of MvmVm, sorted by name, re-read from
 * the state directory on mvm_vm_list_reload () (mvm-watch.c calls it when
 * something changed; nothing polls).  GIO only, no GTK. */
#pragma once

#include "mvm-vm.h"

G_BEGIN_DECLS

#define MVM_TYPE_VM_LIST (mvm_vm_list_get_type ())
G_DECLARE_FINAL_TYPE (MvmVmList, mvm_vm_list, MVM, VM_LIST, GObject)

MvmVmList *mvm_vm_list_new (void);

/* Re-reads every VM; items that changed are replaced ("items-changed"),
 * and each state change is signalled:
 *   "state-changed" (MvmVmList *, const char *name, MvmVmState old,
 *                    MvmVmState new)
 * A VM seen for the first time has no old state and is not signalled. */
void mvm_vm_list_reload (MvmVmList *list);

/* Records the ActiveState of the user unit of @name ("active",
 * "failed", ...; from the user manager's signals), used by the next
 * reload. */
void mvm_vm_list_set_unit_state (MvmVmList *list, const char *name, const char *active_state);

/* The VM named @name, or NULL. */
MvmVm *mvm_vm_list_lookup (MvmVmList *list, const char *name);

G_END_DECLS
