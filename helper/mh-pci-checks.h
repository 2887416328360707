/* Whether a PCI device may be given to a user, and why not.
 *
 * mh_pci_inspect() reads everything the rules need (on a worker thread);
 * mh_pci_check_bind() applies the rules to what was read, without
 * touching the system, so the same decision is made before polkit is
 * asked (no password prompt for a call that cannot succeed) and again
 * right before the kernel work (the system may have changed while the
 * user typed the password). */
#pragma once

#include <glib.h>

#include "mh-config.h"
#include "mh-pci-sysfs.h"

G_BEGIN_DECLS

typedef struct {
  MhPciDevice *device;
  GPtrArray *peers; /* MhPciDevice: the other members of its IOMMU group */
  GPtrArray *users; /* char *: what the host uses the device for right now */
  gboolean vfio_driver_loaded;
} MhPciInspection;

void mh_pci_inspection_free (MhPciInspection *inspection);

/* Reads the device (NOT_FOUND if it does not exist), its group peers and
 * its users.  @want_name: look its name up in pci.ids. */
MhPciInspection *mh_pci_inspect (const MhPciSysfs *sysfs, const char *address, gboolean want_name,
                                 GError **error);

typedef enum {
  MH_PCI_BIND_NEW,   /* move it to vfio-pci */
  MH_PCI_BIND_REUSE, /* already on vfio-pci for this user through the helper */
} MhPciBindKind;

/* The rules for binding @inspection's device for @uid.  @holders maps the
 * canonical address of every device the helper has (or is) binding to its
 * holder's uid.  On refusal, sets an MH_ERROR whose message says why and
 * what to do. */
gboolean mh_pci_check_bind (const MhPciInspection *inspection, const MhConfig *config,
                            GHashTable *holders, guint32 uid, MhPciBindKind *kind, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhPciInspection, mh_pci_inspection_free)

G_END_DECLS
