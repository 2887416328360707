/* What the helper needs from the kernel for taps, behind a small table of
 * functions: the real implementation (mh-tap-kernel.c) talks to
 * /dev/net/tun, netlink and sysfs; tests and fuzzers plug in a fake one so
 * the same service logic runs without root.  Every function may be called
 * from a worker thread or, for a small create job, the main thread. */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

typedef struct {
  int ifindex;
  gboolean is_tap;    /* a tun-driver device in TAP mode */
  gint64 owner;       /* TUNSETOWNER uid, -1 when none (only for is_tap) */
  guint tun_flags;    /* IFF_* flags as sysfs tun_flags shows them */
  gboolean up;        /* IFF_UP */
  gboolean is_bridge; /* link kind "bridge" */
  guint mtu;
  /* The bridge (or other master) it is a port of: index 0 and "" if none. */
  int master_ifindex;
  char master[16];
  /* A macvtap (link kind "macvtap"): its parent, mode and address.  Its
   * owner is the owner of its /dev/tapIFINDEX, when that node's device
   * number is the one sysfs gives the macvtap; -1 otherwise. */
  gboolean is_macvtap;
  char link[16];
  char mode[16];
  char mac[18];
} MhTapKernelInfo;

/* What a new tap is made as, besides its name and owner. */
typedef struct {
  gboolean macvtap; /* a macvtap on @link rather than a tun-driver tap */
  gboolean multi_queue;
  gboolean vnet_hdr;
  const char *bridge; /* made a port of this bridge; NULL: standalone */
  guint mtu;          /* set before the link goes up; 0: the kernel's default */
  const char *link;   /* macvtap: the parent interface */
  const char *mode;   /* macvtap: bridge, vepa, private, passthru, source */
  const char *mac;    /* macvtap: NULL for the kernel's random address */
} MhTapSpec;

typedef struct _MhTapBackend MhTapBackend;

struct _MhTapBackend {
  /* Creates a persistent TAP owned by @uid, with the MTU and bridge of
   * @spec, cut off from the host's own network configuration (see
   * mh-tap-kernel.c), link up; nothing is left behind on failure.  An
   * existing name fails with MH_ERRNO_ERROR EBUSY; a bridge that is gone
   * with ENODEV. */
  gboolean (*create) (MhTapBackend *self, const char *name, guint32 uid, const MhTapSpec *spec,
                      int *ifindex, GError **error);
  /* Any interface of that name; MH_ERRNO_ERROR ENODEV when there is none. */
  gboolean (*lookup) (MhTapBackend *self, const char *name, MhTapKernelInfo *info, GError **error);
  /* Deletes by interface index; @name is only for messages.  ENODEV when
   * the index no longer exists. */
  gboolean (*remove) (MhTapBackend *self, int ifindex, const char *name, GError **error);
  /* Optional: deletes all of @ifindexes in one kernel operation (one RCU
   * grace period for all, where remove costs one each).  Sets
   * @removed[i] for each one it deleted; FALSE with @error when the set could not be deleted together (the
   * caller then removes the rest one by one). */
  gboolean (*remove_many) (MhTapBackend *self, const int *ifindexes, guint n, gboolean *removed,
                           GError **error);
  void (*free) (MhTapBackend *self);
};

/* @host_ipv6: [Taps] HostIPv6 of helper.conf. */
MhTapBackend *mh_tap_backend_kernel_new (gboolean host_ipv6);

static inline void
mh_tap_backend_free (MhTapBackend *backend)
{
  if (backend != NULL)
    backend->free (backend);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhTapBackend, mh_tap_backend_free)

G_END_DECLS
