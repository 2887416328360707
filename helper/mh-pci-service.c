#include "mh-pci-service-private.h"

#include <errno.h>
#include <string.h>

#include "mh-error.h"
#include "mh-fault.h"
#include "mh-pci-kernel.h"

MhPciService *
mh_pci_service_new (const MhConfig *config, MhPciRegistry *registry, MhPciSysfs *sysfs,
                    MhLeases *leases)
{
  MhPciService *service = g_new0 (MhPciService, 1);

  service->config = config;
  service->registry = registry;
  service->sysfs = sysfs;
  service->leases = leases;
  g_mutex_init (&service->kernel_lock);
  return service;
}

void
mh_pci_service_free (MhPciService *service)
{
  if (service == NULL)
    return;
  mh_pci_registry_free (service->registry);
  mh_pci_sysfs_free (service->sysfs);
  g_mutex_clear (&service->kernel_lock);
  g_free (service);
}

MhPciRegistry *
mh_pci_service_get_registry (MhPciService *service)
{
  return service->registry;
}

void
mh_pci_service_set_idle_callback (MhPciService *service, GCallback callback, gpointer user_data)
{
  service->idle_callback = callback;
  service->idle_data = user_data;
}

gboolean
mh_pci_service_has_running_work (MhPciService *service)
{
  return service->in_flight > 0;
}

gboolean
mh_pci_service_is_idle (MhPciService *service)
{
  g_autoptr (GPtrArray) all = NULL;

  if (service->in_flight > 0)
    return FALSE;
  all = mh_pci_registry_list (service->registry, G_MAXUINT32);
  for (guint i = 0; i < all->len; i++)
    {
      const MhPciRecord *record = all->pdata[i];
      if (record->retry_source != 0 || record->release_pending)
        return FALSE;
    }
  return TRUE;
}

void
mh_pci_service_request_started (MhPciService *service)
{
  service->in_flight++;
}

void
mh_pci_service_request_finished (MhPciService *service)
{
  g_autoptr (GPtrArray) pending = g_ptr_array_new ();
  g_autoptr (GPtrArray) all = mh_pci_registry_list (service->registry, G_MAXUINT32);

  g_assert (service->in_flight > 0);
  service->in_flight--;

  for (guint i = 0; i < all->len; i++)
    {
      MhPciRecord *record = all->pdata[i];
      if (record->release_pending && !record->busy)
        {
          record->release_pending = FALSE;
          g_ptr_array_add (pending, record);
        }
    }
  if (pending->len > 0)
    mh_pci_service_start_release (service, pending, "its holder is gone");

  if (mh_pci_service_is_idle (service) && service->idle_callback != NULL)
    ((void (*) (gpointer)) service->idle_callback) (service->idle_data);
}

void
mh_pci_service_save_or_warn (MhPciService *service)
{
  g_autoptr (GError) error = NULL;

  if (!mh_pci_registry_save (service->registry, &error))
    g_warning ("%s (the next start-up reconciles it with the kernel)", error->message);
}

void
mh_pci_service_forget (MhPciService *service, MhPciRecord *record)
{
  if (record->lease_name != NULL)
    mh_leases_release (service->leases, record->lease_name);
  mh_pci_registry_remove (service->registry, record->address);
}

/* ------------------------------------------------------------------ */
/* Inspection */

typedef struct {
  const MhPciSysfs *sysfs;
  char *address;
  gboolean want_name;
  gboolean device_only;
} InspectJob;

static void
inspect_job_free (gpointer data)
{
  InspectJob *job = data;

  g_free (job->address);
  g_free (job);
}

static void
inspect_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  InspectJob *job = task_data;
  GError *error = NULL;
  MhPciInspection *inspection = NULL;

  if (job->device_only)
    {
      MhPciDevice *device =
        mh_pci_sysfs_read_device (job->sysfs, job->address, job->want_name, &error);
      if (device != NULL)
        {
          inspection = g_new0 (MhPciInspection, 1);
          inspection->device = device;
          inspection->peers = g_ptr_array_new ();
          inspection->users = g_ptr_array_new ();
        }
    }
  else
    inspection = mh_pci_inspect (job->sysfs, job->address, job->want_name, &error);

  if (inspection == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, inspection, (GDestroyNotify) mh_pci_inspection_free);
}

static void
run_inspection (MhPciService *service, const char *address, gboolean want_name,
                gboolean device_only, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  InspectJob *job = g_new0 (InspectJob, 1);

  job->sysfs = service->sysfs;
  job->address = g_strdup (address);
  job->want_name = want_name;
  job->device_only = device_only;
  g_task_set_task_data (task, job, inspect_job_free);
  g_task_run_in_thread (task, inspect_thread);
}

void
mh_pci_service_inspect_async (MhPciService *service, const char *address, gboolean want_name,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  run_inspection (service, address, want_name, FALSE, callback, user_data);
}

void
mh_pci_service_describe_async (MhPciService *service, const char *address,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  run_inspection (service, address, TRUE, TRUE, callback, user_data);
}

MhPciInspection *
mh_pci_service_inspect_finish (MhPciService *service, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
mh_pci_service_check_not_busy (const MhPciRecord *record, GError **error)
{
  if (record->busy || record->state != MH_PCI_STATE_BOUND)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_BUSY, "another request is working on %s; try again",
                   record->address);
      return FALSE;
    }
  if (record->give_back)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_BUSY,
                   "%s is being given back (the client that held it left, and its group is "
                   "still open); try again once the VM has stopped",
                   record->address);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_bind (MhPciService *service, const MhPciInspection *inspection, guint32 uid,
            MhPciBindKind *kind, GError **error)
{
  const MhPciRecord *record =
    mh_pci_registry_lookup (service->registry, inspection->device->address);
  g_autoptr (GHashTable) holders = mh_pci_registry_snapshot_holders (service->registry);

  if (record != NULL && record->uid == uid && !mh_pci_service_check_not_busy (record, error))
    return FALSE;
  return mh_pci_check_bind (inspection, service->config, holders, uid, kind, error);
}

gboolean
mh_pci_service_check_bind (MhPciService *service, const MhPciInspection *inspection, guint32 uid,
                           GError **error)
{
  MhPciBindKind kind;

  return check_bind (service, inspection, uid, &kind, error);
}

gboolean
mh_pci_service_lookup_holder (MhPciService *service, const char *address, guint32 *uid)
{
  const MhPciRecord *record = mh_pci_registry_lookup (service->registry, address);

  if (record == NULL)
    return FALSE;
  *uid = record->uid;
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Bind
 *
 * bind_start (main) -> inspect (worker) -> bind_inspected (main: checks
 * again, writes the record) -> bind_thread (worker: sysfs, /dev/vfio/N)
 * -> bind_done (main).  A caller's existing binding skips to bind_thread
 * to hand the node out again. */

typedef struct {
  MhPciService *service;
  MhCaller *caller;
  char *address;
  gboolean release_on_disconnect;
  gboolean reuse;
  gboolean started_over; /* a stale record was dropped once already */
  char *original_driver;
  char *original_override;
  guint group;
  /* Filled in by the worker. */
  char *node;
  gboolean stale;      /* reuse: the device left vfio-pci outside the helper */
  gboolean left_bound; /* a failed bind could not be undone */
} BindJob;

static void
bind_job_free (gpointer data)
{
  BindJob *job = data;

  mh_caller_free (job->caller);
  g_free (job->address);
  g_free (job->original_driver);
  g_free (job->original_override);
  g_free (job->node);
  g_free (job);
}

static gboolean
bind_locked (BindJob *job, GError **error)
{
  const MhPciSysfs *sysfs = job->service->sysfs;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *driver = mh_pci_sysfs_read_driver (sysfs, job->address, &local_error);

  if (driver == NULL)
    {
      if (g_error_matches (local_error, MH_ERRNO_ERROR, ENODEV))
        g_set_error (error, MH_ERROR, MH_ERROR_NOT_FOUND, "PCI device %s no longer exists",
                     job->address);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (job->reuse)
    {
      if (strcmp (driver, MH_PCI_VFIO_DRIVER) != 0)
        {
          job->stale = TRUE;
          return TRUE;
        }
    }
  else
    {
      if (strcmp (driver, job->original_driver) != 0)
        {
          g_set_error (error, MH_ERROR, MH_ERROR_BUSY,
                       "the driver of %s changed while the request was being authorized "
                       "(from %s to %s); nothing was changed, try again",
                       job->address, job->original_driver[0] ? job->original_driver : "none",
                       driver[0] ? driver : "none");
          return FALSE;
        }
      if (!mh_pci_kernel_bind (sysfs, job->address, job->original_driver, job->original_override,
                               error))
        return FALSE;
    }

  if (!mh_pci_kernel_hand_node (sysfs, job->group, job->caller->uid, &local_error))
    {
      g_autoptr (GError) undo_error = NULL;

      if (job->reuse)
        {
          g_set_error (error, MH_ERROR, MH_ERROR_FAILED,
                       "cannot give the VFIO group of %s to you: %s", job->address,
                       local_error->message);
          return FALSE;
        }
      if (mh_pci_kernel_release (sysfs, job->address, job->group, job->original_driver,
                                 job->original_override, 0, FALSE, FALSE,
                                 &undo_error) == MH_PCI_RELEASED)
        g_set_error (error, MH_ERROR, MH_ERROR_FAILED,
                     "cannot give the VFIO group of %s to you (%s); the device was put back",
                     job->address, local_error->message);
      else
        {
          job->left_bound = TRUE;
          g_set_error (error, MH_ERROR, MH_ERROR_FAILED,
                       "cannot give the VFIO group of %s to you (%s), and putting the device "
                       "back failed (%s); it stays recorded as yours: release it with "
                       "ReleasePciDevice",
                       job->address, local_error->message, undo_error->message);
        }
      return FALSE;
    }
  job->node = mh_pci_sysfs_vfio_node (sysfs, job->group);
  return TRUE;
}

static void
bind_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  BindJob *job = task_data;
  GError *error = NULL;
  gboolean ok;

  g_mutex_lock (&job->service->kernel_lock);
  ok = bind_locked (job, &error);
  g_mutex_unlock (&job->service->kernel_lock);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void bind_start (GTask *outer);

static void
bind_fail (GTask *outer, GError *error)
{
  BindJob *job = g_task_get_task_data (outer);
  MhPciService *service = job->service;

  g_task_return_error (outer, error);
  g_object_unref (outer);
  mh_pci_service_request_finished (service);
}

static void
bind_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *outer = user_data;
  BindJob *job = g_task_get_task_data (outer);
  MhPciService *service = job->service;
  MhPciRecord *record = mh_pci_registry_lookup (service->registry, job->address);
  GError *error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);

  g_assert (record != NULL && record->busy);
  record->busy = FALSE;

  if (job->reuse && ok && job->stale)
    {
      g_message ("forgot %s (uid %u): it left vfio-pci outside microvm-helper; binding it anew",
                 job->address, record->uid);
      mh_pci_service_forget (service, record);
      mh_pci_service_save_or_warn (service);
      if (!job->started_over)
        {
          job->started_over = TRUE;
          job->reuse = FALSE;
          mh_pci_service_request_finished (service);
          bind_start (outer);
          return;
        }
      bind_fail (outer,
                 g_error_new (MH_ERROR, MH_ERROR_BUSY,
                              "%s keeps changing outside microvm-helper; try again", job->address));
      return;
    }
  if (job->reuse)
    {
      if (!ok)
        {
          bind_fail (outer, error);
          return;
        }
      g_task_return_pointer (outer, g_strdup (job->node), g_free);
      g_object_unref (outer);
      mh_pci_service_request_finished (service);
      return;
    }

  if (!ok)
    {
      if (job->left_bound)
        {
          record->state = MH_PCI_STATE_BOUND;
          if (record->lease_name != NULL)
            mh_leases_hold (service->leases, record->lease_name);
        }
      else
        mh_pci_service_forget (service, record);
      mh_pci_service_save_or_warn (service);
      bind_fail (outer, error);
      return;
    }

  record->state = MH_PCI_STATE_BOUND;
  if (!mh_pci_registry_save (service->registry, &error))
    {
      /* Bound, but the helper could not write down whose it is: give it
       * back rather than leave a device nobody can release. */
      g_autoptr (GPtrArray) undo = g_ptr_array_new ();

      record->give_back = TRUE;
      g_ptr_array_add (undo, record);
      mh_pci_service_start_release (service, undo, "the registry could not be written");
      bind_fail (outer, error);
      return;
    }
  mh_fault_point ("pci-bind-bound");
  if (record->lease_name != NULL)
    mh_leases_hold (service->leases, record->lease_name);
  g_message ("bound %s to vfio-pci for uid %u (was on %s); %s is theirs", job->address,
             job->caller->uid, job->original_driver[0] ? job->original_driver : "no driver",
             job->node);
  g_task_return_pointer (outer, g_strdup (job->node), g_free);
  g_object_unref (outer);
  mh_pci_service_request_finished (service);
}

static void
run_bind_thread (GTask *outer)
{
  BindJob *job = g_task_get_task_data (outer);
  g_autoptr (GTask) worker = g_task_new (NULL, NULL, bind_done, outer);

  g_task_set_task_data (worker, job, NULL);
  g_task_run_in_thread (worker, bind_thread);
}

static void
bind_inspected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *outer = user_data;
  BindJob *job = g_task_get_task_data (outer);
  MhPciService *service = job->service;
  g_autoptr (MhPciInspection) inspection = NULL;
  MhPciRecord *record;
  GError *error = NULL;
  MhPciBindKind kind;

  inspection = g_task_propagate_pointer (G_TASK (result), &error);
  if (inspection == NULL)
    {
      bind_fail (outer, error);
      return;
    }
  /* The registry may have changed while the worker read sysfs. */
  if (mh_pci_registry_lookup (service->registry, job->address) != NULL)
    {
      bind_fail (outer, g_error_new (MH_ERROR, MH_ERROR_BUSY,
                                     "another request is working on %s; try again", job->address));
      return;
    }
  if (!check_bind (service, inspection, job->caller->uid, &kind, &error))
    {
      bind_fail (outer, error);
      return;
    }
  g_assert (kind == MH_PCI_BIND_NEW);

  /* Written down before the kernel work, so that a helper killed half-way
   * knows at its next start what to give back, and to which driver. */
  record = mh_pci_record_new (job->address, job->caller->uid);
  record->state = MH_PCI_STATE_BINDING;
  record->iommu_group = (guint) inspection->device->iommu_group;
  record->vendor = inspection->device->vendor;
  record->device = inspection->device->device;
  record->class_code = inspection->device->class_code;
  g_free (record->original_driver);
  record->original_driver = g_strdup (inspection->device->driver);
  g_free (record->original_override);
  record->original_override = g_strdup (inspection->device->driver_override);
  if (job->release_on_disconnect)
    mh_pci_record_set_lease (record, job->caller->sender, mh_leases_get_bus_id (service->leases));
  mh_pci_registry_insert (service->registry, record);
  if (!mh_pci_registry_save (service->registry, &error))
    {
      mh_pci_registry_remove (service->registry, job->address);
      g_prefix_error (&error, "nothing was changed: ");
      bind_fail (outer, error);
      return;
    }
  mh_fault_point ("pci-bind-recorded");
  record->busy = TRUE;
  job->group = record->iommu_group;
  g_free (job->original_driver);
  job->original_driver = g_strdup (record->original_driver);
  g_free (job->original_override);
  job->original_override = g_strdup (record->original_override);
  run_bind_thread (outer);
}

static void
bind_start (GTask *outer)
{
  BindJob *job = g_task_get_task_data (outer);
  MhPciService *service = job->service;
  MhPciRecord *record = mh_pci_registry_lookup (service->registry, job->address);
  GError *error = NULL;

  mh_pci_service_request_started (service);
  if (record != NULL)
    {
      if (record->uid != job->caller->uid)
        {
          bind_fail (outer, g_error_new (MH_ERROR, MH_ERROR_BUSY,
                                         "%s is held by another user through microvm-helper; "
                                         "it must be released first",
                                         job->address));
          return;
        }
      if (!mh_pci_service_check_not_busy (record, &error))
        {
          bind_fail (outer, error);
          return;
        }
      /* Yours already: hand the node out again, lease left as it was. */
      job->reuse = TRUE;
      job->group = record->iommu_group;
      record->busy = TRUE;
      run_bind_thread (outer);
      return;
    }
  run_inspection (service, job->address, FALSE, FALSE, bind_inspected, outer);
}

void
mh_pci_service_bind_async (MhPciService *service, const MhCaller *caller, const char *address,
                           gboolean release_on_disconnect, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  GTask *outer = g_task_new (NULL, NULL, callback, user_data);
  BindJob *job = g_new0 (BindJob, 1);

  g_task_set_source_tag (outer, mh_pci_service_bind_async);
  job->service = service;
  job->caller = mh_caller_copy (caller);
  job->address = g_strdup (address);
  job->release_on_disconnect = release_on_disconnect;
  job->original_driver = g_strdup ("");
  job->original_override = g_strdup ("");
  g_task_set_task_data (outer, job, bind_job_free);
  bind_start (outer);
}

char *
mh_pci_service_bind_finish (MhPciService *service, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* List */

typedef struct {
  char *address;
  guint group;
  char *original_driver;
  guint32 uid;
  gboolean leased;
} Listed;

typedef struct {
  const MhPciSysfs *sysfs;
  GArray *entries;
} ListJob;

static void
listed_clear (gpointer data)
{
  Listed *entry = data;

  g_free (entry->address);
  g_free (entry->original_driver);
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
  g_autoptr (GVariantBuilder) builder = g_variant_builder_new (G_VARIANT_TYPE ("a(sa{sv})"));

  for (guint i = 0; i < job->entries->len; i++)
    {
      Listed *entry = &g_array_index (job->entries, Listed, i);
      g_auto (GVariantDict) details = G_VARIANT_DICT_INIT (NULL);
      g_autoptr (MhPciDevice) device = NULL;
      g_autofree char *node = NULL;

      device = mh_pci_sysfs_read_device (job->sysfs, entry->address, FALSE, NULL);
      if (device == NULL || strcmp (device->driver, MH_PCI_VFIO_DRIVER) != 0)
        continue;
      node = mh_pci_sysfs_vfio_node (job->sysfs, entry->group);
      g_variant_dict_insert (&details, "vendor", "q", device->vendor);
      g_variant_dict_insert (&details, "device", "q", device->device);
      g_variant_dict_insert (&details, "class", "u", device->class_code);
      g_variant_dict_insert (&details, "iommu_group", "u", entry->group);
      g_variant_dict_insert (&details, "vfio_group_path", "s", node);
      g_variant_dict_insert (&details, "original_driver", "s", entry->original_driver);
      g_variant_dict_insert (&details, "owner", "u", entry->uid);
      g_variant_dict_insert (&details, "release_on_disconnect", "b", entry->leased);
      g_variant_builder_add (builder, "(s@a{sv})", entry->address, g_variant_dict_end (&details));
    }
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_builder_end (builder)),
                         (GDestroyNotify) g_variant_unref);
}

void
mh_pci_service_list_async (MhPciService *service, guint32 uid, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  g_autoptr (GPtrArray) records = mh_pci_registry_list (service->registry, uid);
  ListJob *job = g_new0 (ListJob, 1);

  job->sysfs = service->sysfs;
  job->entries = g_array_new (FALSE, TRUE, sizeof (Listed));
  g_array_set_clear_func (job->entries, listed_clear);
  for (guint i = 0; i < records->len; i++)
    {
      const MhPciRecord *record = records->pdata[i];
      Listed entry = { 0 };

      if (record->state != MH_PCI_STATE_BOUND || record->give_back)
        continue;
      entry.address = g_strdup (record->address);
      entry.group = record->iommu_group;
      entry.original_driver = g_strdup (record->original_driver);
      entry.uid = record->uid;
      entry.leased = record->lease_name != NULL;
      g_array_append_val (job->entries, entry);
    }
  g_task_set_task_data (task, job, list_job_free);
  g_task_run_in_thread (task, list_thread);
}

GVariant *
mh_pci_service_list_finish (MhPciService *service, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
