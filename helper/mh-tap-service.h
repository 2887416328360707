/* What the helper does with taps, independent of D-Bus: it keeps the
 * registry and the kernel in agreement, enforces ownership and caps, runs
 * the kernel work on worker threads and leases taps to client
 * connections.  Every function here is called on the main thread. */
#pragma once

#include <gio/gio.h>

#include "mh-caller.h"
#include "mh-config.h"
#include "mh-leases.h"
#include "mh-tap-backend.h"
#include "mh-tap-registry.h"

G_BEGIN_DECLS

typedef struct _MhTapService MhTapService;

typedef struct {
  char *name;
  int ifindex;
  gboolean reused; /* it existed already and was left as it was */
} MhTapResult;

void mh_tap_result_free (MhTapResult *result);

/* Takes ownership of @registry and @backend; borrows @config and @leases,
 * which must outlive it. */
MhTapService *mh_tap_service_new (const MhConfig *config, MhTapRegistry *registry,
                                  MhTapBackend *backend, MhLeases *leases);
void mh_tap_service_free (MhTapService *service);

MhTapRegistry *mh_tap_service_get_registry (MhTapService *service);

/* Checks that need neither the kernel nor polkit, done before asking the
 * user for a password: names the admin allows, names that belong to
 * someone else, caps.  @requests holds MhTapRequest. */
gboolean mh_tap_service_check_create (MhTapService *service, guint32 uid, GPtrArray *requests,
                                      GError **error);

/* Creates or reuses every tap of @requests for @caller, all or nothing.
 * Returns a GPtrArray of MhTapResult in request order. */
void mh_tap_service_create_async (MhTapService *service, const MhCaller *caller,
                                  GPtrArray *requests, GAsyncReadyCallback callback,
                                  gpointer user_data);
GPtrArray *mh_tap_service_create_finish (MhTapService *service, GAsyncResult *result,
                                         GError **error);

/* The uid the registry records for @name, if the helper made it. */
gboolean mh_tap_service_lookup_owner (MhTapService *service, const char *name, guint32 *uid);

/* Deletes a tap the helper made for @caller (any user's if @as_admin). */
void mh_tap_service_delete_async (MhTapService *service, const MhCaller *caller, const char *name,
                                  gboolean as_admin, GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean mh_tap_service_delete_finish (MhTapService *service, GAsyncResult *result, GError **error);

/* a(sia{sv}) of @uid's taps that still exist in the kernel. */
void mh_tap_service_list_async (MhTapService *service, guint32 uid, GAsyncReadyCallback callback,
                                gpointer user_data);
GVariant *mh_tap_service_list_finish (MhTapService *service, GAsyncResult *result, GError **error);

/* The client @unique_name left the bus: delete the taps it leased. */
void mh_tap_service_release_lease (MhTapService *service, const char *unique_name);

/* At start-up, before serving: forget records whose interface is gone,
 * adopt taps recorded as "creating" that were fully made, delete leased
 * taps whose client is gone and watch the others again.  Synchronous. */
void mh_tap_service_reconcile (MhTapService *service, MhLeaseAliveFunc alive, gpointer alive_data);

/* No request in flight. */
gboolean mh_tap_service_is_idle (MhTapService *service);

/* Called whenever the service goes idle (to re-arm the idle timer). */
void mh_tap_service_set_idle_callback (MhTapService *service, GCallback callback,
                                       gpointer user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhTapResult, mh_tap_result_free)

G_END_DECLS
