/* The MicroVMs application: owns the VM list and its watch, runs the
 * start/stop/restart actions (frontend/mu-vm-actions.h, in a worker
 * thread) and sends a desktop notification when a VM fails or stops
 * without being asked to from here. */
#pragma once

#include <adwaita.h>

#include "mvm-vm-list.h"

G_BEGIN_DECLS

#define MVM_TYPE_APPLICATION (mvm_application_get_type ())
G_DECLARE_FINAL_TYPE (MvmApplication, mvm_application, MVM, APPLICATION, AdwApplication)

MvmApplication *mvm_application_new (void);

MvmVmList *mvm_application_get_vms (MvmApplication *app);

typedef enum {
  MVM_ACTION_START,
  MVM_ACTION_STOP,
  MVM_ACTION_RESTART,
} MvmAction;

/* Runs @action on the VM @name in a worker thread; a failure is shown
 * in the window as the CLI's sentence. */
void mvm_application_run_action (MvmApplication *app, MvmAction action, const char *name);

G_END_DECLS
