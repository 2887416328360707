/* A password prompt in the terminal when no desktop agent is around.
 *
 * Like pkttyagent started by systemctl: polkit's own text listener,
 * registered for this process, as a *fallback* in a login session so a
 * GNOME or KDE agent of the session still answers when there is one; the
 * terminal asks only when there is none (ssh, a text console, no session
 * at all). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MuPolkitAgent MuPolkitAgent;

/* NULL (and nothing to do) when stdin is not a terminal or registering
 * failed; failures are reported as a note, since the call may not even
 * need a password. */
MuPolkitAgent *mu_polkit_agent_start (void);
void mu_polkit_agent_stop (MuPolkitAgent *agent);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MuPolkitAgent, mu_polkit_agent_stop)

G_END_DECLS
