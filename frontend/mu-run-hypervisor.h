/* The hypervisor phase of `microvm-user run`: bin/microvm-run with the
 * terminal attached (the serial console), in the VM's state directory,
 * and how it is asked to stop: bin/microvm-shutdown (the power button),
 * then SIGTERM, then SIGKILL as the timeouts pass. */
#pragma once

#include "mu-run.h"
#include "mu-state.h"

G_BEGIN_DECLS

typedef struct _MuRunHypervisor MuRunHypervisor;

/* Called once when bin/microvm-run has exited (the terminal is restored
 * by then), with its wait status. */
typedef void (*MuRunExitedFunc) (int wait_status, gpointer user_data);

MuRunHypervisor *mu_run_hypervisor_new (MuRunner *runner, MuVmState *state,
                                        const MuRunOptions *options);
/* Restores the terminal if the hypervisor changed it. */
void mu_run_hypervisor_free (MuRunHypervisor *hypervisor);

/* Points the state directory's `booted` at the runner and starts it. */
gboolean mu_run_hypervisor_start (MuRunHypervisor *hypervisor, MuRunExitedFunc exited,
                                  gpointer user_data, GError **error);

/* The first call asks the VM to power off (@why starts the progress
 * line) and escalates on its own when it takes too long; each further
 * call (a second Ctrl-C) takes the next step at once. */
void mu_run_hypervisor_stop (MuRunHypervisor *hypervisor, const char *why);

G_END_DECLS
