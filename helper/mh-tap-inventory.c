/* What the helper knows against what the kernel has: ListTaps, and the
 * reconciliation at start-up, before the helper serves. */
#include <errno.h>
#include <linux/if_tun.h>

#include "mh-error.h"
#include "mh-tap-service-private.h"

typedef struct {
  char *name;
  int ifindex;
  guint32 uid;
  gboolean leased;
  char *release_error; /* a failed release being retried, or NULL */
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
  g_free (((Listed *) data)->release_error);
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

      /* Gone, replaced, or given away (TUNSETOWNER): not the caller's. */
      if (!job->backend->lookup (job->backend, entry->name, &info, NULL) || !info.is_tap ||
          info.ifindex != entry->ifindex || info.owner != (gint64) entry->uid)
        continue;

      g_variant_dict_insert (&details, "owner", "u", (guint32) info.owner);
      g_variant_dict_insert (&details, "multi_queue", "b", (info.tun_flags & IFF_MULTI_QUEUE) != 0);
      g_variant_dict_insert (&details, "vnet_hdr", "b", (info.tun_flags & IFF_VNET_HDR) != 0);
      g_variant_dict_insert (&details, "release_on_disconnect", "b", entry->leased);
      g_variant_dict_insert (&details, "up", "b", info.up);
      if (entry->release_error != NULL)
        g_variant_dict_insert (&details, "release_error", "s", entry->release_error);
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
      entry.uid = record->uid;
      entry.leased = record->lease_name != NULL;
      entry.release_error = g_strdup (record->release_error);
      g_array_append_val (job->entries, entry);
    }
  g_task_set_task_data (task, job, list_job_free);
  g_task_run_in_thread (task, list_thread);
}

gboolean
mh_tap_service_forget_if_vanished (MhTapService *service, MhTapRecord *record)
{
  g_autoptr (GError) error = NULL;
  MhTapKernelInfo info;
  g_autofree char *name = NULL;
  guint32 uid = record->uid;

  if (record->busy || record->state != MH_TAP_STATE_READY || record->release_pending ||
      record->retry_source != 0)
    return FALSE;
  if (service->backend->lookup (service->backend, record->name, &info, &error))
    {
      if (info.is_tap && info.ifindex == record->ifindex)
        return FALSE;
    }
  else if (!g_error_matches (error, MH_ERRNO_ERROR, ENODEV))
    return FALSE;

  name = g_strdup (record->name);
  mh_tap_service_record_drop_lease (service, record);
  mh_tap_registry_remove (service->registry, name);
  mh_tap_service_save_or_warn (service);
  g_message ("forgot tap %s (uid %u): it is no longer in the kernel", name, uid);
  return TRUE;
}

#define VANISHED_SWEEP_INTERVAL_US (5 * G_USEC_PER_SEC)

guint
mh_tap_service_forget_vanished (MhTapService *service, guint32 uid)
{
  g_autoptr (GPtrArray) records = NULL;
  gint64 now = g_get_monotonic_time ();
  guint forgotten = 0;

  if (service->last_vanished_sweep != 0 &&
      now - service->last_vanished_sweep < VANISHED_SWEEP_INTERVAL_US)
    return 0;
  service->last_vanished_sweep = now;
  records = mh_tap_registry_list (service->registry, uid);
  for (guint i = 0; i < records->len; i++)
    if (mh_tap_service_forget_if_vanished (service, records->pdata[i]))
      forgotten++;
  return forgotten;
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
  mh_tap_service_save_or_warn (service);
}
