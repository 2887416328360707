/* The main window: the list of VMs with their state, hypervisor, taps
 * and uptime, and per VM Start, Stop, Restart and Logs. */
#pragma once

#include "mvm-application.h"

G_BEGIN_DECLS

#define MVM_TYPE_WINDOW (mvm_window_get_type ())
G_DECLARE_FINAL_TYPE (MvmWindow, mvm_window, MVM, WINDOW, AdwApplicationWindow)

MvmWindow *mvm_window_new (MvmApplication *app);

/* A dialog with @heading and @message (the CLI's sentence). */
void mvm_window_show_error (MvmWindow *window, const char *heading, const char *message);
void mvm_window_show_toast (MvmWindow *window, const char *text);

G_END_DECLS
