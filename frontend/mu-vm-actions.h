/* What `install`, `start` and `stop` do to a VM, without their printing:
 * the one code path behind both microvm-user's subcommands and the
 * desktop app (desktop/).  Each call blocks until it is done; the app runs
 * them in a worker thread.  Errors are microvm-user's sentences. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  MU_VM_STARTED_AS_UNIT,        /* microvm@NAME.service of the user manager */
  MU_VM_STARTED_AS_UNIT_SLOWLY, /* the unit runs, its hypervisor not yet (60 s) */
  MU_VM_STARTED_IN_BACKGROUND,  /* a detached `microvm-user run`, console.log */
} MuVmStartedAs;

/* Checks the runner at @runner_path (so a broken one is reported now, not
 * at boot) and records it as the VM @name's `current`.  A VM of that name
 * with another runner is refused unless @force.  @current_out, if given,
 * receives the absolute path recorded. */
gboolean mu_vm_install (const char *name, const char *runner_path, gboolean force,
                        char **current_out, GError **error);

/* Starts the installed VM @name in the background: as its user unit when
 * a user manager runs, else as `@microvm_user run` detached, returning
 * once the hypervisor started (or the unit failed: the error quotes its
 * journal).  @may_ask lets that detached run ask for a
 * password through the session's polkit agent (the app runs in a desktop
 * session that has one; the CLI's `start` never asks). */
gboolean mu_vm_start (const char *name, const char *microvm_user, gboolean may_ask,
                      MuVmStartedAs *started_as, GError **error);

/* Stops the running VM @name (its unit, or through its stop channel) and
 * waits up to @timeout_s seconds for it to be gone. */
gboolean mu_vm_stop (const char *name, guint timeout_s, GError **error);

/* The VM's console log when it ran in the background without a user
 * manager: $XDG_STATE_HOME/microvm/NAME/console.log. */
char *mu_vm_console_log_path (const char *name);

G_END_DECLS
