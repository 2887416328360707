/* The main window: the list of VMs with their state, hypervisor, taps
 * and uptime, and per VM Start, Stop, Restart and Logs.  It does not run
 * the actions; it asks for them with the signal
 *   "action" (MvmWindow *, MvmAction action, const char *name)
 * and the application answers with show_error or show_toast. */
#pragma once

#include <adwaita.h>

#include "mvm-vm-list.h"

G_BEGIN_DECLS

#define MVM_TYPE_WINDOW (mvm_window_get_type ())
G_DECLARE_FINAL_TYPE (MvmWindow, mvm_window, MVM, WINDOW, AdwApplicationWindow)

typedef enum {
  MVM_ACTION_START,
  MVM_ACTION_STOP,
  MVM_ACTION_RESTART,
} MvmAction;

MvmWindow *mvm_window_new (GtkApplication *app, MvmVmList *vms);

/* A dialog with @heading and @message (the CLI's sentence). */
void mvm_window_show_error (MvmWindow *window, const char *heading, const char *message);
void mvm_window_show_toast (MvmWindow *window, const char *text);

G_END_DECLS
