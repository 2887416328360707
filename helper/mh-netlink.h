/* Netlink helpers shared by the kernel files of the tap and macvtap
 * kinds.  Callable from worker threads. */
#pragma once

#include <glib.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

G_BEGIN_DECLS

typedef struct nl_sock NlSock;
typedef struct rtnl_link RtnlLink;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NlSock, nl_socket_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RtnlLink, rtnl_link_put)

/* A connected NETLINK_ROUTE socket, or NULL with @error. */
struct nl_sock *mh_nl_route_socket (GError **error);

/* Sets MH_ERRNO_ERROR from libnl's @nl_error: "WHAT NAME: reason". */
gboolean mh_nl_error (GError **error, int nl_error, const char *what, const char *name);

G_END_DECLS
