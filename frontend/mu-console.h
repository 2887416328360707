/* The serial console of a VM that `start` ran in the background without a
 * systemd user manager: its output goes to STATE/console.log, its input
 * comes from a FIFO, $XDG_RUNTIME_DIR/microvm/NAME/console-in, that the
 * run holds open for reading and writing (so it never sees an end of file
 * when a `microvm-user console` detaches).  A VM run by the user unit has
 * its console in the journal and no input (StandardInput=null). */
#pragma once

#include "mu-state.h"

G_BEGIN_DECLS

/* Makes the FIFO afresh and returns an fd of it open for reading and
 * writing (close-on-exec), for the background run's stdin; -1 on error. */
int mu_console_input_open (MuVmState *state, GError **error);

/* STATE's FIFO path. */
char *mu_console_input_path (MuVmState *state);

G_END_DECLS
