/* Cutting an interface the helper made off from the host's own network
 * configuration, before its link goes up. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @host_ipv6: [Taps] HostIPv6 of helper.conf; @mtu: the MTU the
 * interface was given (0: the kernel's default).  Called from workers. */
gboolean mh_net_isolate_from_host (const char *name, gboolean host_ipv6, guint mtu, GError **error);

G_END_DECLS
