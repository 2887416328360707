/* What the helper does with PCI devices, independent of D-Bus: it keeps
 * pci.registry and the kernel in agreement, decides whether a device may
 * be bound (mh-pci-checks), runs the sysfs work on worker threads one
 * device change at a time, hands /dev/vfio/N to the holder, and gives
 * devices back when asked, when a leasing client leaves the bus, or at
 * start-up for what a previous helper left.  Every function here is
 * called on the main thread. */
#pragma once

#include <gio/gio.h>

#include "mh-caller.h"
#include "mh-config.h"
#include "mh-leases.h"
#include "mh-pci-checks.h"
#include "mh-pci-registry.h"
#include "mh-pci-sysfs.h"

G_BEGIN_DECLS

typedef struct _MhPciService MhPciService;

/* Takes @registry and @sysfs; borrows @config and @leases. */
MhPciService *mh_pci_service_new (const MhConfig *config, MhPciRegistry *registry,
                                  MhPciSysfs *sysfs, MhLeases *leases);
void mh_pci_service_free (MhPciService *service);

MhPciRegistry *mh_pci_service_get_registry (MhPciService *service);

/* Reads what polkit and the checks need about @address (worker thread). */
void mh_pci_service_inspect_async (MhPciService *service, const char *address, gboolean want_name,
                                   GAsyncReadyCallback callback, gpointer user_data);
MhPciInspection *mh_pci_service_inspect_finish (MhPciService *service, GAsyncResult *result,
                                                GError **error);

/* Only the device itself, with its name (peers and users left empty):
 * what polkit is told when a device is given back.  Finish with
 * mh_pci_service_inspect_finish(). */
void mh_pci_service_describe_async (MhPciService *service, const char *address,
                                    GAsyncReadyCallback callback, gpointer user_data);

/* The rules, applied to an inspection for @uid, before polkit is asked. */
gboolean mh_pci_service_check_bind (MhPciService *service, const MhPciInspection *inspection,
                                    guint32 uid, GError **error);

/* The holder the registry records for @address, if any. */
gboolean mh_pci_service_lookup_holder (MhPciService *service, const char *address, guint32 *uid);

/* Binds @address to vfio-pci for @caller (or reuses the caller's binding)
 * and returns the path of its /dev/vfio/N, now the caller's. */
void mh_pci_service_bind_async (MhPciService *service, const MhCaller *caller, const char *address,
                                gboolean release_on_disconnect, GAsyncReadyCallback callback,
                                gpointer user_data);
char *mh_pci_service_bind_finish (MhPciService *service, GAsyncResult *result, GError **error);

/* Gives @address back to its original driver; the holder's device only,
 * any holder's if @as_admin. */
void mh_pci_service_release_async (MhPciService *service, const MhCaller *caller,
                                   const char *address, gboolean as_admin,
                                   GAsyncReadyCallback callback, gpointer user_data);
gboolean mh_pci_service_release_finish (MhPciService *service, GAsyncResult *result,
                                        GError **error);

/* a(sa{sv}) of @uid's devices that are still on vfio-pci. */
void mh_pci_service_list_async (MhPciService *service, guint32 uid, GAsyncReadyCallback callback,
                                gpointer user_data);
GVariant *mh_pci_service_list_finish (MhPciService *service, GAsyncResult *result, GError **error);

/* The client @unique_name left the bus: give back what it leased, retrying
 * while its hypervisor still holds the group. */
void mh_pci_service_release_lease (MhPciService *service, const char *unique_name);

/* At start-up, before serving: give back what a bind interrupted by a
 * restart left, and what leased clients that are gone held; forget
 * devices that left vfio-pci meanwhile; watch the other leases again. */
void mh_pci_service_reconcile (MhPciService *service, MhLeaseAliveFunc alive, gpointer alive_data);

/* No request in flight and no release waiting for a retry. */
gboolean mh_pci_service_is_idle (MhPciService *service);

/* A request's worker thread is running (retries waiting do not count). */
gboolean mh_pci_service_has_running_work (MhPciService *service);
void mh_pci_service_set_idle_callback (MhPciService *service, GCallback callback,
                                       gpointer user_data);

G_END_DECLS
