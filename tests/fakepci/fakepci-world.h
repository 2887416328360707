/* The state of the fake PCI world and the kernel's rules for changing it.
 *
 * A world is made from a small text spec (see mh-fakepci.c) and then only
 * changes the way the kernel changes: writes to driver_override, a
 * driver's bind/unbind/new_id/remove_id and drivers_probe move devices
 * between drivers (honouring driver_override and the drivers' id tables),
 * vfio-pci refuses what the real vfio-pci refuses, /dev/vfio/N exists
 * while a device of group N is on vfio-pci, and that node is exclusive
 * (a second open fails with EBUSY).  Tests steer it through a control
 * file: make a step fail, mark a group busy, remove a device.
 *
 * One lock guards everything; the FUSE layer calls these functions from
 * several threads. */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

typedef struct {
  char *address;
  guint16 vendor, device, subvendor, subdevice;
  guint32 class_code; /* 24 bits */
  guint8 revision;
  guint8 header_type; /* 0 endpoint, 1 bridge, 2 cardbus */
  gboolean multifunction;
  int group;       /* -1: no IOMMU group */
  char *driver;    /* NULL: unbound */
  char *override;  /* NULL: none */
  int boot_vga;    /* -1: no such file (not a display device) */
  int sriov_total; /* -1: not SR-IOV capable */
  int sriov_num;
  char *physfn; /* a virtual function's physical function */
  char *net;    /* network interface below the device */
  gboolean net_up;
  char *block;     /* block device below the device */
  char *block_dev; /* its "MAJ:MIN" */
  int irq;
} FakeDevice;

typedef struct {
  char *name;
  GPtrArray *ids;         /* static: "vvvv:dddd" or "class:cccc" */
  GPtrArray *dynamic_ids; /* new_id: "vvvv:dddd" */
} FakeDriver;

typedef struct {
  int group;
  gboolean exists;
  uid_t uid;
  gid_t gid;
  mode_t mode;
  int opens;
  gboolean busy; /* test switch: every open fails with EBUSY */
} FakeNode;

typedef struct _FakeWorld FakeWorld;

FakeWorld *fake_world_new_from_spec (const char *text, GError **error);

void fake_world_lock (FakeWorld *world);
void fake_world_unlock (FakeWorld *world);

/* Lookups, with the lock held. */
GPtrArray *fake_world_devices (FakeWorld *world); /* FakeDevice, sorted by address */
GPtrArray *fake_world_drivers (FakeWorld *world); /* FakeDriver */
FakeDevice *fake_world_find_device (FakeWorld *world, const char *address);
FakeDriver *fake_world_find_driver (FakeWorld *world, const char *name);
FakeNode *fake_world_find_node (FakeWorld *world, int group); /* NULL if it does not exist */
/* Group numbers that have at least one device, sorted. */
GArray *fake_world_groups (FakeWorld *world);
const char *fake_world_log (FakeWorld *world);
guint8 *fake_world_config_space (const FakeDevice *device); /* 256 bytes, g_free */

/* The writes, with the lock held: 0 or an errno value. */
int fake_world_write_override (FakeWorld *world, FakeDevice *device, const char *data, size_t size);
int fake_world_write_bind (FakeWorld *world, FakeDriver *driver, const char *data, size_t size);
int fake_world_write_unbind (FakeWorld *world, FakeDriver *driver, const char *data, size_t size);
int fake_world_write_new_id (FakeWorld *world, FakeDriver *driver, const char *data, size_t size,
                             gboolean add);
int fake_world_write_probe (FakeWorld *world, const char *data, size_t size);
int fake_world_write_control (FakeWorld *world, const char *data, size_t size);

/* /dev/vfio/N, with the lock held. */
int fake_world_open_node (FakeWorld *world, int group);
void fake_world_close_node (FakeWorld *world, int group);
int fake_world_chown_node (FakeWorld *world, int group, uid_t uid, gid_t gid);
int fake_world_chmod_node (FakeWorld *world, int group, mode_t mode);

G_END_DECLS
