/* What the helper knows against what the kernel has, for any kind:
 * listing a user's resources, and the reconciliation at start-up, before
 * the helper serves. */
#include "mh-leased-service.h"

/* ------------------------------------------------------------------ */
/* Start-up */

void
mh_leased_service_reconcile (MhLeasedService *service, MhLeaseAliveFunc alive, gpointer alive_data)
{
  const MhLeasedKind *kind = mh_leased_service_get_kind (service);
  MhLeasedRegistry *registry = mh_leased_service_get_registry (service);
  g_autoptr (GPtrArray) all = mh_leased_registry_list (registry, G_MAXUINT32);
  g_autoptr (GPtrArray) forget = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) release = g_ptr_array_new ();

  for (guint i = 0; i < all->len; i++)
    {
      MhLeasedRecord *record = all->pdata[i];

      switch (kind->reconcile (service, record, alive, alive_data))
        {
        case MH_LEASED_KEEP:
          if (record->lease_name != NULL)
            mh_leases_hold (mh_leased_service_get_leases (service), record->lease_name);
          break;
        case MH_LEASED_FORGET:
          g_ptr_array_add (forget, g_strdup (record->key));
          break;
        case MH_LEASED_RELEASE:
          g_ptr_array_add (release, record);
          break;
        case MH_LEASED_KEEP_UNWATCHED:
        default:
          break;
        }
    }
  for (guint i = 0; i < forget->len; i++)
    mh_leased_registry_remove (registry, forget->pdata[i]);
  mh_leased_service_save_or_warn (service);
  mh_leased_service_start_release (service, release, "reconciling at start-up");
}

/* ------------------------------------------------------------------ */
/* List */

typedef struct {
  const MhLeasedKind *kind;
  gpointer kernel;
  GPtrArray *snapshots;
} ListJob;

static void
list_job_free (gpointer data)
{
  ListJob *job = data;

  g_ptr_array_unref (job->snapshots);
  g_free (job);
}

static void
list_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ListJob *job = task_data;
  g_autoptr (GVariantBuilder) builder =
    g_variant_builder_new (G_VARIANT_TYPE (job->kind->list_type));

  for (guint i = 0; i < job->snapshots->len; i++)
    job->kind->list_describe (job->kernel, job->snapshots->pdata[i], builder);
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_builder_end (builder)),
                         (GDestroyNotify) g_variant_unref);
}

void
mh_leased_service_list_async (MhLeasedService *service, guint32 uid, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  g_autoptr (GPtrArray) records =
    mh_leased_registry_list (mh_leased_service_get_registry (service), uid);
  ListJob *job = g_new0 (ListJob, 1);

  job->kind = mh_leased_service_get_kind (service);
  job->kernel = mh_leased_service_get_kernel (service);
  job->snapshots = g_ptr_array_new_with_free_func (job->kind->list_snapshot_free);
  for (guint i = 0; i < records->len; i++)
    {
      gpointer snapshot = job->kind->list_snapshot (records->pdata[i]);
      if (snapshot != NULL)
        g_ptr_array_add (job->snapshots, snapshot);
    }
  g_task_set_task_data (task, job, list_job_free);
  g_task_run_in_thread (task, list_thread);
}

GVariant *
mh_leased_service_list_finish (MhLeasedService *service, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
