/* The PCI kind of the leased-resource core (mh-leased-service.h): what the
 * helper does with PCI devices, independent of D-Bus.  The core keeps
 * pci.registry and the kernel in agreement, counts requests and gives
 * devices back when asked, when a leasing client leaves the bus, or at
 * start-up for what a previous helper left; this kind decides whether a
 * device may be bound (mh-pci-checks), binds it and hands /dev/vfio/N to
 * the holder, one device change at a time.  Every function here is called
 * on the main thread.
 *
 * The kind's files: mh-pci-service.c (the kind table, inspection, bind),
 * mh-pci-release.c (giving a device back, retries), mh-pci-inventory.c
 * (listing and the start-up check), mh-pci-registry.c (its record),
 * mh-pci-kernel.c and mh-pci-sysfs.c (its kernel files), mh-pci-checks.c
 * (the binding rules), mh-pci-methods.c (its D-Bus methods). */
#pragma once

#include <gio/gio.h>

#include "mh-caller.h"
#include "mh-config.h"
#include "mh-leased-service.h"
#include "mh-leases.h"
#include "mh-pci-checks.h"
#include "mh-pci-registry.h"
#include "mh-pci-sysfs.h"

G_BEGIN_DECLS

typedef MhLeasedService MhPciService;

/* Takes @registry and @sysfs; borrows @config and @leases. */
MhPciService *mh_pci_service_new (const MhConfig *config, MhPciRegistry *registry,
                                  MhPciSysfs *sysfs, MhLeases *leases);
#define mh_pci_service_free mh_leased_service_free
#define mh_pci_service_get_registry mh_leased_service_get_registry

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

/* A memlock limit of @bytes is within MaxMemlock= ([PCI]). */
gboolean mh_pci_service_check_memlock (MhPciService *service, guint64 bytes, GError **error);

/* The holder the registry records for @address, if any. */
#define mh_pci_service_lookup_holder mh_leased_service_lookup_holder

/* Binds @address to vfio-pci for @caller (or reuses the caller's binding)
 * and returns the path of its /dev/vfio/N, now the caller's. */
void mh_pci_service_bind_async (MhPciService *service, const MhCaller *caller, const char *address,
                                gboolean release_on_disconnect, GAsyncReadyCallback callback,
                                gpointer user_data);
char *mh_pci_service_bind_finish (MhPciService *service, GAsyncResult *result, GError **error);

/* The rest is the core's (mh-leased-service.h), under the PCI words. */

/* Gives @address back to its original driver; the holder's device only,
 * any holder's if @as_admin. */
#define mh_pci_service_release_async mh_leased_service_release_async
#define mh_pci_service_release_finish mh_leased_service_release_finish
/* a(sa{sv}) of @uid's devices that are still on vfio-pci. */
#define mh_pci_service_list_async mh_leased_service_list_async
#define mh_pci_service_list_finish mh_leased_service_list_finish
/* The client @unique_name left the bus: give back what it leased, retrying
 * while its hypervisor still holds the group. */
#define mh_pci_service_release_lease mh_leased_service_release_lease
/* At start-up, before serving: give back what a bind interrupted by a
 * restart left, and what leased clients that are gone held; forget
 * devices that left vfio-pci meanwhile; watch the other leases again. */
#define mh_pci_service_reconcile mh_leased_service_reconcile
/* No request in flight and no release waiting for a retry. */
#define mh_pci_service_is_idle mh_leased_service_is_idle
/* A request's worker thread is running (retries waiting do not count). */
#define mh_pci_service_has_running_work mh_leased_service_has_running_work
#define mh_pci_service_set_idle_callback mh_leased_service_set_idle_callback

G_END_DECLS
