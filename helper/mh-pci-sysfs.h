/* Reading PCI devices: identity, class, IOMMU group and driver through
 * libpci (sysfs access method), plus the few sysfs attributes libpci does
 * not know (driver_override, boot_vga, sriov_numvfs) and what sits on top
 * of a device (mounted block devices, interfaces that are up).
 *
 * Every path is below a sysfs root ("/sys") and a /dev root ("/dev"); the
 * test suite points both into a fake PCI world.  An MhPciSysfs is
 * immutable after creation, so worker threads share it; each read makes
 * its own libpci handle (libpci handles are not thread-safe). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MH_PCI_VFIO_DRIVER "vfio-pci"

typedef struct _MhPciSysfs MhPciSysfs;

typedef struct {
  char *address; /* canonical */
  guint16 vendor;
  guint16 device;
  guint32 class_code;    /* 24 bits: class, subclass, programming interface */
  int header_type;       /* low 7 bits of the header type; -1 if config space is unreadable */
  gint64 iommu_group;    /* -1 when the kernel gives it none */
  char *driver;          /* "" when unbound */
  char *driver_override; /* "" when not set */
  gboolean boot_vga;
  guint sriov_numvfs;
  char *name; /* "Vendor Device" from pci.ids, else "vvvv:dddd"; NULL unless asked for */
} MhPciDevice;

MhPciSysfs *mh_pci_sysfs_new (const char *sysfs_root, const char *dev_root);
void mh_pci_sysfs_free (MhPciSysfs *sysfs);

/* <sysfs>/bus/pci/devices/ADDRESS[/ATTRIBUTE]; @attribute may be NULL. */
char *mh_pci_sysfs_device_path (const MhPciSysfs *sysfs, const char *address,
                                const char *attribute);
/* <sysfs>/bus/pci/drivers/DRIVER/FILE; @file may be NULL. */
char *mh_pci_sysfs_driver_path (const MhPciSysfs *sysfs, const char *driver, const char *file);
/* <sysfs>/bus/pci/drivers_probe */
char *mh_pci_sysfs_probe_path (const MhPciSysfs *sysfs);
/* <dev>/vfio/GROUP */
char *mh_pci_sysfs_vfio_node (const MhPciSysfs *sysfs, guint group);

gboolean mh_pci_sysfs_device_exists (const MhPciSysfs *sysfs, const char *address);
gboolean mh_pci_sysfs_driver_loaded (const MhPciSysfs *sysfs, const char *driver);

/* The driver the device is bound to now ("" when none), from its driver
 * link.  Fails with MH_ERRNO_ERROR ENODEV when the device is gone. */
char *mh_pci_sysfs_read_driver (const MhPciSysfs *sysfs, const char *address, GError **error);

/* Everything the checks need.  A device that does not exist fails with
 * MH_ERROR_NOT_FOUND. */
MhPciDevice *mh_pci_sysfs_read_device (const MhPciSysfs *sysfs, const char *address,
                                       gboolean want_name, GError **error);
void mh_pci_device_free (MhPciDevice *device);

/* Whether the device is a bridge or any other non-endpoint. */
gboolean mh_pci_device_is_bridge (const MhPciDevice *device);
/* "0x020000" */
char *mh_pci_device_class_text (const MhPciDevice *device);

/* Canonical addresses of the members of IOMMU group @group, sorted. */
GPtrArray *mh_pci_sysfs_group_members (const MhPciSysfs *sysfs, guint group, GError **error);

/* Why the host is using the device right now, one sentence part each
 * ("block device nvme0n1 is mounted on /home"), from the block devices and
 * network interfaces below it.  Empty when nothing is. */
GPtrArray *mh_pci_sysfs_find_users (const MhPciSysfs *sysfs, const char *address, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhPciDevice, mh_pci_device_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhPciSysfs, mh_pci_sysfs_free)

G_END_DECLS
