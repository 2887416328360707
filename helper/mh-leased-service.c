/* The core service's state, its in-flight count and idleness, and giving
 * resources back on a worker thread.  Listing and start-up reconciliation
 * are in mh-leased-inventory.c. */
#include "mh-leased-service.h"

struct _MhLeasedService {
  const MhLeasedKind *kind;
  const MhConfig *config;
  MhLeasedRegistry *registry;
  gpointer kernel;
  MhLeases *leases;
  GMutex kernel_lock;
  guint in_flight;
  gint64 last_vanished_sweep; /* monotonic µs of mh_leased_service_forget_vanished */
  GCallback idle_callback;
  gpointer idle_data;
};

MhLeasedService *
mh_leased_service_new (const MhLeasedKind *kind, const MhConfig *config, MhLeasedRegistry *registry,
                       gpointer kernel, MhLeases *leases)
{
  MhLeasedService *service = g_new0 (MhLeasedService, 1);

  service->kind = kind;
  service->config = config;
  service->registry = registry;
  service->kernel = kernel;
  service->leases = leases;
  g_mutex_init (&service->kernel_lock);
  return service;
}

void
mh_leased_service_free (MhLeasedService *service)
{
  if (service == NULL)
    return;
  mh_leased_registry_free (service->registry);
  service->kind->free_kernel (service->kernel);
  g_mutex_clear (&service->kernel_lock);
  g_free (service);
}

const MhLeasedKind *
mh_leased_service_get_kind (MhLeasedService *service)
{
  return service->kind;
}

MhLeasedRegistry *
mh_leased_service_get_registry (MhLeasedService *service)
{
  return service->registry;
}

const MhConfig *
mh_leased_service_get_config (MhLeasedService *service)
{
  return service->config;
}

MhLeases *
mh_leased_service_get_leases (MhLeasedService *service)
{
  return service->leases;
}

gpointer
mh_leased_service_get_kernel (MhLeasedService *service)
{
  return service->kernel;
}

void
mh_leased_service_lock_kernel (MhLeasedService *service)
{
  g_mutex_lock (&service->kernel_lock);
}

void
mh_leased_service_unlock_kernel (MhLeasedService *service)
{
  g_mutex_unlock (&service->kernel_lock);
}

void
mh_leased_service_set_idle_callback (MhLeasedService *service, GCallback callback,
                                     gpointer user_data)
{
  service->idle_callback = callback;
  service->idle_data = user_data;
}

gboolean
mh_leased_service_has_running_work (MhLeasedService *service)
{
  return service->in_flight > 0;
}

gboolean
mh_leased_service_is_idle (MhLeasedService *service)
{
  g_autoptr (GPtrArray) all = NULL;

  if (service->in_flight > 0)
    return FALSE;
  all = mh_leased_registry_list (service->registry, G_MAXUINT32);
  for (guint i = 0; i < all->len; i++)
    {
      const MhLeasedRecord *record = all->pdata[i];
      if (record->retry_source != 0 || record->release_pending)
        return FALSE;
    }
  return TRUE;
}

void
mh_leased_service_request_started (MhLeasedService *service)
{
  service->in_flight++;
}

/* Work that waited for a busy record (a lease released meanwhile) starts
 * here, then the daemon hears that the service may be idle. */
void
mh_leased_service_request_finished (MhLeasedService *service)
{
  g_autoptr (GPtrArray) pending = g_ptr_array_new ();
  g_autoptr (GPtrArray) all = mh_leased_registry_list (service->registry, G_MAXUINT32);

  g_assert (service->in_flight > 0);
  service->in_flight--;

  for (guint i = 0; i < all->len; i++)
    {
      MhLeasedRecord *record = all->pdata[i];
      if (record->release_pending && !record->busy)
        {
          record->release_pending = FALSE;
          g_ptr_array_add (pending, record);
        }
    }
  mh_leased_service_start_release (service, pending, service->kind->pending_why);

  if (mh_leased_service_is_idle (service) && service->idle_callback != NULL)
    ((void (*) (gpointer)) service->idle_callback) (service->idle_data);
}

void
mh_leased_service_save_or_warn (MhLeasedService *service)
{
  g_autoptr (GError) error = NULL;

  if (!mh_leased_registry_save (service->registry, &error))
    g_warning ("%s (the next start-up reconciles it with the kernel)", error->message);
}

void
mh_leased_service_drop_lease (MhLeasedService *service, gpointer data)
{
  MhLeasedRecord *record = data;

  if (record->lease_name != NULL)
    mh_leases_release (service->leases, record->lease_name);
  mh_leased_record_set_lease (record, NULL, NULL);
}

void
mh_leased_service_forget (MhLeasedService *service, gpointer data)
{
  MhLeasedRecord *record = data;

  if (record->lease_name != NULL)
    mh_leases_release (service->leases, record->lease_name);
  mh_leased_registry_remove (service->registry, record->key);
}

gboolean
mh_leased_service_lookup_holder (MhLeasedService *service, const char *key, guint32 *uid)
{
  const MhLeasedRecord *record = mh_leased_registry_lookup (service->registry, key);

  if (record == NULL)
    return FALSE;
  *uid = record->uid;
  return TRUE;
}

gboolean
mh_leased_service_forget_if_vanished (MhLeasedService *service, gpointer data)
{
  MhLeasedRecord *record = data;
  g_autofree char *key = NULL;
  guint32 uid = record->uid;

  if (record->busy || record->state != MH_LEASED_READY || record->release_pending ||
      record->retry_source != 0)
    return FALSE;
  if (service->kind->vanished == NULL || !service->kind->vanished (service->kernel, record))
    return FALSE;

  key = g_strdup (record->key);
  mh_leased_service_drop_lease (service, record);
  mh_leased_registry_remove (service->registry, key);
  mh_leased_service_save_or_warn (service);
  g_message ("forgot %s %s (uid %u): it is no longer in the kernel", service->kind->noun, key, uid);
  return TRUE;
}

#define VANISHED_SWEEP_INTERVAL_US (5 * G_USEC_PER_SEC)

guint
mh_leased_service_forget_vanished (MhLeasedService *service, guint32 uid)
{
  g_autoptr (GPtrArray) records = NULL;
  gint64 now = g_get_monotonic_time ();
  guint forgotten = 0;

  if (service->last_vanished_sweep != 0 &&
      now - service->last_vanished_sweep < VANISHED_SWEEP_INTERVAL_US)
    return 0;
  service->last_vanished_sweep = now;
  records = mh_leased_registry_list (service->registry, uid);
  for (guint i = 0; i < records->len; i++)
    if (mh_leased_service_forget_if_vanished (service, records->pdata[i]))
      forgotten++;
  return forgotten;
}

/* ------------------------------------------------------------------ */
/* Giving back */

typedef struct {
  MhLeasedService *service;
  /* The kind's table is static; the job may be freed on the worker
   * thread after the service is gone (GTask drops its last reference
   * there), so freeing it must not reach through the service. */
  const MhLeasedKind *kind;
  GArray *items;
  char *why; /* for the log; NULL for a caller's own release */
} ReleaseJob;

static void
item_clear (gpointer data)
{
  MhLeasedItem *item = data;

  g_free (item->key);
  g_clear_error (&item->error);
}

static void
release_job_free (gpointer data)
{
  ReleaseJob *job = data;
  const MhLeasedKind *kind = job->kind;

  for (guint i = 0; kind->snapshot_free != NULL && i < job->items->len; i++)
    kind->snapshot_free (g_array_index (job->items, MhLeasedItem, i).data);
  g_array_unref (job->items);
  g_free (job->why);
  g_free (job);
}

static ReleaseJob *
release_job_new (MhLeasedService *service, GPtrArray *records, const char *why)
{
  ReleaseJob *job = g_new0 (ReleaseJob, 1);

  job->service = service;
  job->kind = service->kind;
  job->why = g_strdup (why);
  job->items = g_array_sized_new (FALSE, TRUE, sizeof (MhLeasedItem), records->len);
  g_array_set_clear_func (job->items, item_clear);
  for (guint i = 0; i < records->len; i++)
    {
      MhLeasedRecord *record = records->pdata[i];
      MhLeasedItem item = { 0 };

      item.key = g_strdup (record->key);
      item.uid = record->uid;
      item.data = service->kind->release_snapshot (service, record, records);
      record->busy = TRUE;
      g_array_append_val (job->items, item);
    }
  if (service->kind->release_recorded != NULL)
    service->kind->release_recorded (service);
  return job;
}

static void
release_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ReleaseJob *job = task_data;
  MhLeasedService *service = job->service;

  if (service->kind->one_change_at_a_time)
    g_mutex_lock (&service->kernel_lock);
  if (service->kind->release_work_many != NULL && job->items->len > 1)
    service->kind->release_work_many (service->kernel, &g_array_index (job->items, MhLeasedItem, 0),
                                      job->items->len);
  else
    for (guint i = 0; i < job->items->len; i++)
      service->kind->release_work (service->kernel, &g_array_index (job->items, MhLeasedItem, i));
  if (service->kind->one_change_at_a_time)
    g_mutex_unlock (&service->kernel_lock);
  g_task_return_boolean (task, TRUE);
}

static void
release_thread_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ReleaseJob *job = g_task_get_task_data (G_TASK (result));
  MhLeasedService *service = job->service;

  for (guint i = 0; i < job->items->len; i++)
    service->kind->release_finished (service, &g_array_index (job->items, MhLeasedItem, i),
                                     job->why);
  mh_leased_service_save_or_warn (service);
  if (service->kind->release_saved != NULL)
    service->kind->release_saved (service);
  mh_leased_service_request_finished (service);
}

void
mh_leased_service_start_release (MhLeasedService *service, GPtrArray *records, const char *why)
{
  g_autoptr (GTask) worker = NULL;

  if (records->len == 0)
    return;
  mh_leased_service_request_started (service);
  worker = g_task_new (NULL, NULL, release_thread_done, NULL);
  g_task_set_task_data (worker, release_job_new (service, records, why), release_job_free);
  g_task_run_in_thread (worker, release_thread);
}

typedef struct {
  MhLeasedService *service;
  char *key;
} RetryData;

static void
retry_data_free (gpointer data)
{
  RetryData *retry = data;

  g_free (retry->key);
  g_free (retry);
}

static gboolean
on_retry (gpointer user_data)
{
  RetryData *retry = user_data;
  MhLeasedRecord *record = mh_leased_registry_lookup (retry->service->registry, retry->key);
  g_autoptr (GPtrArray) one = g_ptr_array_new ();

  if (record == NULL)
    return G_SOURCE_REMOVE;
  record->retry_source = 0;
  if (record->busy)
    {
      record->release_pending = TRUE;
      return G_SOURCE_REMOVE;
    }
  g_ptr_array_add (one, record);
  mh_leased_service_start_release (retry->service, one, retry->service->kind->retry_why);
  return G_SOURCE_REMOVE;
}

void
mh_leased_service_retry_release (MhLeasedService *service, gpointer data)
{
  MhLeasedRecord *record = data;
  RetryData *retry = g_new0 (RetryData, 1);

  record->retry_delay_ms = record->retry_delay_ms == 0
                             ? service->kind->retry_first_ms
                             : MIN (record->retry_delay_ms * 2, service->kind->retry_max_ms);
  retry->service = service;
  retry->key = g_strdup (record->key);
  if (record->retry_source != 0)
    g_source_remove (record->retry_source);
  record->retry_source = g_timeout_add_full (G_PRIORITY_DEFAULT, record->retry_delay_ms, on_retry,
                                             retry, retry_data_free);
}

void
mh_leased_service_release_lease (MhLeasedService *service, const char *unique_name)
{
  g_autoptr (GPtrArray) leased = NULL;
  g_autoptr (GPtrArray) now = g_ptr_array_new ();
  g_autofree char *why = g_strdup_printf ("its client %s left the bus", unique_name);

  leased = mh_leased_registry_list_leased_by (service->registry, unique_name);
  for (guint i = 0; i < leased->len; i++)
    {
      MhLeasedRecord *record = leased->pdata[i];

      if (service->kind->lease_ended != NULL)
        service->kind->lease_ended (record);
      /* A request is working on it; release it when that one is done. */
      if (record->busy)
        record->release_pending = TRUE;
      else
        g_ptr_array_add (now, record);
    }
  mh_leased_service_start_release (service, now, why);
}

static void
caller_release_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) outer = user_data;
  ReleaseJob *job = g_task_get_task_data (G_TASK (result));
  MhLeasedService *service = job->service;

  service->kind->caller_release_done (service, &g_array_index (job->items, MhLeasedItem, 0), outer);
  mh_leased_service_request_finished (service);
}

void
mh_leased_service_release_async (MhLeasedService *service, const MhCaller *caller, const char *key,
                                 gboolean as_admin, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  GTask *outer = g_task_new (NULL, NULL, callback, user_data);
  gpointer record = mh_leased_registry_lookup (service->registry, key);
  g_autoptr (GPtrArray) one = NULL;
  g_autoptr (GTask) worker = NULL;
  GError *error = NULL;

  g_task_set_source_tag (outer, mh_leased_service_release_async);
  if (!service->kind->check_caller_release (service, record, key, caller->uid, as_admin, &error))
    {
      g_task_return_error (outer, error);
      g_object_unref (outer);
      return;
    }

  one = g_ptr_array_new ();
  g_ptr_array_add (one, record);
  mh_leased_service_request_started (service);
  worker = g_task_new (NULL, NULL, caller_release_done, outer);
  g_task_set_task_data (worker, release_job_new (service, one, NULL), release_job_free);
  g_task_run_in_thread (worker, release_thread);
}

gboolean
mh_leased_service_release_finish (MhLeasedService *service, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
