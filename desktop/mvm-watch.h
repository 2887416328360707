/* Keeps an MvmVmList current without polling: a GFileMonitor on the state
 * directory and on each VM's directory (a run creates and removes
 * `booted`, `held-taps`, `console.log` there), and the systemd user
 * manager's PropertiesChanged signals of microvm@*.service units on the
 * session bus (their ActiveState, "failed" included).  Bursts of events
 * become one reload.  GIO only, no GTK. */
#pragma once

#include "mvm-vm-list.h"

G_BEGIN_DECLS

typedef struct _MvmWatch MvmWatch;

/* Reloads @list once now, then whenever something changes.  @bus is the
 * session bus the user manager is on, or NULL to watch files only. */
MvmWatch *mvm_watch_new (MvmVmList *list, GDBusConnection *bus);
void mvm_watch_free (MvmWatch *watch);

/* The VM name of a unit's object path
 * (/org/freedesktop/systemd1/unit/microvm_40web_2eservice -> "web"), or
 * NULL for any other unit. */
char *mvm_watch_vm_of_unit_path (const char *object_path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MvmWatch, mvm_watch_free)

G_END_DECLS
