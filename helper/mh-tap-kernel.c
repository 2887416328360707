/* The real tap backend.
 *
 * Creation follows the order NetworkManager uses, so that a failure at any
 * step leaves nothing behind: the device only becomes persistent at the
 * very end, and until then closing the fd destroys it.  The fd is always
 * closed: a single-queue tap with an fd still attached would refuse the
 * hypervisor with EBUSY.
 *
 * Before the link goes up the tap is cut off from the host's own network
 * configuration (isolate_from_host): whatever the tap's owner sends into
 * it must not give the host a route, an address or a neighbour. */
#include "mh-tap-backend.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mh-error.h"
#include "mh-fault.h"
#include "mh-syscall.h"

#define SYS_CLASS_NET "/sys/class/net"

/* The kernel backend and what the administrator chose for it. */
typedef struct {
  MhTapBackend parent;
  gboolean host_ipv6;
} KernelBackend;

typedef struct nl_sock NlSock;
typedef struct rtnl_link RtnlLink;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NlSock, nl_socket_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RtnlLink, rtnl_link_put)

static int
errno_from_nl (int nl_error)
{
  switch (nl_error < 0 ? -nl_error : nl_error)
    {
    case NLE_OBJ_NOTFOUND:
    case NLE_NODEV:
      return ENODEV;
    case NLE_EXIST:
      return EEXIST;
    case NLE_BUSY:
      return EBUSY;
    case NLE_PERM:
    case NLE_NOACCESS:
      return EPERM;
    case NLE_NOMEM:
      return ENOMEM;
    case NLE_INVAL:
      return EINVAL;
    case NLE_OPNOTSUPP:
      return EOPNOTSUPP;
    default:
      return EIO;
    }
}

static gboolean
set_nl_error (GError **error, int nl_error, const char *what, const char *name)
{
  g_set_error (error, MH_ERRNO_ERROR, errno_from_nl (nl_error), "%s %s: %s", what, name,
               nl_geterror (nl_error));
  return FALSE;
}

static struct nl_sock *
route_socket_open (GError **error)
{
  g_autoptr (NlSock) sock = nl_socket_alloc ();
  int err;

  if (sock == NULL)
    {
      mh_set_errno_error (error, ENOMEM, "allocate a netlink socket");
      return NULL;
    }
  err = nl_connect (sock, NETLINK_ROUTE);
  if (err < 0)
    {
      set_nl_error (error, err, "connect to", "rtnetlink");
      return NULL;
    }
  return g_steal_pointer (&sock);
}

/* One RTM_NEWLINK change of the interface @name: what @change carries. */
static gboolean
link_apply (struct nl_sock *sock, const char *name, struct rtnl_link *change, const char *what,
            int *ifindex, GError **error)
{
  g_autoptr (RtnlLink) link = NULL;
  int err;

  err = rtnl_link_get_kernel (sock, 0, name, &link);
  if (err < 0)
    return set_nl_error (error, err, "look up", name);
  err = rtnl_link_change (sock, link, change, 0);
  if (err < 0)
    return set_nl_error (error, err, what, name);
  if (ifindex != NULL)
    *ifindex = rtnl_link_get_ifindex (link);
  return TRUE;
}

static gboolean
link_set_up (struct nl_sock *sock, const char *name, int *ifindex, GError **error)
{
  g_autoptr (RtnlLink) change = rtnl_link_alloc ();

  if (change == NULL)
    return mh_set_errno_error (error, ENOMEM, "set %s up", name);
  rtnl_link_set_flags (change, IFF_UP);
  return link_apply (sock, name, change, "set link up on", ifindex, error);
}

static gboolean
link_set_mtu (struct nl_sock *sock, const char *name, guint mtu, GError **error)
{
  g_autoptr (RtnlLink) change = rtnl_link_alloc ();
  g_autofree char *what = g_strdup_printf ("set MTU %u on", mtu);

  if (change == NULL)
    return mh_set_errno_error (error, ENOMEM, "set the MTU of %s", name);
  rtnl_link_set_mtu (change, mtu);
  return link_apply (sock, name, change, what, NULL, error);
}

/* Makes @name a port of @bridge, after checking (by the index it will
 * use) that @bridge still is a bridge: the service checked the name before
 * polkit, but names can change hands since. */
static gboolean
link_set_bridge (struct nl_sock *sock, const char *name, const char *bridge, GError **error)
{
  g_autoptr (RtnlLink) master = NULL;
  g_autoptr (RtnlLink) change = NULL;
  g_autofree char *what = NULL;
  int err;

  err = rtnl_link_get_kernel (sock, 0, bridge, &master);
  if (err < 0)
    return set_nl_error (error, err, "look up bridge", bridge);
  if (g_strcmp0 (rtnl_link_get_type (master), "bridge") != 0)
    return mh_set_errno_error (error, EINVAL, "%s is not a bridge", bridge);

  change = rtnl_link_alloc ();
  if (change == NULL)
    return mh_set_errno_error (error, ENOMEM, "add %s to %s", name, bridge);
  rtnl_link_set_master (change, rtnl_link_get_ifindex (master));
  what = g_strdup_printf ("make a port of bridge %s:", bridge);
  return link_apply (sock, name, change, what, NULL, error);
}

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

static gboolean
isolate_from_host (const char *name, gboolean host_ipv6, guint mtu, GError **error)
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

static gboolean
kernel_create (MhTapBackend *self, const char *name, guint32 uid, const MhTapSpec *spec,
               int *ifindex, GError **error)
{
  g_autoptr (NlSock) sock = NULL;
  g_autofree char *what = NULL;
  struct ifreq ifr;
  gboolean ok = FALSE;
  int fd;

  if (strlen (name) >= IFNAMSIZ)
    return mh_set_errno_error (error, ENAMETOOLONG, "create tap %s", name);

  sock = route_socket_open (error);
  if (sock == NULL)
    return FALSE;

  fd = mh_open ("/dev/net/tun", O_RDWR, 0, error);
  if (fd < 0)
    return FALSE;

  memset (&ifr, 0, sizeof ifr);
  memcpy (ifr.ifr_name, name, strlen (name));
  /* ifr_flags is a short; IFF_TUN_EXCL is its top bit. */
  ifr.ifr_flags = (short) (IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL);
  if (spec->vnet_hdr)
    ifr.ifr_flags |= IFF_VNET_HDR;
  if (spec->multi_queue)
    ifr.ifr_flags |= IFF_MULTI_QUEUE;

  what = g_strdup_printf ("TUNSETIFF %s", name);
  if (!mh_ioctl (fd, TUNSETIFF, &ifr, what, error))
    goto out;

  /* The name is validated before it gets here and has no '%', so the
   * kernel must not have picked another one. */
  if (strncmp (ifr.ifr_name, name, IFNAMSIZ) != 0)
    {
      mh_set_errno_error (error, EINVAL, "TUNSETIFF %s created %.*s instead", name, IFNAMSIZ,
                          ifr.ifr_name);
      goto out;
    }

  mh_fault_point ("tap-create-tunsetiff");
  g_free (what);
  what = g_strdup_printf ("TUNSETOWNER %s to uid %u", name, uid);
  if (!mh_ioctl (fd, TUNSETOWNER, (void *) (uintptr_t) uid, what, error))
    goto out;

  mh_fault_point ("tap-create-owner");
  /* MTU and bridge while the fd still holds the device: a failure or a
   * crash until TUNSETPERSIST takes the port away with the device.  The
   * MTU comes first, so the port joins the bridge with the bridge's MTU
   * already and the bridge never adjusts its own to a new port. */
  if (spec->mtu != 0 && !link_set_mtu (sock, name, spec->mtu, error))
    goto out;
  mh_fault_point ("tap-create-mtu");
  if (spec->bridge != NULL && !link_set_bridge (sock, name, spec->bridge, error))
    goto out;
  mh_fault_point ("tap-create-master");
  if (!isolate_from_host (name, ((KernelBackend *) self)->host_ipv6, spec->mtu, error))
    goto out;
  mh_fault_point ("tap-create-isolated");
  if (!link_set_up (sock, name, ifindex, error))
    goto out;
  mh_fault_point ("tap-create-up");

  g_free (what);
  what = g_strdup_printf ("TUNSETPERSIST %s", name);
  if (!mh_ioctl (fd, TUNSETPERSIST, (void *) (uintptr_t) 1, what, error))
    goto out;

  mh_fault_point ("tap-create-persist");
  ok = TRUE;

out:
  /* Before TUNSETPERSIST this close destroys the device. */
  mh_close_fd (&fd);
  return ok;
}

static gboolean
read_tun_attributes (const char *name, MhTapKernelInfo *info, gint64 *sysfs_ifindex, GError **error)
{
  g_autofree char *flags_path = g_build_filename (SYS_CLASS_NET, name, "tun_flags", NULL);
  g_autofree char *owner_path = g_build_filename (SYS_CLASS_NET, name, "owner", NULL);
  g_autofree char *index_path = g_build_filename (SYS_CLASS_NET, name, "ifindex", NULL);
  g_autoptr (GError) local_error = NULL;
  gint64 flags;

  if (!mh_read_attribute_int64 (flags_path, &flags, &local_error))
    {
      /* Not a tun-driver device (a NIC, a bridge, a veth). */
      if (g_error_matches (local_error, MH_ERRNO_ERROR, ENOENT))
        {
          info->is_tap = FALSE;
          info->owner = -1;
          info->tun_flags = 0;
          return mh_read_attribute_int64 (index_path, sysfs_ifindex, error);
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  info->tun_flags = (guint) flags;
  info->is_tap = (flags & IFF_TAP) != 0;
  if (!mh_read_attribute_int64 (owner_path, &info->owner, error))
    return FALSE;
  return mh_read_attribute_int64 (index_path, sysfs_ifindex, error);
}

/* The name of interface @ifindex, "" when it is gone. */
static void
master_name (struct nl_sock *sock, int ifindex, char *out, gsize size)
{
  g_autoptr (RtnlLink) link = NULL;

  out[0] = '\0';
  if (rtnl_link_get_kernel (sock, ifindex, NULL, &link) >= 0 && rtnl_link_get_name (link) != NULL)
    g_strlcpy (out, rtnl_link_get_name (link), size);
}

static gboolean
kernel_lookup (MhTapBackend *self, const char *name, MhTapKernelInfo *info, GError **error)
{
  g_autoptr (NlSock) sock = route_socket_open (error);

  if (sock == NULL)
    return FALSE;

  /* libnl has no parser for the tun link info, so the flags and owner come
   * from sysfs.  A name can change hands between the netlink answer and
   * the sysfs reads; the ifindex in both must agree, else try again. */
  for (int attempt = 0; attempt < 3; attempt++)
    {
      g_autoptr (RtnlLink) link = NULL;
      g_autoptr (GError) local_error = NULL;
      gint64 sysfs_ifindex = 0;
      int err;

      err = rtnl_link_get_kernel (sock, 0, name, &link);
      if (err < 0)
        return set_nl_error (error, err, "look up", name);

      memset (info, 0, sizeof *info);
      info->ifindex = rtnl_link_get_ifindex (link);
      info->up = (rtnl_link_get_flags (link) & IFF_UP) != 0;
      info->mtu = rtnl_link_get_mtu (link);
      info->is_bridge = g_strcmp0 (rtnl_link_get_type (link), "bridge") == 0;
      info->master_ifindex = rtnl_link_get_master (link);
      if (info->master_ifindex > 0)
        master_name (sock, info->master_ifindex, info->master, sizeof info->master);

      if (!read_tun_attributes (name, info, &sysfs_ifindex, &local_error))
        {
          if (g_error_matches (local_error, MH_ERRNO_ERROR, ENOENT))
            continue; /* gone between the two reads */
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (sysfs_ifindex == info->ifindex)
        return TRUE;
    }
  return mh_set_errno_error (error, EAGAIN, "%s changed while it was being inspected", name);
}

static gboolean
kernel_remove (MhTapBackend *self, int ifindex, const char *name, GError **error)
{
  g_autoptr (NlSock) sock = route_socket_open (error);
  g_autoptr (RtnlLink) link = NULL;
  g_autofree char *what = NULL;
  int err;

  if (sock == NULL)
    return FALSE;

  link = rtnl_link_alloc ();
  if (link == NULL)
    return mh_set_errno_error (error, ENOMEM, "delete %s", name);
  rtnl_link_set_ifindex (link, ifindex);

  mh_fault_point ("tap-delete-before-kernel");
  if (mh_fault_fail_once ("tap-delete"))
    return mh_set_errno_error (error, EMFILE, "delete %s (fault injection)", name);
  err = rtnl_link_delete (sock, link);
  mh_fault_point ("tap-delete-after-kernel");
  if (err < 0)
    {
      what = g_strdup_printf ("delete (ifindex %d)", ifindex);
      return set_nl_error (error, err, what, name);
    }
  return TRUE;
}

/* Sends one RTM_SETLINK or RTM_DELLINK carrying only IFLA_GROUP (and the
 * index, 0 for "every interface of the group"); the answer is read with
 * nl_wait_for_ack, in the order of sending. */
static int
send_group_request (struct nl_sock *sock, int type, int ifindex, guint32 group)
{
  struct ifinfomsg header = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
  struct nl_msg *msg = nlmsg_alloc_simple (type, NLM_F_REQUEST | NLM_F_ACK);
  int err;

  if (msg == NULL)
    return -NLE_NOMEM;
  err = nlmsg_append (msg, &header, sizeof header, NLMSG_ALIGNTO);
  if (err >= 0)
    err = nla_put_u32 (msg, IFLA_GROUP, group);
  if (err >= 0)
    err = nl_send_auto (sock, msg);
  nlmsg_free (msg);
  return err;
}

/* Requests sent before their answers are read, so a loaded machine does
 * not put the helper to sleep once per tap; few enough that the answers
 * fit the socket's receive buffer. */
#define GROUP_TAG_WINDOW 32

/* Puts each of @ifindexes in @group; @tagged[i] says which went in. */
static guint
tag_with_group (struct nl_sock *sock, const int *ifindexes, guint n, guint32 group,
                gboolean *tagged)
{
  guint count = 0;

  for (guint start = 0; start < n; start += GROUP_TAG_WINDOW)
    {
      guint end = MIN (n, start + GROUP_TAG_WINDOW);
      gboolean sent[GROUP_TAG_WINDOW];

      for (guint i = start; i < end; i++)
        sent[i - start] = send_group_request (sock, RTM_SETLINK, ifindexes[i], group) >= 0;
      for (guint i = start; i < end; i++)
        {
          tagged[i] = sent[i - start] && nl_wait_for_ack (sock) >= 0;
          count += tagged[i] ? 1 : 0;
        }
    }
  return count;
}

/* A group number no interface of this namespace has: the helper's own
 * for this one deletion.  (Interfaces start in group 0; only a privileged
 * process could put one in this group before the deletion, and the
 * numbers are random.) */
static gboolean
pick_free_group (struct nl_sock *sock, guint32 *group, GError **error)
{
  struct nl_cache *cache = NULL;
  int err = rtnl_link_alloc_cache (sock, AF_UNSPEC, &cache);

  if (err < 0)
    return set_nl_error (error, err, "list", "the interfaces");
  for (int attempt = 0; attempt < 16; attempt++)
    {
      gboolean taken = FALSE;

      *group = 0x6d680000u | (guint32) g_random_int_range (1, 0x10000);
      for (struct nl_object *object = nl_cache_get_first (cache); object != NULL && !taken;
           object = nl_cache_get_next (object))
        taken = rtnl_link_get_group ((struct rtnl_link *) object) == *group;
      if (!taken)
        {
          nl_cache_free (cache);
          return TRUE;
        }
    }
  nl_cache_free (cache);
  return mh_set_errno_error (error, EEXIST, "find a free interface group for the deletion");
}

/* Puts the taps in one fresh group, then deletes the group with one
 * RTM_DELLINK: the kernel unregisters them together and waits for one
 * grace period.  A tap that cannot be put in the group (gone meanwhile)
 * is left to the caller. */
static gboolean
kernel_remove_many (MhTapBackend *self, const int *ifindexes, guint n, gboolean *removed,
                    GError **error)
{
  g_autoptr (NlSock) sock = route_socket_open (error);
  guint32 group = 0;
  guint tagged = 0;
  int err;

  if (sock == NULL || !pick_free_group (sock, &group, error))
    return FALSE;
  tagged = tag_with_group (sock, ifindexes, n, group, removed);
  if (tagged == 0)
    return TRUE;

  mh_fault_point ("tap-delete-before-kernel");
  err = send_group_request (sock, RTM_DELLINK, 0, group);
  if (err >= 0)
    err = nl_wait_for_ack (sock);
  mh_fault_point ("tap-delete-after-kernel");
  if (err < 0)
    {
      g_autofree char *what = g_strdup_printf ("delete %u taps of interface group", tagged);
      g_autofree char *name = g_strdup_printf ("0x%x", group);

      memset (removed, 0, n * sizeof *removed);
      return set_nl_error (error, err, what, name);
    }
  return TRUE;
}

static void
kernel_free (MhTapBackend *self)
{
  g_free (self);
}

MhTapBackend *
mh_tap_backend_kernel_new (gboolean host_ipv6)
{
  KernelBackend *backend = g_new0 (KernelBackend, 1);

  backend->parent.create = kernel_create;
  backend->parent.lookup = kernel_lookup;
  backend->parent.remove = kernel_remove;
  backend->parent.remove_many = kernel_remove_many;
  backend->parent.free = kernel_free;
  backend->host_ipv6 = host_ipv6;
  return &backend->parent;
}
