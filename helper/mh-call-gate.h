/* Bounds the method calls the helper itself has outstanding on the system
 * bus.  dbus-daemon answers a connection's call beyond
 * max_replies_per_connection (128 by default on the system bus) with
 * LimitsExceeded, so a burst of client calls, each needing a polkit check
 * or a look-up of the caller's credentials, would otherwise be answered
 * wrongly ("not authorized: is polkitd running?").  Work over the limit
 * waits its turn, first come first served; a limit per key (the caller's
 * uid) keeps one user's slow checks (password prompts left open) from
 * taking every place. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MhCallGate MhCallGate;
typedef void (*MhCallGateFunc) (gpointer user_data);

/* @limit places in all, at most @limit_per_key of them for one key. */
MhCallGate *mh_call_gate_new (guint limit, guint limit_per_key);
void mh_call_gate_free (MhCallGate *gate);

/* Runs @run(@user_data) now if a place is free for @key, else once one
 * is; the work must then call mh_call_gate_leave() once with @key. */
void mh_call_gate_enter (MhCallGate *gate, guint32 key, MhCallGateFunc run, gpointer user_data);
void mh_call_gate_leave (MhCallGate *gate, guint32 key);

#ifdef MH_FAULT_INJECTION
/* For the unit tests only (test builds, -Dfault_injection=true). */
guint mh_call_gate_running (MhCallGate *gate);
guint mh_call_gate_waiting (MhCallGate *gate);
#endif

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhCallGate, mh_call_gate_free)

G_END_DECLS
