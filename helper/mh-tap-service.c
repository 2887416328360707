#include "mh-tap-service.h"

#include <errno.h>
#include <linux/if_tun.h>

#include "mh-error.h"
#include "mh-fault.h"
#include "mh-tap-request.h"

struct _MhTapService {
  const MhConfig *config;
  MhTapRegistry *registry;
  MhTapBackend *backend;
  MhLeases *leases;
  guint in_flight;
  GCallback idle_callback;
  gpointer idle_data;
};

void
mh_tap_result_free (MhTapResult *result)
{
  if (result == NULL)
    return;
  g_free (result->name);
  g_free (result);
}

MhTapService *
mh_tap_service_new (const MhConfig *config, MhTapRegistry *registry, MhTapBackend *backend,
                    MhLeases *leases)
{
  MhTapService *service = g_new0 (MhTapService, 1);

  service->config = config;
  service->registry = registry;
  service->backend = backend;
  service->leases = leases;
  return service;
}

void
mh_tap_service_free (MhTapService *service)
{
  if (service == NULL)
    return;
  mh_tap_registry_free (service->registry);
  mh_tap_backend_free (service->backend);
  g_free (service);
}

MhTapRegistry *
mh_tap_service_get_registry (MhTapService *service)
{
  return service->registry;
}

void
mh_tap_service_set_idle_callback (MhTapService *service, GCallback callback, gpointer user_data)
{
  service->idle_callback = callback;
  service->idle_data = user_data;
}

gboolean
mh_tap_service_is_idle (MhTapService *service)
{
  return service->in_flight == 0;
}

static void start_release (MhTapService *service, GPtrArray *records, const char *why);

static void
request_started (MhTapService *service)
{
  service->in_flight++;
}

/* Work that waited for a busy record (a lease released meanwhile) starts
 * here, then the daemon hears that the service may be idle. */
static void
request_finished (MhTapService *service)
{
  g_autoptr (GPtrArray) pending = g_ptr_array_new ();
  g_autoptr (GPtrArray) all = mh_tap_registry_list (service->registry, G_MAXUINT32);

  g_assert (service->in_flight > 0);
  service->in_flight--;

  for (guint i = 0; i < all->len; i++)
    {
      MhTapRecord *record = all->pdata[i];
      if (record->release_pending && !record->busy)
        {
          record->release_pending = FALSE;
          g_ptr_array_add (pending, record);
        }
    }
  if (pending->len > 0)
    start_release (service, pending, "its client left the bus");

  if (service->in_flight == 0 && service->idle_callback != NULL)
    ((void (*) (gpointer)) service->idle_callback) (service->idle_data);
}

static void
save_or_warn (MhTapService *service)
{
  g_autoptr (GError) error = NULL;

  if (!mh_tap_registry_save (service->registry, &error))
    g_warning ("%s (the next start-up reconciles it with the kernel)", error->message);
}

static void
record_drop_lease (MhTapService *service, MhTapRecord *record)
{
  if (record->lease_name != NULL)
    mh_leases_release (service->leases, record->lease_name);
  mh_tap_record_set_lease (record, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* Pre-authorization checks */

gboolean
mh_tap_service_check_create (MhTapService *service, guint32 uid, GPtrArray *requests,
                             GError **error)
{
  guint n_new = 0, n_have, n_total;

  for (guint i = 0; i < requests->len; i++)
    {
      const MhTapRequest *request = requests->pdata[i];
      const MhTapRecord *record = mh_tap_registry_lookup (service->registry, request->name);

      if (!mh_config_check_tap_name (service->config, request->name, error))
        return FALSE;

      if (record == NULL)
        {
          n_new++;
          continue;
        }
      if (record->uid != uid)
        {
          g_set_error (error, MH_ERROR, MH_ERROR_BUSY,
                       "%s: the name is taken by another user's tap; choose another name",
                       request->name);
          return FALSE;
        }
      if (record->busy || record->state != MH_TAP_STATE_READY)
        {
          g_set_error (error, MH_ERROR, MH_ERROR_BUSY,
                       "%s: another request is working on this tap; try again", request->name);
          return FALSE;
        }
      if (record->multi_queue != request->multi_queue)
        {
          g_set_error (error, MH_ERROR, MH_ERROR_BUSY,
                       "%s: your tap of that name exists with multi_queue %s; ask for the same "
                       "setting, or delete it first",
                       request->name, record->multi_queue ? "on" : "off");
          return FALSE;
        }
    }

  n_have = mh_tap_registry_count_for_uid (service->registry, uid);
  if (n_have + n_new > service->config->max_taps_per_user)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_LIMIT_EXCEEDED,
                   "uid %u has %u taps and asks for %u more, over the limit of %u per user "
                   "(MaxPerUser= in %s); delete taps it no longer uses",
                   uid, n_have, n_new, service->config->max_taps_per_user, service->config->path);
      return FALSE;
    }
  n_total = mh_tap_registry_count (service->registry);
  if (n_total + n_new > service->config->max_taps_total)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_LIMIT_EXCEEDED,
                   "the helper manages %u taps and %u more would exceed its limit of %u "
                   "(MaxTotal= in %s)",
                   n_total, n_new, service->config->max_taps_total, service->config->path);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Create */

typedef enum {
  STEP_CREATE,
  STEP_REUSE,
} StepKind;

typedef struct {
  char *name;
  gboolean multi_queue;
  gboolean vnet_hdr;
  gboolean release_on_disconnect;
  StepKind kind;
  gboolean new_record; /* the record was added by this request */
  int expected_ifindex;
  /* Filled in by the worker. */
  int ifindex;
  gboolean created;   /* the device was made by this request */
  gboolean recreated; /* the record was stale and its device was made anew */
} Step;

typedef struct {
  MhTapService *service;
  MhTapBackend *backend;
  MhCaller *caller;
  GArray *steps;
} CreateJob;

static void
step_clear (gpointer data)
{
  Step *step = data;

  g_free (step->name);
}

static void
create_job_free (gpointer data)
{
  CreateJob *job = data;

  mh_caller_free (job->caller);
  g_array_unref (job->steps);
  g_free (job);
}

static gboolean
kernel_create_step (CreateJob *job, Step *step, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (job->backend->create (job->backend, step->name, job->caller->uid, step->multi_queue,
                            step->vnet_hdr, &step->ifindex, &local_error))
    {
      step->created = TRUE;
      return TRUE;
    }
  if (g_error_matches (local_error, MH_ERRNO_ERROR, EBUSY))
    g_set_error (error, MH_ERROR, MH_ERROR_BUSY,
                 "%s: an interface of that name already exists and microvm-helper did not "
                 "make it for you; nothing was changed",
                 step->name);
  else
    g_set_error (error, MH_ERROR, MH_ERROR_FAILED, "%s: cannot create the tap: %s", step->name,
                 local_error->message);
  return FALSE;
}

static gboolean
kernel_reuse_step (CreateJob *job, Step *step, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  MhTapKernelInfo info;

  if (!job->backend->lookup (job->backend, step->name, &info, &local_error))
    {
      if (!g_error_matches (local_error, MH_ERRNO_ERROR, ENODEV))
        {
          g_set_error (error, MH_ERROR, MH_ERROR_FAILED, "%s: %s", step->name,
                       local_error->message);
          return FALSE;
        }
      /* The registry remembered a tap that someone removed meanwhile:
       * make it again, as the caller asked for it. */
      step->recreated = TRUE;
      return kernel_create_step (job, step, error);
    }

  if (!info.is_tap || info.ifindex != step->expected_ifindex ||
      info.owner != (gint64) job->caller->uid ||
      ((info.tun_flags & IFF_MULTI_QUEUE) != 0) != step->multi_queue)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_BUSY,
                   "%s: the interface is no longer the tap microvm-helper made for you (it was "
                   "replaced or its owner changed); nothing was changed",
                   step->name);
      return FALSE;
    }
  step->ifindex = info.ifindex;
  return TRUE;
}

static void
create_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CreateJob *job = task_data;
  GError *error = NULL;
  guint i;

  for (i = 0; i < job->steps->len; i++)
    {
      Step *step = &g_array_index (job->steps, Step, i);
      gboolean ok = step->kind == STEP_REUSE ? kernel_reuse_step (job, step, &error)
                                             : kernel_create_step (job, step, &error);
      if (!ok)
        break;
    }

  if (error == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* All or nothing: undo what this request made, newest first. */
  while (i-- > 0)
    {
      Step *step = &g_array_index (job->steps, Step, i);
      g_autoptr (GError) undo_error = NULL;

      if (!step->created)
        continue;
      if (!job->backend->remove (job->backend, step->ifindex, step->name, &undo_error))
        g_warning ("rolling back %s: %s", step->name, undo_error->message);
      step->created = FALSE;
    }
  g_task_return_error (task, error);
}

static void
create_thread_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) outer = user_data;
  CreateJob *job = g_task_get_task_data (G_TASK (result));
  MhTapService *service = job->service;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) results = NULL;
  gboolean ok;

  ok = g_task_propagate_boolean (G_TASK (result), &error);

  for (guint i = 0; i < job->steps->len; i++)
    {
      Step *step = &g_array_index (job->steps, Step, i);
      MhTapRecord *record = mh_tap_registry_lookup (service->registry, step->name);

      g_assert (record != NULL && record->busy);
      record->busy = FALSE;
      if (!ok)
        {
          if (step->new_record)
            mh_tap_registry_remove (service->registry, step->name);
          continue;
        }
      if (step->kind == STEP_CREATE || step->recreated)
        {
          record->state = MH_TAP_STATE_READY;
          record->ifindex = step->ifindex;
          record->vnet_hdr = step->vnet_hdr;
        }
      if (step->recreated)
        {
          record_drop_lease (service, record);
          if (step->release_on_disconnect)
            mh_tap_record_set_lease (record, job->caller->sender,
                                     mh_leases_get_bus_id (service->leases));
        }
    }

  if (!ok)
    {
      save_or_warn (service);
      g_task_return_error (outer, g_steal_pointer (&error));
      request_finished (service);
      return;
    }

  mh_fault_point ("tap-create-made");
  if (!mh_tap_registry_save (service->registry, &error))
    {
      /* The taps exist but the helper could not write down that they are
       * this user's: take them away again rather than leave taps nobody
       * can delete through the helper. */
      g_autoptr (GPtrArray) undo = g_ptr_array_new ();

      for (guint i = 0; i < job->steps->len; i++)
        {
          Step *step = &g_array_index (job->steps, Step, i);
          MhTapRecord *record = mh_tap_registry_lookup (service->registry, step->name);
          if (step->created)
            g_ptr_array_add (undo, record);
        }
      start_release (service, undo, "the registry could not be written");
      g_task_return_error (outer, g_steal_pointer (&error));
      request_finished (service);
      return;
    }

  mh_fault_point ("tap-create-recorded");
  results = g_ptr_array_new_with_free_func ((GDestroyNotify) mh_tap_result_free);
  for (guint i = 0; i < job->steps->len; i++)
    {
      Step *step = &g_array_index (job->steps, Step, i);
      MhTapRecord *record = mh_tap_registry_lookup (service->registry, step->name);
      MhTapResult *out = g_new0 (MhTapResult, 1);

      if (step->created && record->lease_name != NULL)
        mh_leases_hold (service->leases, record->lease_name);
      out->name = g_strdup (step->name);
      out->ifindex = step->ifindex;
      out->reused = !step->created;
      g_ptr_array_add (results, out);
    }

  g_task_return_pointer (outer, g_steal_pointer (&results), (GDestroyNotify) g_ptr_array_unref);
  request_finished (service);
}

void
mh_tap_service_create_async (MhTapService *service, const MhCaller *caller, GPtrArray *requests,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *outer = g_task_new (NULL, NULL, callback, user_data);
  g_autoptr (GTask) worker = NULL;
  g_autoptr (GError) error = NULL;
  CreateJob *job;
  gboolean any_new = FALSE;

  g_task_set_source_tag (outer, mh_tap_service_create_async);

  /* Re-checked here: the registry may have changed while polkit was
   * asking for a password. */
  if (!mh_tap_service_check_create (service, caller->uid, requests, &error))
    {
      g_task_return_error (outer, g_steal_pointer (&error));
      g_object_unref (outer);
      return;
    }

  job = g_new0 (CreateJob, 1);
  job->service = service;
  job->backend = service->backend;
  job->caller = mh_caller_copy (caller);
  job->steps = g_array_sized_new (FALSE, TRUE, sizeof (Step), requests->len);
  g_array_set_clear_func (job->steps, step_clear);

  for (guint i = 0; i < requests->len; i++)
    {
      const MhTapRequest *request = requests->pdata[i];
      MhTapRecord *record = mh_tap_registry_lookup (service->registry, request->name);
      Step step = { 0 };

      step.name = g_strdup (request->name);
      step.multi_queue = request->multi_queue;
      step.vnet_hdr = request->vnet_hdr;
      step.release_on_disconnect = request->release_on_disconnect;
      if (record != NULL)
        {
          step.kind = STEP_REUSE;
          step.expected_ifindex = record->ifindex;
        }
      else
        {
          /* Written down before the kernel work, so that a helper killed
           * half-way knows at its next start what it may have made. */
          record = mh_tap_record_new (request->name, caller->uid);
          record->state = MH_TAP_STATE_CREATING;
          record->multi_queue = request->multi_queue;
          record->vnet_hdr = request->vnet_hdr;
          if (request->release_on_disconnect)
            mh_tap_record_set_lease (record, caller->sender,
                                     mh_leases_get_bus_id (service->leases));
          mh_tap_registry_insert (service->registry, record);
          step.kind = STEP_CREATE;
          step.new_record = TRUE;
          any_new = TRUE;
        }
      record->busy = TRUE;
      g_array_append_val (job->steps, step);
    }

  if (any_new && !mh_tap_registry_save (service->registry, &error))
    {
      for (guint i = 0; i < job->steps->len; i++)
        {
          Step *step = &g_array_index (job->steps, Step, i);
          if (step->new_record)
            mh_tap_registry_remove (service->registry, step->name);
          else
            mh_tap_registry_lookup (service->registry, step->name)->busy = FALSE;
        }
      create_job_free (job);
      g_prefix_error (&error, "nothing was created: ");
      g_task_return_error (outer, g_steal_pointer (&error));
      g_object_unref (outer);
      return;
    }

  mh_fault_point ("tap-create-reserved");
  request_started (service);
  worker = g_task_new (NULL, NULL, create_thread_done, outer);
  g_task_set_task_data (worker, job, create_job_free);
  g_task_run_in_thread (worker, create_thread);
}

GPtrArray *
mh_tap_service_create_finish (MhTapService *service, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* Delete (one tap for a caller, or many for a lease or a rollback) */

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
  record_drop_lease (service, record);
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
          g_warning ("could not delete tap %s (uid %u) after %s: %s", removal->name, uid, job->why,
                     removal->error != NULL ? removal->error->message : "unknown");
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
  save_or_warn (service);
  request_finished (service);
}

static void
start_release (MhTapService *service, GPtrArray *records, const char *why)
{
  g_autoptr (GTask) worker = NULL;

  if (records->len == 0)
    return;
  request_started (service);
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
  start_release (service, now, why);
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
    save_or_warn (service);

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
  request_finished (service);
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
  request_started (service);
  worker = g_task_new (NULL, NULL, delete_thread_done, outer);
  g_task_set_task_data (worker, remove_job_new (service, one, NULL), remove_job_free);
  g_task_run_in_thread (worker, remove_thread);
}

gboolean
mh_tap_service_delete_finish (MhTapService *service, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* List */

typedef struct {
  char *name;
  int ifindex;
  gboolean leased;
  /* Filled in by the worker. */
  gboolean present;
  MhTapKernelInfo info;
} Listed;

typedef struct {
  MhTapBackend *backend;
  GArray *entries;
} ListJob;

static void
listed_clear (gpointer data)
{
  g_free (((Listed *) data)->name);
}

static void
list_job_free (gpointer data)
{
  ListJob *job = data;

  g_array_unref (job->entries);
  g_free (job);
}

static void
list_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ListJob *job = task_data;
  g_autoptr (GVariantBuilder) builder = g_variant_builder_new (G_VARIANT_TYPE ("a(sia{sv})"));

  for (guint i = 0; i < job->entries->len; i++)
    {
      Listed *entry = &g_array_index (job->entries, Listed, i);
      g_auto (GVariantDict) details = G_VARIANT_DICT_INIT (NULL);
      MhTapKernelInfo info;

      if (!job->backend->lookup (job->backend, entry->name, &info, NULL) || !info.is_tap ||
          info.ifindex != entry->ifindex)
        continue;

      g_variant_dict_insert (&details, "owner", "u", (guint32) info.owner);
      g_variant_dict_insert (&details, "multi_queue", "b", (info.tun_flags & IFF_MULTI_QUEUE) != 0);
      g_variant_dict_insert (&details, "vnet_hdr", "b", (info.tun_flags & IFF_VNET_HDR) != 0);
      g_variant_dict_insert (&details, "release_on_disconnect", "b", entry->leased);
      g_variant_dict_insert (&details, "up", "b", info.up);
      g_variant_builder_add (builder, "(si@a{sv})", entry->name, entry->ifindex,
                             g_variant_dict_end (&details));
    }
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_builder_end (builder)),
                         (GDestroyNotify) g_variant_unref);
}

void
mh_tap_service_list_async (MhTapService *service, guint32 uid, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  g_autoptr (GPtrArray) records = mh_tap_registry_list (service->registry, uid);
  ListJob *job = g_new0 (ListJob, 1);

  job->backend = service->backend;
  job->entries = g_array_new (FALSE, TRUE, sizeof (Listed));
  g_array_set_clear_func (job->entries, listed_clear);
  for (guint i = 0; i < records->len; i++)
    {
      const MhTapRecord *record = records->pdata[i];
      Listed entry = { 0 };

      if (record->state != MH_TAP_STATE_READY)
        continue;
      entry.name = g_strdup (record->name);
      entry.ifindex = record->ifindex;
      entry.leased = record->lease_name != NULL;
      g_array_append_val (job->entries, entry);
    }
  g_task_set_task_data (task, job, list_job_free);
  g_task_run_in_thread (task, list_thread);
}

GVariant *
mh_tap_service_list_finish (MhTapService *service, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* Start-up */

static gboolean
reconcile_one (MhTapService *service, MhTapRecord *record, MhLeaseAliveFunc alive,
               gpointer alive_data)
{
  g_autoptr (GError) error = NULL;
  MhTapKernelInfo info;
  gboolean present;

  present = service->backend->lookup (service->backend, record->name, &info, &error);
  if (!present && !g_error_matches (error, MH_ERRNO_ERROR, ENODEV))
    {
      g_warning ("cannot inspect %s, keeping its record: %s", record->name, error->message);
      return TRUE;
    }

  if (record->state == MH_TAP_STATE_CREATING)
    {
      /* Killed between writing the record and the reply.  Without
       * TUNSETPERSIST the device died with the helper; with it, the tap is
       * complete and is adopted if it matches what was asked. */
      if (present && info.is_tap && info.owner == (gint64) record->uid &&
          (info.tun_flags & IFF_PERSIST) != 0 &&
          ((info.tun_flags & IFF_MULTI_QUEUE) != 0) == record->multi_queue)
        {
          record->state = MH_TAP_STATE_READY;
          record->ifindex = info.ifindex;
          g_message ("adopted tap %s (uid %u, ifindex %d), completed just before a restart",
                     record->name, record->uid, info.ifindex);
        }
      else
        {
          g_message ("forgot half-recorded tap %s (uid %u): the kernel does not have it",
                     record->name, record->uid);
          return FALSE;
        }
    }
  else if (!present || !info.is_tap || info.ifindex != record->ifindex)
    {
      g_message ("forgot tap %s (uid %u): it was removed while the helper was not running",
                 record->name, record->uid);
      return FALSE;
    }

  if (record->lease_name != NULL && !alive (record->lease_name, record->lease_bus_id, alive_data))
    {
      if (info.owner == (gint64) record->uid &&
          !service->backend->remove (service->backend, record->ifindex, record->name, &error))
        {
          g_warning ("cannot delete %s whose client %s is gone: %s", record->name,
                     record->lease_name, error->message);
          return TRUE;
        }
      g_message ("deleted tap %s (uid %u): its client %s left while the helper was not running",
                 record->name, record->uid, record->lease_name);
      return FALSE;
    }
  if (record->lease_name != NULL)
    mh_leases_hold (service->leases, record->lease_name);
  return TRUE;
}

void
mh_tap_service_reconcile (MhTapService *service, MhLeaseAliveFunc alive, gpointer alive_data)
{
  g_autoptr (GPtrArray) all = mh_tap_registry_list (service->registry, G_MAXUINT32);
  g_autoptr (GPtrArray) forget = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < all->len; i++)
    {
      MhTapRecord *record = all->pdata[i];
      if (!reconcile_one (service, record, alive, alive_data))
        g_ptr_array_add (forget, g_strdup (record->name));
    }
  for (guint i = 0; i < forget->len; i++)
    mh_tap_registry_remove (service->registry, forget->pdata[i]);
  save_or_warn (service);
}
