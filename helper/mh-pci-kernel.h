/* The sysfs writes that move a PCI device to vfio-pci and back, and the
 * ownership of its /dev/vfio/N.  libpci only reads; these write the
 * control files directly, in the order libvirt and driverctl use:
 *
 *   bind:    driver_override = vfio-pci, unbind from the current driver,
 *            drivers_probe, then check the driver link (drivers_probe
 *            succeeds even when no driver took the device);
 *   release: driver_override = "\n" (an empty write is ignored; or the
 *            override the device had before, e.g. pci-stub), unbind from
 *            vfio-pci, drivers_probe (or bind to the original driver
 *            explicitly), check the link.
 *
 * Unbinding from vfio-pci while a program holds the group blocks in the
 * kernel, so release first takes /dev/vfio/N away from the holder and
 * tries to open it: the group device is exclusive, EBUSY means it is in
 * use, and nothing is unbound.  Called on worker threads, one at a time
 * (the service serializes them). */
#pragma once

#include <glib.h>

#include "mh-pci-sysfs.h"

G_BEGIN_DECLS

/* Moves @address, now on @current_driver ("" if none) with
 * @current_override ("" if none), to vfio-pci.  On failure the device is
 * put back as it was and the error says which step failed and whether
 * putting it back worked. */
gboolean mh_pci_kernel_bind (const MhPciSysfs *sysfs, const char *address,
                             const char *current_driver, const char *current_override,
                             GError **error);

/* Waits (briefly) for <dev>/vfio/@group and gives it to @uid, mode 0600. */
gboolean mh_pci_kernel_hand_node (const MhPciSysfs *sysfs, guint group, guint32 uid,
                                  GError **error);

typedef enum {
  MH_PCI_RELEASED,             /* on its original driver again, or unbound as it was */
  MH_PCI_RELEASE_GONE,         /* the device, or its vfio-pci binding, went away outside */
  MH_PCI_RELEASE_BUSY,         /* the group is open: nothing changed */
  MH_PCI_RELEASE_FAILED,       /* still on vfio-pci and still the holder's */
  MH_PCI_RELEASE_NOT_RESTORED, /* off vfio-pci, but the original driver did not take it */
} MhPciReleaseOutcome;

/* Gives @address back to @original_driver, with @original_override
 * ("" if none).  @keep_node_for_holder: other members of the group stay
 * with @holder, so /dev/vfio/@group goes back to them afterwards.
 * @interrupted: a helper was killed while binding or giving back the
 * device, so whatever step it reached (override set or cleared, unbound,
 * on vfio-pci) is the helper's own doing and is finished, not taken for
 * a change made outside.  Sets @error for every outcome but RELEASED. */
MhPciReleaseOutcome mh_pci_kernel_release (const MhPciSysfs *sysfs, const char *address,
                                           guint group, const char *original_driver,
                                           const char *original_override, guint32 holder,
                                           gboolean keep_node_for_holder, gboolean interrupted,
                                           GError **error);

G_END_DECLS
