/* Taking taps away: DeleteTap for a caller, and releases (a lease whose
 * client left, a rollback), all checked against the kernel on a worker
 * thread first: a tap whose index changed is someone else's now, and one
 * given to another owner is left alone. */
#include <errno.h>

#include "mh-error.h"
#include "mh-tap-service-private.h"

typedef enum {
  OUTCOME_DELETED,
  OUTCOME_GONE,          /* no longer in the kernel: just forget it */
  OUTCOME_OWNER_CHANGED, /* someone gave it away: leave it alone */
  OUTCOME_FAILED,
} Outcome;

typedef struct {
  char *name;
  int ifindex;
  guint32 uid;
  Outcome outcome;
  GError *error;
} Removal;

typedef struct {
  MhTapService *service;
  MhTapBackend *backend;
  GArray *removals;
  char *why; /* for the log, NULL for a caller's DeleteTap */
} RemoveJob;

static void
removal_clear (gpointer data)
{
  Removal *removal = data;

  g_free (removal->name);
  g_clear_error (&removal->error);
}

static void
remove_job_free (gpointer data)
{
  RemoveJob *job = data;

  g_array_unref (job->removals);
  g_free (job->why);
  g_free (job);
}

static void
remove_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  RemoveJob *job = task_data;

  for (guint i = 0; i < job->removals->len; i++)
    {
      Removal *removal = &g_array_index (job->removals, Removal, i);
      g_autoptr (GError) error = NULL;
      MhTapKernelInfo info;

      if (!job->backend->lookup (job->backend, removal->name, &info, &error))
        {
          if (g_error_matches (error, MH_ERRNO_ERROR, ENODEV))
            removal->outcome = OUTCOME_GONE;
          else
            {
              removal->outcome = OUTCOME_FAILED;
              removal->error = g_steal_pointer (&error);
            }
          continue;
        }
      if (!info.is_tap || info.ifindex != removal->ifindex)
        {
          removal->outcome = OUTCOME_GONE; /* the name now belongs to another interface */
          continue;
        }
      if (info.owner != (gint64) removal->uid)
        {
          removal->outcome = OUTCOME_OWNER_CHANGED;
          continue;
        }
      if (job->backend->remove (job->backend, removal->ifindex, removal->name, &error))
        removal->outcome = OUTCOME_DELETED;
      else if (g_error_matches (error, MH_ERRNO_ERROR, ENODEV))
        removal->outcome = OUTCOME_GONE;
      else
        {
          removal->outcome = OUTCOME_FAILED;
          removal->error = g_steal_pointer (&error);
        }
    }
  g_task_return_boolean (task, TRUE);
}

/* Applies the outcome of one removal to the registry; returns whether the
 * record was forgotten.  A tap whose owner was changed after it was made
 * is never deleted; when its lease ends (@lease_ended) the helper forgets
 * it, otherwise it keeps the record and the caller is refused. */
static gboolean
apply_removal (MhTapService *service, Removal *removal, gboolean lease_ended)
{
  MhTapRecord *record = mh_tap_registry_lookup (service->registry, removal->name);

  g_assert (record != NULL);
  record->busy = FALSE;
  if (removal->outcome == OUTCOME_FAILED)
    return FALSE;
  if (removal->outcome == OUTCOME_OWNER_CHANGED && !lease_ended)
    return FALSE;
  mh_tap_service_record_drop_lease (service, record);
  mh_tap_registry_remove (service->registry, removal->name);
  return TRUE;
}

static RemoveJob *
remove_job_new (MhTapService *service, GPtrArray *records, const char *why)
{
  RemoveJob *job = g_new0 (RemoveJob, 1);

  job->service = service;
  job->backend = service->backend;
  job->why = g_strdup (why);
  job->removals = g_array_sized_new (FALSE, TRUE, sizeof (Removal), records->len);
  g_array_set_clear_func (job->removals, removal_clear);
  for (guint i = 0; i < records->len; i++)
    {
      MhTapRecord *record = records->pdata[i];
      Removal removal = { 0 };

      removal.name = g_strdup (record->name);
      removal.ifindex = record->ifindex;
      removal.uid = record->uid;
      record->busy = TRUE;
      g_array_append_val (job->removals, removal);
    }
  return job;
}

/* A release that failed (no descriptors left, a netlink error) is tried
 * again, 1 s later, then twice as long each time up to a minute, until the
 * tap is deleted or gone: the lease's client is gone and nobody else
 * would ever ask. */
#define RETRY_FIRST_MS 1000
#define RETRY_MAX_MS 60000

typedef struct {
  MhTapService *service;
  char *name;
} RetryData;

static void
retry_data_free (gpointer data)
{
  RetryData *retry = data;

  g_free (retry->name);
  g_free (retry);
}

static gboolean
on_retry (gpointer user_data)
{
  RetryData *retry = user_data;
  MhTapRecord *record = mh_tap_registry_lookup (retry->service->registry, retry->name);
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
  mh_tap_service_start_release (retry->service, one, "retrying a release that failed");
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (MhTapService *service, MhTapRecord *record, const GError *error)
{
  RetryData *retry = g_new0 (RetryData, 1);

  g_free (record->release_error);
  record->release_error = g_strdup (error != NULL ? error->message : "unknown error");
  record->retry_delay_ms =
    record->retry_delay_ms == 0 ? RETRY_FIRST_MS : MIN (record->retry_delay_ms * 2, RETRY_MAX_MS);
  retry->service = service;
  retry->name = g_strdup (record->name);
  if (record->retry_source != 0)
    g_source_remove (record->retry_source);
  record->retry_source = g_timeout_add_full (G_PRIORITY_DEFAULT, record->retry_delay_ms, on_retry,
                                             retry, retry_data_free);
}

static void
release_thread_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RemoveJob *job = g_task_get_task_data (G_TASK (result));
  MhTapService *service = job->service;

  for (guint i = 0; i < job->removals->len; i++)
    {
      Removal *removal = &g_array_index (job->removals, Removal, i);
      MhTapRecord *record = mh_tap_registry_lookup (service->registry, removal->name);
      guint32 uid = record->uid;

      if (!apply_removal (service, removal, TRUE))
        {
          schedule_retry (service, record, removal->error);
          g_warning ("could not delete tap %s (uid %u) after %s: %s; trying again in %u s",
                     removal->name, uid, job->why, record->release_error,
                     record->retry_delay_ms / 1000);
          continue;
        }
      switch (removal->outcome)
        {
        case OUTCOME_DELETED:
          g_message ("deleted tap %s (uid %u, ifindex %d): %s", removal->name, uid,
                     removal->ifindex, job->why);
          break;
        case OUTCOME_OWNER_CHANGED:
          g_message ("forgot tap %s (uid %u): %s, but its owner changed, so it is left alone",
                     removal->name, uid, job->why);
          break;
        case OUTCOME_GONE:
        case OUTCOME_FAILED:
        default:
          g_message ("forgot tap %s (uid %u): it was already gone", removal->name, uid);
          break;
        }
    }
  mh_tap_service_save_or_warn (service);
  mh_tap_service_request_finished (service);
}

void
mh_tap_service_start_release (MhTapService *service, GPtrArray *records, const char *why)
{
  g_autoptr (GTask) worker = NULL;

  if (records->len == 0)
    return;
  mh_tap_service_request_started (service);
  worker = g_task_new (NULL, NULL, release_thread_done, NULL);
  g_task_set_task_data (worker, remove_job_new (service, records, why), remove_job_free);
  g_task_run_in_thread (worker, remove_thread);
}

void
mh_tap_service_release_lease (MhTapService *service, const char *unique_name)
{
  g_autoptr (GPtrArray) leased = NULL;
  g_autoptr (GPtrArray) now = g_ptr_array_new ();
  g_autofree char *why = g_strdup_printf ("its client %s left the bus", unique_name);

  leased = mh_tap_registry_list_leased_by (service->registry, unique_name);
  for (guint i = 0; i < leased->len; i++)
    {
      MhTapRecord *record = leased->pdata[i];

      /* A request is working on it; release it when that one is done. */
      if (record->busy)
        record->release_pending = TRUE;
      else
        g_ptr_array_add (now, record);
    }
  mh_tap_service_start_release (service, now, why);
}

gboolean
mh_tap_service_lookup_owner (MhTapService *service, const char *name, guint32 *uid)
{
  const MhTapRecord *record = mh_tap_registry_lookup (service->registry, name);

  if (record == NULL)
    return FALSE;
  *uid = record->uid;
  return TRUE;
}

static void
delete_thread_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) outer = user_data;
  RemoveJob *job = g_task_get_task_data (G_TASK (result));
  MhTapService *service = job->service;
  Removal *removal = &g_array_index (job->removals, Removal, 0);

  if (apply_removal (service, removal, FALSE))
    mh_tap_service_save_or_warn (service);

  switch (removal->outcome)
    {
    case OUTCOME_DELETED:
      g_task_return_boolean (outer, TRUE);
      break;
    case OUTCOME_GONE:
      g_task_return_new_error (outer, MH_ERROR, MH_ERROR_NOT_FOUND,
                               "%s no longer exists (it was removed outside microvm-helper); "
                               "the helper has forgotten it",
                               removal->name);
      break;
    case OUTCOME_OWNER_CHANGED:
      g_task_return_new_error (outer, MH_ERROR, MH_ERROR_REFUSED,
                               "%s: its owner was changed after microvm-helper made it, so it "
                               "is left alone",
                               removal->name);
      break;
    case OUTCOME_FAILED:
    default:
      g_task_return_new_error (outer, MH_ERROR, MH_ERROR_FAILED, "cannot delete %s: %s",
                               removal->name, removal->error->message);
      break;
    }
  mh_tap_service_request_finished (service);
}

void
mh_tap_service_delete_async (MhTapService *service, const MhCaller *caller, const char *name,
                             gboolean as_admin, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *outer = g_task_new (NULL, NULL, callback, user_data);
  MhTapRecord *record = mh_tap_registry_lookup (service->registry, name);
  g_autoptr (GPtrArray) one = NULL;
  g_autoptr (GTask) worker = NULL;

  g_task_set_source_tag (outer, mh_tap_service_delete_async);

  if (record == NULL || (record->uid != caller->uid && !as_admin))
    {
      MhTapKernelInfo info;

      if (record == NULL && !service->backend->lookup (service->backend, name, &info, NULL))
        g_task_return_new_error (outer, MH_ERROR, MH_ERROR_NOT_FOUND,
                                 "there is no interface named %s", name);
      else
        g_task_return_new_error (outer, MH_ERROR, MH_ERROR_REFUSED,
                                 "%s was not made by microvm-helper for you; it is left alone",
                                 name);
      g_object_unref (outer);
      return;
    }
  if (record->busy || record->state != MH_TAP_STATE_READY)
    {
      g_task_return_new_error (outer, MH_ERROR, MH_ERROR_BUSY,
                               "%s: another request is working on this tap; try again", name);
      g_object_unref (outer);
      return;
    }

  one = g_ptr_array_new ();
  g_ptr_array_add (one, record);
  mh_tap_service_request_started (service);
  worker = g_task_new (NULL, NULL, delete_thread_done, outer);
  g_task_set_task_data (worker, remove_job_new (service, one, NULL), remove_job_free);
  g_task_run_in_thread (worker, remove_thread);
}

gboolean
mh_tap_service_delete_finish (MhTapService *service, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
