/* A macvtap, made by the helper for a user.
 *
 * Unlike a tun-driver tap, a macvtap does not die with a file descriptor:
 * it exists from RTM_NEWLINK on.  So every step after creation undoes the
 * creation when it fails, and a helper killed half-way leaves a record in
 * state "creating" whose macvtap the next start deletes unless it was
 * complete (mh-tap-inventory.c).  The steps: create with parent, mode,
 * address and MTU; IPv6 off before the link goes up, so the host takes no
 * configuration from the VM (mh-net-isolate.c); allmulticast and up in one
 * change; and last the character device /dev/tapIFINDEX (devtmpfs makes it
 * root 0600) to the caller, only after checking that the node is the
 * device sysfs names for this macvtap: a node of that name could be a
 * leftover or someone else's. */
#include "mh-macvtap-kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <netlink/route/link/macvtap.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mh-error.h"
#include "mh-fault.h"
#include "mh-net-isolate.h"
#include "mh-netlink.h"
#include "mh-syscall.h"

typedef struct nl_addr NlAddr;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NlAddr, nl_addr_put)

/* The device number sysfs gives the macvtap's character device. */
static gboolean
sysfs_devnum (const char *name, int ifindex, dev_t *devnum, GError **error)
{
  g_autofree char *path = g_strdup_printf ("/sys/class/net/%s/macvtap/tap%d/dev", name, ifindex);
  g_autofree char *text = NULL;
  guint major_number, minor_number;

  if (!mh_read_attribute (path, &text, error))
    return FALSE;
  if (sscanf (text, "%u:%u", &major_number, &minor_number) != 2)
    return mh_set_errno_error (error, EINVAL, "read %s: \"%s\" is not MAJOR:MINOR", path, text);
  *devnum = makedev (major_number, minor_number);
  return TRUE;
}

/* Opens /dev/tapIFINDEX without following a link and checks it is the
 * macvtap's character device; returns an O_PATH fd or -1. */
static int
open_node (const char *name, int ifindex, struct stat *st, GError **error)
{
  g_autofree char *node = g_strdup_printf ("/dev/tap%d", ifindex);
  dev_t devnum;
  int fd;

  if (!sysfs_devnum (name, ifindex, &devnum, error))
    return -1;
  fd = mh_open (node, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0, error);
  if (fd < 0)
    return -1;
  if (fstat (fd, st) < 0)
    {
      int errsv = errno;
      mh_close_fd (&fd);
      mh_set_errno_error (error, errsv, "stat %s", node);
      return -1;
    }
  if (!S_ISCHR (st->st_mode) || st->st_rdev != devnum)
    {
      mh_close_fd (&fd);
      mh_set_errno_error (error, EEXIST, "%s is not the device of %s (%u:%u)", node, name,
                          major (devnum), minor (devnum));
      return -1;
    }
  return fd;
}

gint64
mh_macvtap_kernel_node_owner (const char *name, int ifindex)
{
  struct stat st;
  int fd = open_node (name, ifindex, &st, NULL);

  if (fd < 0)
    return -1;
  mh_close_fd (&fd);
  return st.st_uid;
}

/* Mode 0600 first, while root still owns the node (the helper has no
 * CAP_FOWNER), then the owner; both through the checked descriptor, so the
 * path is not resolved again. */
static gboolean
give_node (const char *name, int ifindex, guint32 uid, GError **error)
{
  g_autofree char *by_fd = NULL;
  struct stat st;
  int fd = open_node (name, ifindex, &st, error);

  if (fd < 0)
    return FALSE;
  by_fd = g_strdup_printf ("/proc/self/fd/%d", fd);
  if (chmod (by_fd, 0600) < 0 || fchownat (fd, "", uid, st.st_gid, AT_EMPTY_PATH) < 0)
    {
      int errsv = errno;
      mh_close_fd (&fd);
      return mh_set_errno_error (error, errsv, "give /dev/tap%d of %s to uid %u with mode 0600",
                                 ifindex, name, uid);
    }
  mh_close_fd (&fd);
  return TRUE;
}

static gboolean
add_link (struct nl_sock *sock, const char *name, const MhTapSpec *spec, GError **error)
{
  g_autoptr (RtnlLink) parent = NULL;
  g_autoptr (RtnlLink) link = rtnl_link_macvtap_alloc ();
  int mode = rtnl_link_macvtap_str2mode (spec->mode);
  int err;

  if (link == NULL)
    return mh_set_errno_error (error, ENOMEM, "make macvtap %s", name);
  if (mode < 0)
    return mh_set_errno_error (error, EINVAL, "macvtap %s: mode %s", name, spec->mode);
  err = rtnl_link_get_kernel (sock, 0, spec->link, &parent);
  if (err < 0)
    return mh_nl_error (error, err, "look up the parent link", spec->link);

  rtnl_link_set_name (link, name);
  rtnl_link_set_link (link, rtnl_link_get_ifindex (parent));
  rtnl_link_macvtap_set_mode (link, (uint32_t) mode);
  if (spec->mtu != 0)
    rtnl_link_set_mtu (link, spec->mtu);
  if (spec->mac != NULL)
    {
      g_autoptr (NlAddr) address = NULL;

      err = nl_addr_parse (spec->mac, AF_LLC, &address);
      if (err < 0)
        return mh_nl_error (error, err, "parse the address of", name);
      rtnl_link_set_addr (link, address);
    }
  /* NLM_F_EXCL: an existing name is refused, never taken over. */
  err = rtnl_link_add (sock, link, NLM_F_CREATE | NLM_F_EXCL);
  if (err < 0)
    {
      if (err == -NLE_EXIST)
        return mh_set_errno_error (error, EBUSY, "make macvtap %s: the name exists", name);
      return mh_nl_error (error, err, "make macvtap", name);
    }
  return TRUE;
}

static gboolean
set_up (struct nl_sock *sock, const char *name, int *ifindex, GError **error)
{
  g_autoptr (RtnlLink) link = NULL;
  g_autoptr (RtnlLink) change = rtnl_link_alloc ();
  int err;

  if (change == NULL)
    return mh_set_errno_error (error, ENOMEM, "set %s up", name);
  err = rtnl_link_get_kernel (sock, 0, name, &link);
  if (err < 0)
    return mh_nl_error (error, err, "look up", name);
  if (*ifindex != rtnl_link_get_ifindex (link))
    return mh_set_errno_error (error, EAGAIN, "%s was replaced while it was being made", name);
  /* allmulticast: the guest's multicast (IPv6 neighbour discovery,
   * mDNS) reaches it through the parent's filter. */
  rtnl_link_set_flags (change, IFF_UP | IFF_ALLMULTI);
  err = rtnl_link_change (sock, link, change, 0);
  if (err < 0)
    return mh_nl_error (error, err, "set allmulticast and up on", name);
  return TRUE;
}

static gboolean
lookup_index (struct nl_sock *sock, const char *name, int *ifindex, GError **error)
{
  g_autoptr (RtnlLink) link = NULL;
  int err = rtnl_link_get_kernel (sock, 0, name, &link);

  if (err < 0)
    return mh_nl_error (error, err, "look up", name);
  if (g_strcmp0 (rtnl_link_get_type (link), "macvtap") != 0)
    return mh_set_errno_error (error, EAGAIN, "%s was replaced while it was being made", name);
  *ifindex = rtnl_link_get_ifindex (link);
  return TRUE;
}

static void
undo (struct nl_sock *sock, const char *name, int ifindex)
{
  g_autoptr (RtnlLink) link = rtnl_link_alloc ();
  int err;

  if (link == NULL || ifindex <= 0)
    return;
  rtnl_link_set_ifindex (link, ifindex);
  err = rtnl_link_delete (sock, link);
  if (err < 0)
    g_warning ("cannot delete the half-made macvtap %s (ifindex %d): %s", name, ifindex,
               nl_geterror (err));
}

gboolean
mh_macvtap_kernel_create (struct nl_sock *sock, const char *name, guint32 uid,
                          const MhTapSpec *spec, gboolean host_ipv6, int *ifindex, GError **error)
{
  int made = 0;

  if (!add_link (sock, name, spec, error))
    return FALSE;
  mh_fault_point ("macvtap-create-made");
  if (!lookup_index (sock, name, &made, error))
    return FALSE; /* not ours to delete: the name changed hands */
  if (!mh_net_isolate_from_host (name, host_ipv6, spec->mtu, error))
    goto fail;
  mh_fault_point ("macvtap-create-isolated");
  if (!set_up (sock, name, &made, error))
    goto fail;
  mh_fault_point ("macvtap-create-up");
  if (!give_node (name, made, uid, error))
    goto fail;
  mh_fault_point ("macvtap-create-node");
  *ifindex = made;
  return TRUE;

fail:
  undo (sock, name, made);
  return FALSE;
}
