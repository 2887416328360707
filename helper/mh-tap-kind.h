/* The steps of the tap kind that the leased core calls (MhLeasedKind in
 * mh-tap-service.c): deleting (mh-tap-removal.c), and the start-up check
 * and listing (mh-tap-inventory.c).  Only for that table. */
#pragma once

#include "mh-tap-service.h"

G_BEGIN_DECLS

gpointer mh_tap_removal_snapshot (MhLeasedService *service, gpointer record, GPtrArray *batch);
void mh_tap_removal_work (gpointer backend, MhLeasedItem *item);
void mh_tap_removal_work_many (gpointer backend, MhLeasedItem *items, guint n_items);
void mh_tap_removal_finished (MhLeasedService *service, MhLeasedItem *item, const char *why);
gboolean mh_tap_removal_check_caller (MhLeasedService *service, gpointer record, const char *name,
                                      guint32 uid, gboolean as_admin, GError **error);
void mh_tap_removal_caller_done (MhLeasedService *service, MhLeasedItem *item, GTask *task);

gboolean mh_tap_inventory_vanished (gpointer backend, gpointer record);
MhLeasedVerdict mh_tap_inventory_reconcile (MhLeasedService *service, gpointer record,
                                            MhLeaseAliveFunc alive, gpointer alive_data);
gpointer mh_tap_inventory_list_snapshot (gpointer record);
void mh_tap_inventory_list_snapshot_free (gpointer snapshot);
void mh_tap_inventory_list_describe (gpointer backend, gpointer snapshot, GVariantBuilder *builder);

G_END_DECLS
