/* The MicroVMs application: owns the VM list and its watch, runs the
 * start/stop/restart actions the window asks for (frontend/mu-vm-actions.h,
 * in a worker thread) and sends a desktop notification when a VM fails or
 * stops without being asked to from here. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define MVM_TYPE_APPLICATION (mvm_application_get_type ())
G_DECLARE_FINAL_TYPE (MvmApplication, mvm_application, MVM, APPLICATION, AdwApplication)

MvmApplication *mvm_application_new (void);

G_END_DECLS
