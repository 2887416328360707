/* The kernel work of a macvtap, for the tap kind's kernel backend
 * (mh-tap-kernel.c): making one on a parent link, and who its character
 * device belongs to.  Called from worker threads, and from the main thread
 * for a small create job. */
#pragma once

#include <netlink/netlink.h>

#include "mh-tap-backend.h"

G_BEGIN_DECLS

/* Makes macvtap @name on @spec->link with @spec's mode, address and MTU,
 * IPv6 off (mh-net-isolate.c), allmulticast and link up, then gives its
 * /dev/tapIFINDEX to @uid with mode 0600 after checking that node's
 * device number against sysfs.  On failure the macvtap is deleted again;
 * an existing name fails with MH_ERRNO_ERROR EBUSY, a missing parent with
 * ENODEV. */
gboolean mh_macvtap_kernel_create (struct nl_sock *sock, const char *name, guint32 uid,
                                   const MhTapSpec *spec, gboolean host_ipv6, int *ifindex,
                                   GError **error);

/* The owner of the macvtap's node, -1 when the node is missing or is not
 * the macvtap's device. */
gint64 mh_macvtap_kernel_node_owner (const char *name, int ifindex);

G_END_DECLS
