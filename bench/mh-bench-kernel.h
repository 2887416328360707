/* The kernel work of one tap, called directly (no wrappers, no libnl):
 * what every helper figure is compared with, shared by the kernel
 * baseline, the least helper and the interleaved series so that all three
 * measure exactly the same system calls. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* open /dev/net/tun, TUNSETIFF (tap, no_pi, tun_excl, vnet_hdr),
 * TUNSETOWNER @uid, SIOCGIFINDEX, link up through @control (an AF_INET
 * datagram socket) while the fd is open, TUNSETPERSIST, close.  On failure
 * returns FALSE with errno in *@errsv and names the step in *@step. */
gboolean mh_bench_kernel_create_tap (int control, const char *name, guint32 uid, int *ifindex,
                                     int *errsv, const char **step);

/* RTM_DELLINK on @rtnl (a bound NETLINK_ROUTE socket), by @ifindex when it
 * is positive, else by @name; waits for the kernel's answer.  On failure
 * returns FALSE with the errno in *@errsv. */
gboolean mh_bench_kernel_delete_link (int rtnl, int ifindex, const char *name, int *errsv);

/* A bound NETLINK_ROUTE socket, or -1 with errno set. */
int mh_bench_kernel_rtnetlink_open (void);

G_END_DECLS
