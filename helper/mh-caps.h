/* Dropping privileges at start-up with libcap-ng: the helper keeps uid 0
 * (its files and /dev/net/tun are root's) but only the capabilities its
 * work needs, in the effective, permitted and bounding sets. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Keeps exactly the capabilities in @required and @optional (each
 * terminated by -1) and drops every other one, for this thread and every
 * thread created later: call it before anything starts a thread.  Fails if
 * a capability in @required is not held, or the drop does not take.  An
 * @optional one that is not held (the system's bounding set lacks it) is
 * left out and named in @missing ("cap_sys_resource"; NULL when none).
 * The bounding set is reduced too when the process holds CAP_SETPCAP;
 * without it (the systemd unit's CapabilityBoundingSet= leaves it out) the
 * bound stays as the system set it, and whatever it holds beyond what is
 * kept is named in @unbounded (NULL when the bound is exactly right). */
gboolean mh_caps_keep_only (const int *required, const int *optional, char **missing,
                            char **unbounded, GError **error);

/* "cap_net_admin" etc., the effective set of this thread. */
char *mh_caps_describe (void);

G_END_DECLS
