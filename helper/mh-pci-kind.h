/* The steps of the PCI kind that the leased core calls (MhLeasedKind in
 * mh-pci-service.c): giving devices back (mh-pci-release.c), and the
 * start-up check and listing (mh-pci-inventory.c).  Only for that table
 * and for the bind code in mh-pci-service.c. */
#pragma once

#include "mh-pci-service.h"

G_BEGIN_DECLS

/* Busy, or being given back: no request may start on it. */
gboolean mh_pci_release_check_not_busy (const MhPciRecord *record, GError **error);

gpointer mh_pci_release_snapshot (MhLeasedService *service, gpointer record, GPtrArray *batch);
void mh_pci_release_snapshot_free (gpointer snapshot);
void mh_pci_release_recorded (MhLeasedService *service);
void mh_pci_release_work (gpointer sysfs, MhLeasedItem *item);
void mh_pci_release_finished (MhLeasedService *service, MhLeasedItem *item, const char *why);
void mh_pci_release_saved (MhLeasedService *service);
gboolean mh_pci_release_check_caller (MhLeasedService *service, gpointer record,
                                      const char *address, guint32 uid, gboolean as_admin,
                                      GError **error);
void mh_pci_release_caller_done (MhLeasedService *service, MhLeasedItem *item, GTask *task);
void mh_pci_release_lease_ended (gpointer record);

MhLeasedVerdict mh_pci_inventory_reconcile (MhLeasedService *service, gpointer record,
                                            MhLeaseAliveFunc alive, gpointer alive_data);
gpointer mh_pci_inventory_list_snapshot (gpointer record);
void mh_pci_inventory_list_snapshot_free (gpointer snapshot);
void mh_pci_inventory_list_describe (gpointer sysfs, gpointer snapshot, GVariantBuilder *builder);

G_END_DECLS
