/* The tap kind of the leased-resource core (mh-leased-service.h): what
 * the helper does with taps, independent of D-Bus.  The core keeps the
 * registry and the kernel in agreement, counts requests, leases taps to
 * client connections and deletes them; this kind adds the checks before
 * polkit (names, caps) and creation, all or nothing.  Every function here
 * is called on the main thread.
 *
 * The kind's files: mh-tap-service.c (the kind table, checks, creation),
 * mh-tap-removal.c (deleting a tap), mh-tap-inventory.c (listing and the
 * start-up check), mh-tap-registry.c (its record), mh-tap-kernel.c (its
 * kernel file), mh-tap-request.c (parsing a request), mh-tap-methods.c
 * (its D-Bus methods). */
#pragma once

#include <gio/gio.h>

#include "mh-caller.h"
#include "mh-config.h"
#include "mh-leased-service.h"
#include "mh-leases.h"
#include "mh-tap-backend.h"
#include "mh-tap-registry.h"

G_BEGIN_DECLS

typedef MhLeasedService MhTapService;

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
#define mh_tap_service_free mh_leased_service_free
#define mh_tap_service_get_registry mh_leased_service_get_registry

/* Checks that need neither the kernel nor polkit, done before asking the
 * user for a password: names the admin allows, names that belong to
 * someone else, caps.  @requests holds MhTapRequest. */
gboolean mh_tap_service_check_create (MhTapService *service, guint32 uid, GPtrArray *requests,
                                      GError **error);

/* A batch of @n_asked taps is within what one user may have. */
gboolean mh_tap_service_check_batch_size (MhTapService *service, gsize n_asked, GError **error);

/* Creates or reuses every tap of @requests for @caller, all or nothing.
 * Returns a GPtrArray of MhTapResult in request order. */
void mh_tap_service_create_async (MhTapService *service, const MhCaller *caller,
                                  GPtrArray *requests, GAsyncReadyCallback callback,
                                  gpointer user_data);
GPtrArray *mh_tap_service_create_finish (MhTapService *service, GAsyncResult *result,
                                         GError **error);

/* The rest is the core's (mh-leased-service.h), under the tap's words. */

/* The uid the registry records for @name, if the helper made it. */
#define mh_tap_service_lookup_owner mh_leased_service_lookup_holder
/* Deletes a tap the helper made for @caller (any user's if @as_admin). */
#define mh_tap_service_delete_async mh_leased_service_release_async
#define mh_tap_service_delete_finish mh_leased_service_release_finish
/* a(sia{sv}) of @uid's taps that still exist in the kernel. */
#define mh_tap_service_list_async mh_leased_service_list_async
#define mh_tap_service_list_finish mh_leased_service_list_finish
/* The client @unique_name left the bus: delete the taps it leased. */
#define mh_tap_service_release_lease mh_leased_service_release_lease
/* At start-up, before serving: forget records whose interface is gone,
 * adopt taps recorded as "creating" that were fully made, delete leased
 * taps whose client is gone and watch the others again.  Synchronous. */
#define mh_tap_service_reconcile mh_leased_service_reconcile
/* No request in flight. */
#define mh_tap_service_is_idle mh_leased_service_is_idle
/* Called whenever the service goes idle (to re-arm the idle timer). */
#define mh_tap_service_set_idle_callback mh_leased_service_set_idle_callback

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhTapResult, mh_tap_result_free)

G_END_DECLS
