/* A tap is held by one run at a time.
 *
 * The helper gives a user a tap of theirs again when asked (CreateTaps is
 * idempotent), so two VMs listing the same tap would share it, and the
 * first to stop would delete it under the other.  A run therefore records
 * the taps it holds in its state directory, and refuses, before asking
 * the helper for anything, a tap another running VM of the user holds:
 *   $XDG_STATE_HOME/microvm/NAME/held-taps   one tap name a line
 *   $XDG_STATE_HOME/microvm/.taps-lock        flock around check + record
 * The lock makes checking and recording one step, so two runs starting at
 * once cannot both pass.  A record counts only while its VM runs (its run
 * lock is held, mu_vm_is_running), so one left by a killed frontend holds
 * nothing. */
#pragma once

#include "mu-state.h"

G_BEGIN_DECLS

/* Under the user's tap lock: fails (MU_ERROR_RUNNING, naming the holder)
 * if a running VM other than @state's holds one of @taps, changing
 * nothing; otherwise creates @state's directories, takes its run lock
 * (mu_vm_state_lock: fails if the VM already runs) and records @taps as
 * held by it. */
gboolean mu_tap_hold_claim (MuVmState *state, GPtrArray *taps, GError **error);

/* The same check, without the lock and without claiming: for `start`,
 * which hands the run to another process. */
gboolean mu_tap_hold_check (const char *name, GPtrArray *taps, GError **error);

/* Drops @state's record; call it while the run lock is still held, once
 * the run's taps are gone. */
void mu_tap_hold_release (MuVmState *state);

/* The taps the VM @name holds now: none unless it runs. */
GPtrArray *mu_tap_hold_list (const char *name);

G_END_DECLS
