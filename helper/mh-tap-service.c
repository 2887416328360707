/* The tap kind: its table for the leased core, the checks before polkit,
 * and creation: all or nothing, recorded before the kernel work, the
 * kernel work of a few taps on the main thread and of more on a worker
 * thread.  Removal is in mh-tap-removal.c,
 * listing and start-up reconciliation in mh-tap-inventory.c. */
#include "mh-tap-service.h"

#include <errno.h>
#include <linux/if_tun.h>

#include "mh-error.h"
#include "mh-fault.h"
#include "mh-limits.h"
#include "mh-tap-kind.h"
#include "mh-tap-request.h"

void
mh_tap_result_free (MhTapResult *result)
{
  if (result == NULL)
    return;
  g_free (result->name);
  g_free (result);
}

static void
free_backend (gpointer backend)
{
  mh_tap_backend_free (backend);
}

static const MhLeasedKind tap_kind = {
  .pending_why = "its client left the bus",
  .free_kernel = free_backend,
  .release_snapshot = mh_tap_removal_snapshot,
  .release_work = mh_tap_removal_work,
  .release_work_many = mh_tap_removal_work_many,
  .release_finished = mh_tap_removal_finished,
  .check_caller_release = mh_tap_removal_check_caller,
  .caller_release_done = mh_tap_removal_caller_done,
  .retry_first_ms = 1000,
  .retry_max_ms = 60000,
  .retry_why = "retrying a release that failed",
  .vanished = mh_tap_inventory_vanished,
  .noun = "tap",
  .reconcile = mh_tap_inventory_reconcile,
  .list_type = "a(sia{sv})",
  .list_snapshot = mh_tap_inventory_list_snapshot,
  .list_snapshot_free = mh_tap_inventory_list_snapshot_free,
  .list_describe = mh_tap_inventory_list_describe,
};

MhTapService *
mh_tap_service_new (const MhConfig *config, MhTapRegistry *registry, MhTapBackend *backend,
                    MhLeases *leases)
{
  return mh_leased_service_new (&tap_kind, config, registry, backend, leases);
}

/* ------------------------------------------------------------------ */
/* Pre-authorization checks */

/* The parent of macvtap @name exists and is not a user's tap or macvtap:
 * a user's VM must not become the network another VM is put on. */
static gboolean
check_parent (MhTapService *service, const char *name, const char *link, GError **error)
{
  MhTapBackend *backend = mh_leased_service_get_kernel (service);
  g_autoptr (GError) local_error = NULL;
  MhTapKernelInfo info;

  if (!backend->lookup (backend, link, &info, &local_error))
    {
      if (g_error_matches (local_error, MH_ERRNO_ERROR, ENODEV))
        g_set_error (error, MH_ERROR, MH_ERROR_NOT_FOUND,
                     "%s: the parent link %s does not exist; nothing was changed", name, link);
      else
        g_set_error (error, MH_ERROR, MH_ERROR_FAILED, "%s: cannot inspect the parent link %s: %s",
                     name, link, local_error->message);
      return FALSE;
    }
  if (info.is_tap || info.is_macvtap ||
      mh_tap_registry_lookup (mh_leased_service_get_registry (service), link) != NULL)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_REFUSED,
                   "%s: %s is a virtual machine's %s, not a network of this computer; a macvtap "
                   "can only be made on one",
                   name, link, info.is_macvtap ? "macvtap" : "tap");
      return FALSE;
    }
  return TRUE;
}

/* @bridge exists and is a bridge, and a port of MTU @mtu (0: the
 * default) would not change its MTU: the kernel lowers (or raises) a
 * bridge's MTU to follow its ports unless an administrator set it, and a
 * user's VM must not change the host's network.  *@bridge_mtu gets the
 * bridge's MTU.  Called before polkit and again by the worker just
 * before the kernel work. */
static gboolean
check_bridge (MhTapBackend *backend, const char *tap, const char *bridge, guint mtu,
              guint *bridge_mtu, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  MhTapKernelInfo info;

  if (!backend->lookup (backend, bridge, &info, &local_error))
    {
      if (g_error_matches (local_error, MH_ERRNO_ERROR, ENODEV))
        g_set_error (error, MH_ERROR, MH_ERROR_NOT_FOUND,
                     "%s: the bridge %s does not exist; nothing was changed", tap, bridge);
      else
        g_set_error (error, MH_ERROR, MH_ERROR_FAILED, "%s: cannot inspect the bridge %s: %s", tap,
                     bridge, local_error->message);
      return FALSE;
    }
  if (!info.is_bridge)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_REFUSED,
                   "%s: %s is not a bridge%s; a tap can only be made a port of a bridge", tap,
                   bridge, info.is_tap ? " (it is a tap)" : "");
      return FALSE;
    }
  if (mtu != 0 && mtu != info.mtu)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_REFUSED,
                   "%s: MTU %u differs from the MTU %u of the bridge %s, which a port of "
                   "another MTU could change for the whole host; leave mtu out or ask for %u",
                   tap, mtu, info.mtu, bridge, info.mtu);
      return FALSE;
    }
  if (bridge_mtu != NULL)
    *bridge_mtu = info.mtu;
  return TRUE;
}

gboolean
mh_tap_service_check_create (MhTapService *service, guint32 uid, GPtrArray *requests,
                             GError **error)
{
  MhTapRegistry *registry = mh_leased_service_get_registry (service);
  const MhConfig *config = mh_leased_service_get_config (service);
  guint n_new = 0, n_have, n_total;

  for (guint i = 0; i < requests->len; i++)
    {
      const MhTapRequest *request = requests->pdata[i];
      MhTapRecord *record = mh_tap_registry_lookup (registry, request->name);

      if (!mh_config_check_tap_name (config, request->name, error))
        return FALSE;
      if (request->bridge != NULL)
        {
          g_autoptr (GError) local_error = NULL;

          if (!mh_config_check_bridge (config, request->bridge, &local_error))
            {
              g_set_error (error, MH_ERROR, MH_ERROR_REFUSED, "%s: %s", request->name,
                           local_error->message);
              return FALSE;
            }
          if (!check_bridge (mh_leased_service_get_kernel (service), request->name, request->bridge,
                             request->mtu, NULL, error))
            return FALSE;
        }
      if (request->type == MH_TAP_TYPE_MACVTAP)
        {
          g_autoptr (GError) local_error = NULL;

          if (!mh_config_check_macvtap (config, request->link, request->mode, &local_error))
            {
              g_set_error (error, MH_ERROR, MH_ERROR_REFUSED, "%s: %s", request->name,
                           local_error->message);
              return FALSE;
            }
          if (!check_parent (service, request->name, request->link, error))
            return FALSE;
        }

      /* Another user's tap that its owner made non-persistent holds its
       * name no more. */
      if (record != NULL && record->uid != uid &&
          mh_leased_service_forget_if_vanished (service, record))
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
      if (record->macvtap != (request->type == MH_TAP_TYPE_MACVTAP))
        {
          g_set_error (error, MH_ERROR, MH_ERROR_BUSY,
                       "%s: your %s of that name exists; ask for a %s, or delete it first",
                       request->name, record->macvtap ? "macvtap" : "tap",
                       record->macvtap ? "macvtap" : "tap");
          return FALSE;
        }
      if (record->macvtap)
        {
          if (g_strcmp0 (record->link, request->link) != 0 ||
              g_strcmp0 (record->mode, request->mode) != 0 ||
              (request->mac != NULL && g_strcmp0 (record->mac, request->mac) != 0) ||
              (request->mtu != 0 && request->mtu != record->mtu))
            {
              g_set_error (error, MH_ERROR, MH_ERROR_BUSY,
                           "%s: your macvtap of that name exists on %s in mode %s; ask for the "
                           "same, or delete it first",
                           request->name, record->link, record->mode);
              return FALSE;
            }
          continue;
        }
      if (record->multi_queue != request->multi_queue)
        {
          g_set_error (error, MH_ERROR, MH_ERROR_BUSY,
                       "%s: your tap of that name exists with multi_queue %s; ask for the same "
                       "setting, or delete it first",
                       request->name, record->multi_queue ? "on" : "off");
          return FALSE;
        }
      if (g_strcmp0 (record->bridge, request->bridge) != 0 ||
          (request->mtu != 0 && request->mtu != record->mtu))
        {
          g_autofree char *mtu = g_strdup_printf ("%u", record->mtu);

          g_set_error (error, MH_ERROR, MH_ERROR_BUSY,
                       "%s: your tap of that name exists %s%s with MTU %s; ask for the same, "
                       "or delete it first",
                       request->name, record->bridge != NULL ? "on the bridge " : "standalone",
                       record->bridge != NULL ? record->bridge : "",
                       record->mtu != 0 ? mtu : "the default");
          return FALSE;
        }
    }

  /* Vanished taps count under no limit. */
  n_have = mh_tap_registry_count_for_uid (registry, uid);
  if (!mh_limits_check_taps_per_user (config, uid, n_have, n_new, NULL) &&
      mh_leased_service_forget_vanished (service, uid) > 0)
    n_have = mh_tap_registry_count_for_uid (registry, uid);
  if (!mh_limits_check_taps_per_user (config, uid, n_have, n_new, error))
    return FALSE;
  n_total = mh_tap_registry_count (registry);
  if (!mh_limits_check_taps_total (config, n_total, n_new, NULL) &&
      mh_leased_service_forget_vanished (service, G_MAXUINT32) > 0)
    n_total = mh_tap_registry_count (registry);
  return mh_limits_check_taps_total (config, n_total, n_new, error);
}

gboolean
mh_tap_service_check_batch_size (MhTapService *service, gsize n_asked, GError **error)
{
  return mh_limits_check_tap_batch (mh_leased_service_get_config (service), n_asked, error);
}

/* ------------------------------------------------------------------ */
/* Create */

/* A job of at most this many taps (a VM's usual set) does its kernel work
 * right on the main thread, after polkit has answered.  Handing it to a
 * worker and back cost more than the work itself here: 0.2–0.3 ms more
 * per CreateTap in the benchmark's interleaved series (bench 1b,
 * docs/performance.md), and the worker's cold start made the kernel calls
 * slower too.  The main loop is held for about half a millisecond per tap;
 * larger batches (up to MaxPerUser=) go to a worker, so that other
 * callers are not kept waiting behind them. */
#define CREATE_ON_MAIN_THREAD_MAX 4

typedef enum {
  STEP_CREATE,
  STEP_REUSE,
} StepKind;

typedef struct {
  char *name;
  gboolean macvtap;
  char *link;
  char *mode;
  char *mac;
  char *bridge;
  guint mtu; /* asked for; the worker fills in a bridge's */
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
  g_free (step->link);
  g_free (step->mode);
  g_free (step->mac);
  g_free (step->bridge);
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
  MhTapSpec spec = {
    .macvtap = step->macvtap,
    .link = step->link,
    .mode = step->mode,
    .mac = step->mac,
    .multi_queue = step->multi_queue,
    .vnet_hdr = step->vnet_hdr,
    .bridge = step->bridge,
    .mtu = step->mtu,
  };

  if (job->backend->create (job->backend, step->name, job->caller->uid, &spec, &step->ifindex,
                            &local_error))
    {
      step->created = TRUE;
      return TRUE;
    }
  if (g_error_matches (local_error, MH_ERRNO_ERROR, EBUSY))
    g_set_error (error, MH_ERROR, MH_ERROR_BUSY,
                 "%s: an interface of that name already exists and microvm-helper did not "
                 "make it for you; nothing was changed",
                 step->name);
  else if (step->macvtap && g_error_matches (local_error, MH_ERRNO_ERROR, ENODEV))
    g_set_error (error, MH_ERROR, MH_ERROR_NOT_FOUND,
                 "%s: the parent link %s is gone; nothing was changed", step->name, step->link);
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

  if ((step->macvtap ? !info.is_macvtap : !info.is_tap) || info.ifindex != step->expected_ifindex ||
      info.owner != (gint64) job->caller->uid ||
      (!step->macvtap && ((info.tun_flags & IFF_MULTI_QUEUE) != 0) != step->multi_queue))
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

  /* The bridges once more, now that polkit has answered, before any tap
   * is made: a refusal then changes nothing at all.  A bridged tap
   * without an MTU gets the bridge's. */
  for (i = 0; i < job->steps->len; i++)
    {
      Step *step = &g_array_index (job->steps, Step, i);

      if (step->bridge != NULL &&
          !check_bridge (job->backend, step->name, step->bridge, step->mtu, &step->mtu, &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }

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
      MhTapRecord *record =
        mh_tap_registry_lookup (mh_leased_service_get_registry (service), step->name);

      g_assert (record != NULL && record->busy);
      record->busy = FALSE;
      if (!ok)
        {
          if (step->new_record)
            mh_tap_registry_remove (mh_leased_service_get_registry (service), step->name);
          continue;
        }
      if (step->kind == STEP_CREATE || step->recreated)
        {
          record->state = MH_TAP_STATE_READY;
          record->ifindex = step->ifindex;
          record->vnet_hdr = step->vnet_hdr;
          record->mtu = step->mtu;
        }
      if (step->recreated)
        {
          mh_leased_service_drop_lease (service, record);
          if (step->release_on_disconnect)
            mh_tap_record_set_lease (record, job->caller->sender,
                                     mh_leases_get_bus_id (mh_leased_service_get_leases (service)));
        }
    }

  if (!ok)
    {
      mh_leased_service_save_or_warn (service);
      g_task_return_error (outer, g_steal_pointer (&error));
      mh_leased_service_request_finished (service);
      return;
    }

  mh_fault_point ("tap-create-made");
  if (!mh_tap_registry_save (mh_leased_service_get_registry (service), &error))
    {
      /* The taps exist but the helper could not write down that they are
       * this user's: take them away again rather than leave taps nobody
       * can delete through the helper. */
      g_autoptr (GPtrArray) undo = g_ptr_array_new ();

      for (guint i = 0; i < job->steps->len; i++)
        {
          Step *step = &g_array_index (job->steps, Step, i);
          MhTapRecord *record =
            mh_tap_registry_lookup (mh_leased_service_get_registry (service), step->name);
          if (step->created)
            g_ptr_array_add (undo, record);
        }
      mh_leased_service_start_release (service, undo, "the registry could not be written");
      g_task_return_error (outer, g_steal_pointer (&error));
      mh_leased_service_request_finished (service);
      return;
    }

  mh_fault_point ("tap-create-recorded");
  results = g_ptr_array_new_with_free_func ((GDestroyNotify) mh_tap_result_free);
  for (guint i = 0; i < job->steps->len; i++)
    {
      Step *step = &g_array_index (job->steps, Step, i);
      MhTapRecord *record =
        mh_tap_registry_lookup (mh_leased_service_get_registry (service), step->name);
      MhTapResult *out = g_new0 (MhTapResult, 1);

      if (step->created && record->lease_name != NULL)
        mh_leases_hold (mh_leased_service_get_leases (service), record->lease_name);
      out->name = g_strdup (step->name);
      out->ifindex = step->ifindex;
      out->reused = !step->created;
      g_ptr_array_add (results, out);
    }

  g_task_return_pointer (outer, g_steal_pointer (&results), (GDestroyNotify) g_ptr_array_unref);
  mh_leased_service_request_finished (service);
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
  job->backend = mh_leased_service_get_kernel (service);
  job->caller = mh_caller_copy (caller);
  job->steps = g_array_sized_new (FALSE, TRUE, sizeof (Step), requests->len);
  g_array_set_clear_func (job->steps, step_clear);

  for (guint i = 0; i < requests->len; i++)
    {
      const MhTapRequest *request = requests->pdata[i];
      MhTapRecord *record =
        mh_tap_registry_lookup (mh_leased_service_get_registry (service), request->name);
      Step step = { 0 };

      step.name = g_strdup (request->name);
      step.macvtap = request->type == MH_TAP_TYPE_MACVTAP;
      step.link = g_strdup (request->link);
      step.mode = g_strdup (request->mode);
      step.mac = g_strdup (request->mac);
      step.bridge = g_strdup (request->bridge);
      step.mtu = request->mtu;
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
          record->bridge = g_strdup (request->bridge);
          record->mtu = request->mtu;
          record->macvtap = request->type == MH_TAP_TYPE_MACVTAP;
          record->link = g_strdup (request->link);
          record->mode = g_strdup (request->mode);
          record->mac = g_strdup (request->mac);
          if (request->release_on_disconnect)
            mh_tap_record_set_lease (record, caller->sender,
                                     mh_leases_get_bus_id (mh_leased_service_get_leases (service)));
          mh_tap_registry_insert (mh_leased_service_get_registry (service), record);
          step.kind = STEP_CREATE;
          step.new_record = TRUE;
          any_new = TRUE;
        }
      record->busy = TRUE;
      g_array_append_val (job->steps, step);
    }

  if (any_new && !mh_tap_registry_save (mh_leased_service_get_registry (service), &error))
    {
      for (guint i = 0; i < job->steps->len; i++)
        {
          Step *step = &g_array_index (job->steps, Step, i);
          if (step->new_record)
            mh_tap_registry_remove (mh_leased_service_get_registry (service), step->name);
          else
            mh_tap_registry_lookup (mh_leased_service_get_registry (service), step->name)->busy =
              FALSE;
        }
      create_job_free (job);
      g_prefix_error (&error, "nothing was created: ");
      g_task_return_error (outer, g_steal_pointer (&error));
      g_object_unref (outer);
      return;
    }

  mh_fault_point ("tap-create-reserved");
  mh_leased_service_request_started (service);
  worker = g_task_new (NULL, NULL, create_thread_done, outer);
  g_task_set_task_data (worker, job, create_job_free);
  /* Either way create_thread_done runs later on the main loop: GTask
   * defers a result returned in the iteration that made the task. */
  if (job->steps->len <= CREATE_ON_MAIN_THREAD_MAX)
    create_thread (worker, NULL, job, NULL);
  else
    g_task_run_in_thread (worker, create_thread);
}

GPtrArray *
mh_tap_service_create_finish (MhTapService *service, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
