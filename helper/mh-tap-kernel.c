/* The real tap backend.
 *
 * Creation follows the order NetworkManager uses, so that a failure at any
 * step leaves nothing behind: the device only becomes persistent at the
 * very end, and until then closing the fd destroys it.  The fd is always
 * closed: a single-queue tap with an fd still attached would refuse the
 * hypervisor with EBUSY.
 *
 * Before the link goes up the tap is cut off from the host's own network
 * configuration (mh-net-isolate.c): whatever the tap's owner sends into
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
#include <netlink/route/link/macvtap.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mh-error.h"
#include "mh-fault.h"
#include "mh-macvtap-kernel.h"
#include "mh-net-isolate.h"
#include "mh-netlink.h"
#include "mh-syscall.h"

#define SYS_CLASS_NET "/sys/class/net"

/* The kernel backend and what the administrator chose for it. */
typedef struct {
  MhTapBackend parent;
  gboolean host_ipv6;
} KernelBackend;

/* One RTM_NEWLINK change of the interface @ifindex (@name is for the
 * message): addressed by index, which the tap's fd keeps valid, so no
 * RTM_GETLINK round trip is needed before each change. */
static gboolean
link_apply (struct nl_sock *sock, int ifindex, const char *name, struct rtnl_link *change,
            const char *what, GError **error)
{
  g_autoptr (RtnlLink) target = rtnl_link_alloc ();
  int err;

  if (target == NULL)
    return mh_set_errno_error (error, ENOMEM, "%s %s", what, name);
  rtnl_link_set_ifindex (target, ifindex);
  err = rtnl_link_change (sock, target, change, 0);
  if (err < 0)
    return mh_nl_error (error, err, what, name);
  return TRUE;
}

static gboolean
link_set_up (struct nl_sock *sock, int ifindex, const char *name, GError **error)
{
  g_autoptr (RtnlLink) change = rtnl_link_alloc ();

  if (change == NULL)
    return mh_set_errno_error (error, ENOMEM, "set %s up", name);
  rtnl_link_set_flags (change, IFF_UP);
  return link_apply (sock, ifindex, name, change, "set link up on", error);
}

static gboolean
link_set_mtu (struct nl_sock *sock, int ifindex, const char *name, guint mtu, GError **error)
{
  g_autoptr (RtnlLink) change = rtnl_link_alloc ();
  g_autofree char *what = g_strdup_printf ("set MTU %u on", mtu);

  if (change == NULL)
    return mh_set_errno_error (error, ENOMEM, "set the MTU of %s", name);
  rtnl_link_set_mtu (change, mtu);
  return link_apply (sock, ifindex, name, change, what, error);
}

/* Makes @name a port of @bridge, after checking (by the index it will
 * use) that @bridge still is a bridge: the service checked the name before
 * polkit, but names can change hands since. */
static gboolean
link_set_bridge (struct nl_sock *sock, int ifindex, const char *name, const char *bridge,
                 GError **error)
{
  g_autoptr (RtnlLink) master = NULL;
  g_autoptr (RtnlLink) change = NULL;
  g_autofree char *what = NULL;
  int err;

  err = rtnl_link_get_kernel (sock, 0, bridge, &master);
  if (err < 0)
    return mh_nl_error (error, err, "look up bridge", bridge);
  if (g_strcmp0 (rtnl_link_get_type (master), "bridge") != 0)
    return mh_set_errno_error (error, EINVAL, "%s is not a bridge", bridge);

  change = rtnl_link_alloc ();
  if (change == NULL)
    return mh_set_errno_error (error, ENOMEM, "add %s to %s", name, bridge);
  rtnl_link_set_master (change, rtnl_link_get_ifindex (master));
  what = g_strdup_printf ("make a port of bridge %s:", bridge);
  return link_apply (sock, ifindex, name, change, what, error);
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

  sock = mh_nl_route_socket (error);
  if (sock == NULL)
    return FALSE;
  if (spec->macvtap)
    return mh_macvtap_kernel_create (sock, name, uid, spec, ((KernelBackend *) self)->host_ipv6,
                                     ifindex, error);

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

  /* The index, once: every later change addresses the device by it. */
  g_free (what);
  what = g_strdup_printf ("SIOCGIFINDEX %s", name);
  if (!mh_ioctl (nl_socket_get_fd (sock), SIOCGIFINDEX, &ifr, what, error))
    goto out;
  *ifindex = ifr.ifr_ifindex;

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
  if (spec->mtu != 0 && !link_set_mtu (sock, *ifindex, name, spec->mtu, error))
    goto out;
  mh_fault_point ("tap-create-mtu");
  if (spec->bridge != NULL && !link_set_bridge (sock, *ifindex, name, spec->bridge, error))
    goto out;
  mh_fault_point ("tap-create-master");
  if (!mh_net_isolate_from_host (name, ((KernelBackend *) self)->host_ipv6, spec->mtu, error))
    goto out;
  mh_fault_point ("tap-create-isolated");
  if (!link_set_up (sock, *ifindex, name, error))
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

static void
describe_macvtap (struct nl_sock *sock, struct rtnl_link *link, MhTapKernelInfo *info)
{
  struct nl_addr *address = rtnl_link_get_addr (link);
  char mode[32];

  info->is_macvtap = TRUE;
  if (rtnl_link_get_link (link) > 0)
    master_name (sock, rtnl_link_get_link (link), info->link, sizeof info->link);
  rtnl_link_macvtap_mode2str (rtnl_link_macvtap_get_mode (link), mode, sizeof mode);
  g_strlcpy (info->mode, mode, sizeof info->mode);
  if (address != NULL)
    nl_addr2str (address, info->mac, sizeof info->mac);
}

static gboolean
kernel_lookup (MhTapBackend *self, const char *name, MhTapKernelInfo *info, GError **error)
{
  g_autoptr (NlSock) sock = mh_nl_route_socket (error);

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
        return mh_nl_error (error, err, "look up", name);

      memset (info, 0, sizeof *info);
      info->ifindex = rtnl_link_get_ifindex (link);
      info->up = (rtnl_link_get_flags (link) & IFF_UP) != 0;
      info->mtu = rtnl_link_get_mtu (link);
      info->is_bridge = g_strcmp0 (rtnl_link_get_type (link), "bridge") == 0;
      info->master_ifindex = rtnl_link_get_master (link);
      if (info->master_ifindex > 0)
        master_name (sock, info->master_ifindex, info->master, sizeof info->master);
      if (g_strcmp0 (rtnl_link_get_type (link), "macvtap") == 0)
        {
          /* A macvtap has no tun attributes: its owner is its node's,
           * found through sysfs under this name and this index, so a name
           * that changed hands meanwhile has none. */
          describe_macvtap (sock, link, info);
          info->owner = mh_macvtap_kernel_node_owner (name, info->ifindex);
          return TRUE;
        }

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
  g_autoptr (NlSock) sock = mh_nl_route_socket (error);
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
      return mh_nl_error (error, err, what, name);
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
    return mh_nl_error (error, err, "list", "the interfaces");
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
  g_autoptr (NlSock) sock = mh_nl_route_socket (error);
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
      return mh_nl_error (error, err, what, name);
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
