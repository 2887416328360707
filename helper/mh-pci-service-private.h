/* Shared between the parts of the PCI service (mh-pci-service.c: bind,
 * list, inspection; mh-pci-release.c: giving devices back, leases,
 * start-up).  Not for other users. */
#pragma once

#include "mh-pci-service.h"

G_BEGIN_DECLS

struct _MhPciService {
  const MhConfig *config;
  MhPciRegistry *registry;
  MhPciSysfs *sysfs;
  MhLeases *leases;
  GMutex kernel_lock; /* one device change at a time: groups share /dev/vfio/N */
  guint in_flight;
  GCallback idle_callback;
  gpointer idle_data;
};

void mh_pci_service_request_started (MhPciService *service);
/* Starts what waited for a busy record and tells the daemon when idle. */
void mh_pci_service_request_finished (MhPciService *service);
void mh_pci_service_save_or_warn (MhPciService *service);
/* Drops the record and its lease. */
void mh_pci_service_forget (MhPciService *service, MhPciRecord *record);
/* Busy, or being given back: no request may start on it. */
gboolean mh_pci_service_check_not_busy (const MhPciRecord *record, GError **error);
/* Gives @records back on a worker; @why is for the log. */
void mh_pci_service_start_release (MhPciService *service, GPtrArray *records, const char *why);

G_END_DECLS
