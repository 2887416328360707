/* The leased-resource core, part 2: what the helper does with any kind of
 * resource it hands out, independent of D-Bus.  One service per kind owns
 * the kind's registry (mh-leased-registry.h) and its kernel object (the
 * tap backend, the PCI sysfs), counts the requests in flight and says when
 * it is idle, gives resources back on a worker thread (a caller's own
 * release, a lease whose client left the bus, a rollback, what a previous
 * helper left), releases what waited for a busy record once that request
 * is done, reconciles the registry with the kernel at start-up, lists a
 * user's resources, and saves.
 *
 * A kind supplies an MhLeasedKind: the few steps that differ (what a
 * release must copy for the worker, the kernel work itself, what its
 * outcome means, how a record is checked at start-up and described in a
 * list).  Making a resource (CreateTap, BindPciDevice) stays the kind's
 * own code, built on the calls below.  Every function here is called on
 * the main thread unless it says otherwise.  How to add a kind:
 * docs/architecture.md, "Helper: the leased-resource core". */
#pragma once

#include <gio/gio.h>

#include "mh-caller.h"
#include "mh-config.h"
#include "mh-leased-registry.h"
#include "mh-leases.h"

G_BEGIN_DECLS

typedef struct _MhLeasedService MhLeasedService;

/* One resource of a release: what the worker needs, copied on the main
 * thread, and what came of it. */
typedef struct {
  char *key;
  guint32 uid;
  gpointer data; /* the kind's snapshot (release_snapshot) */
  int outcome;   /* the kind's */
  GError *error;
} MhLeasedItem;

/* What the start-up reconciliation does with one record. */
typedef enum {
  MH_LEASED_KEEP,           /* keep it, and watch its lease again */
  MH_LEASED_KEEP_UNWATCHED, /* keep it as it is (it could not be checked) */
  MH_LEASED_FORGET,         /* drop the record: nothing left in the kernel */
  MH_LEASED_RELEASE,        /* give it back (on a worker, after the save) */
} MhLeasedVerdict;

typedef struct {
  /* For the log when a release that waited for a busy record starts. */
  const char *pending_why;
  /* Kernel work of this kind is done one change at a time, under the
   * service's kernel lock (PCI: devices of a group share /dev/vfio/N). */
  gboolean one_change_at_a_time;
  void (*free_kernel) (gpointer kernel);

  /* Giving back.  snapshot: main thread, the record is marked busy by the
   * core; @batch holds every record of the same job.  recorded
   * (optional): main thread, once every record is marked, before the
   * worker starts.  work: worker thread, one item.  finished: main
   * thread, a release nobody waits for (lease ended, rollback, start-up):
   * applies the outcome to the registry and logs it; the core saves after
   * the last one, then calls saved (optional). */
  gpointer (*release_snapshot) (MhLeasedService *service, gpointer record, GPtrArray *batch);
  GDestroyNotify snapshot_free;
  void (*release_recorded) (MhLeasedService *service);
  void (*release_work) (gpointer kernel, MhLeasedItem *item);
  /* Optional, worker thread: every item of a job of more than one at
   * once, in place of work, so the kind can give them back in one kernel
   * operation (taps: one grace period for the whole set). */
  void (*release_work_many) (gpointer kernel, MhLeasedItem *items, guint n_items);
  void (*release_finished) (MhLeasedService *service, MhLeasedItem *item, const char *why);
  void (*release_saved) (MhLeasedService *service);

  /* A caller's own release (DeleteTap, ReleasePciDevice).  check: may
   * @uid (any holder's if @as_admin) release @key, whose record is
   * @record (NULL if none)?  done: applies the outcome, saves, and returns
   * on @task (boolean or error). */
  gboolean (*check_caller_release) (MhLeasedService *service, gpointer record, const char *key,
                                    guint32 uid, gboolean as_admin, GError **error);
  void (*caller_release_done) (MhLeasedService *service, MhLeasedItem *item, GTask *task);

  /* Optional: a record's lease ended (before it is released). */
  void (*lease_ended) (gpointer record);
  /* A failed release tried again (mh_leased_service_retry_release): first
   * after retry_first_ms, then twice as long each time up to
   * retry_max_ms; retry_why is for the log. */
  guint retry_first_ms;
  guint retry_max_ms;
  const char *retry_why;

  /* Optional: whether the kernel no longer has @record's resource (its
   * owner made it non-persistent, someone deleted it); main thread,
   * synchronous.  noun names the kind in the log ("tap"). */
  gboolean (*vanished) (gpointer kernel, gpointer record);
  const char *noun;

  /* Start-up: what to do with @record, whose lease's client may be gone
   * (ask @alive).  May do synchronous kernel work. */
  MhLeasedVerdict (*reconcile) (MhLeasedService *service, gpointer record, MhLeaseAliveFunc alive,
                                gpointer alive_data);

  /* Listing: list_type is the reply's array type; list_snapshot copies
   * what the worker needs of a record (NULL: not listed); list_describe
   * (worker thread) adds the entry to @builder if the kernel still has
   * it. */
  const char *list_type;
  gpointer (*list_snapshot) (gpointer record);
  GDestroyNotify list_snapshot_free;
  void (*list_describe) (gpointer kernel, gpointer snapshot, GVariantBuilder *builder);
} MhLeasedKind;

/* Takes @registry and @kernel; borrows @kind, @config and @leases, which
 * must outlive it. */
MhLeasedService *mh_leased_service_new (const MhLeasedKind *kind, const MhConfig *config,
                                        MhLeasedRegistry *registry, gpointer kernel,
                                        MhLeases *leases);
void mh_leased_service_free (MhLeasedService *service);

const MhLeasedKind *mh_leased_service_get_kind (MhLeasedService *service);
MhLeasedRegistry *mh_leased_service_get_registry (MhLeasedService *service);
const MhConfig *mh_leased_service_get_config (MhLeasedService *service);
MhLeases *mh_leased_service_get_leases (MhLeasedService *service);
/* The kind's kernel object; any thread. */
gpointer mh_leased_service_get_kernel (MhLeasedService *service);
/* The lock of one_change_at_a_time, for the kind's own kernel work; any
 * thread. */
void mh_leased_service_lock_kernel (MhLeasedService *service);
void mh_leased_service_unlock_kernel (MhLeasedService *service);

/* Called whenever the service goes idle (to re-arm the idle timer). */
void mh_leased_service_set_idle_callback (MhLeasedService *service, GCallback callback,
                                          gpointer user_data);
/* No request in flight and nothing waiting (a release for a busy record,
 * a retry). */
gboolean mh_leased_service_is_idle (MhLeasedService *service);
/* A request's worker thread is running (waiting work does not count). */
gboolean mh_leased_service_has_running_work (MhLeasedService *service);

/* A request starts / ends.  Ending starts the releases that waited for a
 * busy record, then tells the daemon if the service is idle. */
void mh_leased_service_request_started (MhLeasedService *service);
void mh_leased_service_request_finished (MhLeasedService *service);

/* Saves the registry; a failure is logged (the next start-up reconciles). */
void mh_leased_service_save_or_warn (MhLeasedService *service);
/* Ends @record's lease (the watch and the record's note of it). */
void mh_leased_service_drop_lease (MhLeasedService *service, gpointer record);
/* Drops @record and its lease. */
void mh_leased_service_forget (MhLeasedService *service, gpointer record);

/* The holder the registry records for @key, if any. */
gboolean mh_leased_service_lookup_holder (MhLeasedService *service, const char *key, guint32 *uid);

/* Gives @records (marked busy here) back on a worker thread; @why is for
 * the log.  Nothing when @records is empty. */
void mh_leased_service_start_release (MhLeasedService *service, GPtrArray *records,
                                      const char *why);

/* Forgets @record (and frees it) if the kernel no longer has its
 * resource (the kind's vanished).  Only for answers that would otherwise
 * refuse (Busy, LimitExceeded).  Returns whether it was forgotten. */
gboolean mh_leased_service_forget_if_vanished (MhLeasedService *service, gpointer record);
/* The same for every record of @uid (G_MAXUINT32: of everyone); returns
 * how many were forgotten.  At most once in a few seconds: a caller at a
 * limit must not make the helper look up every resource on each call. */
guint mh_leased_service_forget_vanished (MhLeasedService *service, guint32 uid);

/* Tries to release @record again later (its last release failed). */
void mh_leased_service_retry_release (MhLeasedService *service, gpointer record);

/* The client @unique_name left the bus: release what it leased (later,
 * for what a request is working on). */
void mh_leased_service_release_lease (MhLeasedService *service, const char *unique_name);

/* A caller gives @key back (any holder's if @as_admin). */
void mh_leased_service_release_async (MhLeasedService *service, const MhCaller *caller,
                                      const char *key, gboolean as_admin,
                                      GAsyncReadyCallback callback, gpointer user_data);
gboolean mh_leased_service_release_finish (MhLeasedService *service, GAsyncResult *result,
                                           GError **error);

/* At start-up, before serving: the kind's verdict on every record, then
 * forget, save, and release on a worker.  Synchronous but for the
 * release. */
void mh_leased_service_reconcile (MhLeasedService *service, MhLeaseAliveFunc alive,
                                  gpointer alive_data);

/* @uid's resources that the kernel still has (the kind's list_type). */
void mh_leased_service_list_async (MhLeasedService *service, guint32 uid,
                                   GAsyncReadyCallback callback, gpointer user_data);
GVariant *mh_leased_service_list_finish (MhLeasedService *service, GAsyncResult *result,
                                         GError **error);

G_END_DECLS
