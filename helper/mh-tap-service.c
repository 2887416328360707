/* The tap service's state, the checks before polkit, and creation: all or
 * nothing, recorded before the kernel work, the kernel work on a worker
 * thread.  Removal is in mh-tap-removal.c, listing and start-up
 * reconciliation in mh-tap-inventory.c. */
#include "mh-tap-service-private.h"

#include <errno.h>
#include <linux/if_tun.h>

#include "mh-error.h"
#include "mh-fault.h"
#include "mh-tap-request.h"

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
  g_autoptr (GPtrArray) all = NULL;

  if (service->in_flight > 0)
    return FALSE;
  all = mh_tap_registry_list (service->registry, G_MAXUINT32);
  for (guint i = 0; i < all->len; i++)
    {
      const MhTapRecord *record = all->pdata[i];
      if (record->retry_source != 0 || record->release_pending)
        return FALSE;
    }
  return TRUE;
}

void
mh_tap_service_request_started (MhTapService *service)
{
  service->in_flight++;
}

/* Work that waited for a busy record (a lease released meanwhile) starts
 * here, then the daemon hears that the service may be idle. */
void
mh_tap_service_request_finished (MhTapService *service)
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
    mh_tap_service_start_release (service, pending, "its client left the bus");

  if (service->in_flight == 0 && service->idle_callback != NULL)
    ((void (*) (gpointer)) service->idle_callback) (service->idle_data);
}

void
mh_tap_service_save_or_warn (MhTapService *service)
{
  g_autoptr (GError) error = NULL;

  if (!mh_tap_registry_save (service->registry, &error))
    g_warning ("%s (the next start-up reconciles it with the kernel)", error->message);
}

void
mh_tap_service_record_drop_lease (MhTapService *service, MhTapRecord *record)
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
      MhTapRecord *record = mh_tap_registry_lookup (service->registry, request->name);

      if (!mh_config_check_tap_name (service->config, request->name, error))
        return FALSE;

      /* Another user's tap that its owner made non-persistent holds its
       * name no more. */
      if (record != NULL && record->uid != uid &&
          mh_tap_service_forget_if_vanished (service, record))
        record = NULL;
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

  /* Vanished taps count under no limit. */
  n_have = mh_tap_registry_count_for_uid (service->registry, uid);
  if (n_have + n_new > service->config->max_taps_per_user &&
      mh_tap_service_forget_vanished (service, uid) > 0)
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
  if (n_total + n_new > service->config->max_taps_total &&
      mh_tap_service_forget_vanished (service, G_MAXUINT32) > 0)
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
          mh_tap_service_record_drop_lease (service, record);
          if (step->release_on_disconnect)
            mh_tap_record_set_lease (record, job->caller->sender,
                                     mh_leases_get_bus_id (service->leases));
        }
    }

  if (!ok)
    {
      mh_tap_service_save_or_warn (service);
      g_task_return_error (outer, g_steal_pointer (&error));
      mh_tap_service_request_finished (service);
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
      mh_tap_service_start_release (service, undo, "the registry could not be written");
      g_task_return_error (outer, g_steal_pointer (&error));
      mh_tap_service_request_finished (service);
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
  mh_tap_service_request_finished (service);
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
  mh_tap_service_request_started (service);
  worker = g_task_new (NULL, NULL, create_thread_done, outer);
  g_task_set_task_data (worker, job, create_job_free);
  g_task_run_in_thread (worker, create_thread);
}

GPtrArray *
mh_tap_service_create_finish (MhTapService *service, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
