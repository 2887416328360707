/* Giving PCI devices back: to a caller's ReleasePciDevice, when a leasing
 * client leaves the bus (retrying while its hypervisor still holds the
 * group), and at start-up for what a previous helper left. */
#include <errno.h>
#include <string.h>

#include "mh-error.h"
#include "mh-fault.h"
#include "mh-pci-kernel.h"
#include "mh-pci-service-private.h"

/* A device whose holder is gone but whose group is still open (the
 * hypervisor has not exited yet) is tried again, less and less often. */
#define RETRY_FIRST_MS 500
#define RETRY_MAX_MS 30000

typedef struct {
  char *address;
  guint group;
  char *original_driver;
  char *original_override;
  guint32 holder;
  gboolean keep_node;
  gboolean interrupted; /* a killed helper's bind or release, finished now */
  MhPciState state_before;
  MhPciReleaseOutcome outcome;
  GError *error;
} Release;

typedef struct {
  MhPciService *service;
  GArray *releases;
  char *why; /* for the log; NULL for a caller's ReleasePciDevice */
} ReleaseJob;

static void
release_clear (gpointer data)
{
  Release *release = data;

  g_free (release->address);
  g_free (release->original_driver);
  g_free (release->original_override);
  g_clear_error (&release->error);
}

static void
release_job_free (gpointer data)
{
  ReleaseJob *job = data;

  g_array_unref (job->releases);
  g_free (job->why);
  g_free (job);
}

static gboolean
records_contain (GPtrArray *records, const MhPciRecord *record)
{
  for (guint i = 0; i < records->len; i++)
    if (records->pdata[i] == record)
      return TRUE;
  return FALSE;
}

/* Other devices of the same group that stay with the same holder keep
 * the group's node theirs after this one is given back. */
static gboolean
group_stays_with_holder (MhPciService *service, const MhPciRecord *leaving, GPtrArray *job)
{
  g_autoptr (GPtrArray) all = mh_pci_registry_list (service->registry, leaving->uid);

  for (guint i = 0; i < all->len; i++)
    {
      const MhPciRecord *other = all->pdata[i];
      if (other != leaving && other->iommu_group == leaving->iommu_group &&
          other->state == MH_PCI_STATE_BOUND && !records_contain (job, other))
        return TRUE;
    }
  return FALSE;
}

static ReleaseJob *
release_job_new (MhPciService *service, GPtrArray *records, const char *why)
{
  ReleaseJob *job = g_new0 (ReleaseJob, 1);

  job->service = service;
  job->why = g_strdup (why);
  job->releases = g_array_sized_new (FALSE, TRUE, sizeof (Release), records->len);
  g_array_set_clear_func (job->releases, release_clear);
  for (guint i = 0; i < records->len; i++)
    {
      MhPciRecord *record = records->pdata[i];
      Release release = { 0 };

      release.address = g_strdup (record->address);
      release.group = record->iommu_group;
      release.original_driver = g_strdup (record->original_driver);
      release.original_override = g_strdup (record->original_override);
      release.holder = record->uid;
      release.keep_node = group_stays_with_holder (service, record, records);
      release.interrupted =
        record->state == MH_PCI_STATE_BINDING || record->state == MH_PCI_STATE_RELEASING;
      release.state_before = record->state;
      record->state = MH_PCI_STATE_RELEASING;
      record->busy = TRUE;
      g_array_append_val (job->releases, release);
    }
  /* Written down before the kernel work: a helper killed half-way has left
   * the device in between drivers, and the next one must finish. */
  mh_pci_service_save_or_warn (service);
  mh_fault_point ("pci-release-recorded");
  return job;
}

static void
release_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ReleaseJob *job = task_data;
  const MhPciSysfs *sysfs = job->service->sysfs;

  g_mutex_lock (&job->service->kernel_lock);
  for (guint i = 0; i < job->releases->len; i++)
    {
      Release *release = &g_array_index (job->releases, Release, i);

      release->outcome =
        mh_pci_kernel_release (sysfs, release->address, release->group, release->original_driver,
                               release->original_override, release->holder, release->keep_node,
                               release->interrupted, &release->error);
    }
  g_mutex_unlock (&job->service->kernel_lock);
  g_task_return_boolean (task, TRUE);
}

/* Applies one outcome to the registry (the caller saves it); returns
 * whether the record was forgotten (the device is no longer the
 * holder's). */
static gboolean
apply_release (MhPciService *service, Release *release)
{
  MhPciRecord *record = mh_pci_registry_lookup (service->registry, release->address);

  g_assert (record != NULL);
  record->busy = FALSE;
  switch (release->outcome)
    {
    case MH_PCI_RELEASED:
    case MH_PCI_RELEASE_GONE:
    case MH_PCI_RELEASE_NOT_RESTORED:
      mh_pci_service_forget (service, record);
      return TRUE;
    case MH_PCI_RELEASE_BUSY:
    case MH_PCI_RELEASE_FAILED:
    default:
      /* Still on vfio-pci and still the holder's. */
      record->state = release->state_before;
      return FALSE;
    }
}

typedef struct {
  MhPciService *service;
  char *address;
} RetryData;

static void
retry_data_free (gpointer data)
{
  RetryData *retry = data;

  g_free (retry->address);
  g_free (retry);
}

static gboolean
on_retry (gpointer user_data)
{
  RetryData *retry = user_data;
  MhPciRecord *record = mh_pci_registry_lookup (retry->service->registry, retry->address);
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
  mh_pci_service_start_release (retry->service, one, "retrying to give it back");
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (MhPciService *service, MhPciRecord *record)
{
  RetryData *retry = g_new0 (RetryData, 1);

  record->retry_delay_ms =
    record->retry_delay_ms == 0 ? RETRY_FIRST_MS : MIN (record->retry_delay_ms * 2, RETRY_MAX_MS);
  retry->service = service;
  retry->address = g_strdup (record->address);
  if (record->retry_source != 0)
    g_source_remove (record->retry_source);
  record->retry_source = g_timeout_add_full (G_PRIORITY_DEFAULT, record->retry_delay_ms, on_retry,
                                             retry, retry_data_free);
}

static void
release_thread_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ReleaseJob *job = g_task_get_task_data (G_TASK (result));
  MhPciService *service = job->service;

  for (guint i = 0; i < job->releases->len; i++)
    {
      Release *release = &g_array_index (job->releases, Release, i);
      MhPciRecord *record = mh_pci_registry_lookup (service->registry, release->address);
      guint32 uid = record->uid;
      gboolean give_back = record->give_back;

      if (!apply_release (service, release))
        {
          if (record->retry_delay_ms == 0 || release->outcome != MH_PCI_RELEASE_BUSY)
            g_message ("could not give %s (uid %u) back yet after %s: %s; trying again",
                       release->address, uid, job->why, release->error->message);
          if (give_back)
            schedule_retry (service, record);
          continue;
        }
      if (release->outcome == MH_PCI_RELEASED)
        g_message ("gave %s (uid %u) back to %s: %s", release->address, uid,
                   release->original_driver[0] ? release->original_driver : "no driver", job->why);
      else if (release->outcome == MH_PCI_RELEASE_GONE)
        g_message ("forgot %s (uid %u) after %s: %s", release->address, uid, job->why,
                   release->error->message);
      else
        g_warning ("forgot %s (uid %u) after %s: %s", release->address, uid, job->why,
                   release->error->message);
    }
  mh_pci_service_save_or_warn (service);
  mh_fault_point ("pci-release-forgotten");
  mh_pci_service_request_finished (service);
}

void
mh_pci_service_start_release (MhPciService *service, GPtrArray *records, const char *why)
{
  g_autoptr (GTask) worker = NULL;

  if (records->len == 0)
    return;
  mh_pci_service_request_started (service);
  worker = g_task_new (NULL, NULL, release_thread_done, NULL);
  g_task_set_task_data (worker, release_job_new (service, records, why), release_job_free);
  g_task_run_in_thread (worker, release_thread);
}

void
mh_pci_service_release_lease (MhPciService *service, const char *unique_name)
{
  g_autoptr (GPtrArray) leased = mh_pci_registry_list_leased_by (service->registry, unique_name);
  g_autoptr (GPtrArray) now = g_ptr_array_new ();
  g_autofree char *why = g_strdup_printf ("its client %s left the bus", unique_name);

  for (guint i = 0; i < leased->len; i++)
    {
      MhPciRecord *record = leased->pdata[i];

      record->give_back = TRUE;
      /* A request is working on it; give it back when that one is done. */
      if (record->busy)
        record->release_pending = TRUE;
      else
        g_ptr_array_add (now, record);
    }
  mh_pci_service_start_release (service, now, why);
}

static void
release_one_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) outer = user_data;
  ReleaseJob *job = g_task_get_task_data (G_TASK (result));
  MhPciService *service = job->service;
  Release *release = &g_array_index (job->releases, Release, 0);

  apply_release (service, release);
  mh_pci_service_save_or_warn (service);
  mh_fault_point ("pci-release-forgotten");

  switch (release->outcome)
    {
    case MH_PCI_RELEASED:
      g_task_return_boolean (outer, TRUE);
      break;
    case MH_PCI_RELEASE_GONE:
      g_task_return_new_error (outer, MH_ERROR, MH_ERROR_NOT_FOUND,
                               "%s; microvm-helper has forgotten it", release->error->message);
      break;
    case MH_PCI_RELEASE_BUSY:
    case MH_PCI_RELEASE_NOT_RESTORED:
    case MH_PCI_RELEASE_FAILED:
    default:
      g_task_return_error (outer, g_steal_pointer (&release->error));
      break;
    }
  mh_pci_service_request_finished (service);
}

void
mh_pci_service_release_async (MhPciService *service, const MhCaller *caller, const char *address,
                              gboolean as_admin, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *outer = g_task_new (NULL, NULL, callback, user_data);
  MhPciRecord *record = mh_pci_registry_lookup (service->registry, address);
  g_autoptr (GPtrArray) one = NULL;
  g_autoptr (GTask) worker = NULL;
  GError *error = NULL;

  g_task_set_source_tag (outer, mh_pci_service_release_async);
  if (record == NULL)
    {
      g_task_return_new_error (outer, MH_ERROR, MH_ERROR_NOT_FOUND,
                               "microvm-helper does not hold %s for anyone (ListPciDevices "
                               "shows your devices)",
                               address);
      g_object_unref (outer);
      return;
    }
  if (record->uid != caller->uid && !as_admin)
    {
      g_task_return_new_error (outer, MH_ERROR, MH_ERROR_REFUSED,
                               "%s is held by another user; it is left alone", address);
      g_object_unref (outer);
      return;
    }
  if (!mh_pci_service_check_not_busy (record, &error))
    {
      g_task_return_error (outer, error);
      g_object_unref (outer);
      return;
    }

  one = g_ptr_array_new ();
  g_ptr_array_add (one, record);
  mh_pci_service_request_started (service);
  worker = g_task_new (NULL, NULL, release_one_done, outer);
  g_task_set_task_data (worker, release_job_new (service, one, NULL), release_job_free);
  g_task_run_in_thread (worker, release_thread);
}

gboolean
mh_pci_service_release_finish (MhPciService *service, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ */
/* Start-up */

void
mh_pci_service_reconcile (MhPciService *service, MhLeaseAliveFunc alive, gpointer alive_data)
{
  g_autoptr (GPtrArray) all = mh_pci_registry_list (service->registry, G_MAXUINT32);
  g_autoptr (GPtrArray) forget = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) give_back = g_ptr_array_new ();

  for (guint i = 0; i < all->len; i++)
    {
      MhPciRecord *record = all->pdata[i];
      g_autoptr (GError) error = NULL;
      g_autofree char *driver = NULL;

      if (record->state != MH_PCI_STATE_BOUND)
        {
          g_message ("giving %s (uid %u) back: a restart interrupted its %s", record->address,
                     record->uid, record->state == MH_PCI_STATE_BINDING ? "bind" : "release");
          record->give_back = TRUE;
          g_ptr_array_add (give_back, record);
          continue;
        }
      if (record->lease_name != NULL &&
          !alive (record->lease_name, record->lease_bus_id, alive_data))
        {
          g_message ("giving %s (uid %u) back: its client %s left while the helper was not "
                     "running",
                     record->address, record->uid, record->lease_name);
          record->give_back = TRUE;
          g_ptr_array_add (give_back, record);
          continue;
        }

      driver = mh_pci_sysfs_read_driver (service->sysfs, record->address, &error);
      if (driver == NULL && g_error_matches (error, MH_ERRNO_ERROR, ENODEV))
        {
          g_message ("forgot %s (uid %u): the device was removed while the helper was not "
                     "running",
                     record->address, record->uid);
          g_ptr_array_add (forget, g_strdup (record->address));
          continue;
        }
      if (driver == NULL)
        {
          g_warning ("cannot inspect %s, keeping its record: %s", record->address, error->message);
          continue;
        }
      if (strcmp (driver, MH_PCI_VFIO_DRIVER) != 0)
        {
          /* Someone took it off vfio-pci meanwhile: the release path tidies
           * our driver_override away and forgets it. */
          g_ptr_array_add (give_back, record);
          continue;
        }
      if (record->lease_name != NULL)
        mh_leases_hold (service->leases, record->lease_name);
    }
  for (guint i = 0; i < forget->len; i++)
    mh_pci_registry_remove (service->registry, forget->pdata[i]);
  mh_pci_service_save_or_warn (service);
  mh_pci_service_start_release (service, give_back, "reconciling at start-up");
}
