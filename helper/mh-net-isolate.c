/* The host takes no configuration from what a user sends into an
 * interface the helper made for them (a tap or a macvtap): see
 * mh_net_isolate_from_host().  Shared by the kinds' kernel files. */
#include "mh-net-isolate.h"

#include <errno.h>

#include "mh-error.h"
#include "mh-syscall.h"

/* Writes one per-interface sysctl.  The helper runs as uid 0 with
 * CAP_NET_ADMIN, which the kernel asks of writers of net sysctls, and the
 * unit leaves /proc/sys writable (no ProtectKernelTunables=). */
static gboolean
write_interface_sysctl (const char *family, const char *name, const char *key, const char *value,
                        GError **error)
{
  g_autofree char *path = g_strdup_printf ("/proc/sys/net/%s/conf/%s/%s", family, name, key);

  return mh_write_attribute (path, value, error);
}

/* The host takes no configuration from anything sent into the tap:
 *  - IPv6 off (default): no link-local address, so no neighbour discovery
 *    and no router advertisement or SLAAC; the kernel drops every IPv6
 *    packet that arrives on the tap.
 *  - IPv6 kept ([Taps] HostIPv6=true, a routed setup): it still ignores
 *    router advertisements and redirects from the tap.
 *  - IPv4: a new tap has no address and no route; proxy ARP and ICMP
 *    redirects are turned off for the tap (the admin's conf/all values
 *    still apply on top, as the kernel ORs them).
 * A kernel without IPv6 at all (ipv6.disable=1) has nothing to turn off,
 * and neither has a link whose MTU is below IPv6's minimum of 1280: the
 * kernel keeps no IPv6 state for it (no conf/NAME directory) and brings
 * it back, from conf/default, only if someone with CAP_NET_ADMIN raises
 * the MTU, which the tap's user cannot. */
#define IPV6_MIN_MTU 1280

gboolean
mh_net_isolate_from_host (const char *name, gboolean host_ipv6, guint mtu, GError **error)
{
  static const char *const ipv4_off[] = { "proxy_arp", "accept_redirects", "accept_source_route" };
  static const char *const ipv6_kept_off[] = { "accept_ra", "accept_redirects", "autoconf" };
  gboolean ipv6_possible = mtu == 0 || mtu >= IPV6_MIN_MTU;

  if (!ipv6_possible)
    {
      g_autofree char *dir = g_strdup_printf ("/proc/sys/net/ipv6/conf/%s", name);

      if (g_file_test (dir, G_FILE_TEST_IS_DIR))
        return mh_set_errno_error (error, EEXIST,
                                   "%s has IPv6 state although its MTU %u is below %u", name, mtu,
                                   IPV6_MIN_MTU);
    }
  else if (g_file_test ("/proc/sys/net/ipv6/conf", G_FILE_TEST_IS_DIR))
    {
      if (!host_ipv6)
        {
          if (!write_interface_sysctl ("ipv6", name, "disable_ipv6", "1", error))
            return FALSE;
        }
      else
        for (gsize i = 0; i < G_N_ELEMENTS (ipv6_kept_off); i++)
          if (!write_interface_sysctl ("ipv6", name, ipv6_kept_off[i], "0", error))
            return FALSE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (ipv4_off); i++)
    if (!write_interface_sysctl ("ipv4", name, ipv4_off[i], "0", error))
      return FALSE;
  return TRUE;
}
