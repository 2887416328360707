/* Giving PCI devices back, the PCI kind's release steps for the leased
 * core: to a caller's ReleasePciDevice, when a leasing client leaves the
 * bus (retrying while its hypervisor still holds the group), and at
 * start-up for what a previous helper left. */
#include <errno.h>
#include <string.h>

#include "mh-error.h"
#include "mh-fault.h"
#include "mh-pci-kernel.h"
#include "mh-pci-kind.h"

/* What the worker needs besides the address and the holder. */
typedef struct {
  guint group;
  char *original_driver;
  char *original_override;
  gboolean keep_node;
  gboolean interrupted; /* a killed helper's bind or release, finished now */
  MhPciState state_before;
} Release;

gboolean
mh_pci_release_check_not_busy (const MhPciRecord *record, GError **error)
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

void
mh_pci_release_snapshot_free (gpointer data)
{
  Release *release = data;

  g_free (release->original_driver);
  g_free (release->original_override);
  g_free (release);
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
group_stays_with_holder (MhLeasedService *service, const MhPciRecord *leaving, GPtrArray *job)
{
  g_autoptr (GPtrArray) all =
    mh_pci_registry_list (mh_leased_service_get_registry (service), leaving->uid);

  for (guint i = 0; i < all->len; i++)
    {
      const MhPciRecord *other = all->pdata[i];
      if (other != leaving && other->iommu_group == leaving->iommu_group &&
          other->state == MH_PCI_STATE_BOUND && !records_contain (job, other))
        return TRUE;
    }
  return FALSE;
}

gpointer
mh_pci_release_snapshot (MhLeasedService *service, gpointer data, GPtrArray *batch)
{
  MhPciRecord *record = data;
  Release *release = g_new0 (Release, 1);

  release->group = record->iommu_group;
  release->original_driver = g_strdup (record->original_driver);
  release->original_override = g_strdup (record->original_override);
  release->keep_node = group_stays_with_holder (service, record, batch);
  release->interrupted =
    record->state == MH_PCI_STATE_BINDING || record->state == MH_PCI_STATE_RELEASING;
  release->state_before = record->state;
  record->state = MH_PCI_STATE_RELEASING;
  return release;
}

/* Written down before the kernel work: a helper killed half-way has left
 * the device in between drivers, and the next one must finish. */
void
mh_pci_release_recorded (MhLeasedService *service)
{
  mh_leased_service_save_or_warn (service);
  mh_fault_point ("pci-release-recorded");
}

/* Worker thread, under the kernel lock. */
void
mh_pci_release_work (gpointer sysfs, MhLeasedItem *item)
{
  const Release *release = item->data;

  item->outcome = mh_pci_kernel_release (sysfs, item->key, release->group, release->original_driver,
                                         release->original_override, item->uid, release->keep_node,
                                         release->interrupted, &item->error);
}

/* Applies one outcome to the registry (the caller saves it); returns
 * whether the record was forgotten (the device is no longer the
 * holder's). */
static gboolean
apply_release (MhLeasedService *service, MhLeasedItem *item)
{
  MhPciRecord *record =
    mh_pci_registry_lookup (mh_leased_service_get_registry (service), item->key);
  const Release *release = item->data;

  g_assert (record != NULL);
  record->busy = FALSE;
  switch (item->outcome)
    {
    case MH_PCI_RELEASED:
    case MH_PCI_RELEASE_GONE:
    case MH_PCI_RELEASE_NOT_RESTORED:
      mh_leased_service_forget (service, record);
      return TRUE;
    case MH_PCI_RELEASE_BUSY:
    case MH_PCI_RELEASE_FAILED:
    default:
      /* Still on vfio-pci and still the holder's. */
      record->state = release->state_before;
      return FALSE;
    }
}

void
mh_pci_release_lease_ended (gpointer data)
{
  MhPciRecord *record = data;

  record->give_back = TRUE;
}

void
mh_pci_release_finished (MhLeasedService *service, MhLeasedItem *item, const char *why)
{
  const Release *release = item->data;
  MhPciRecord *record =
    mh_pci_registry_lookup (mh_leased_service_get_registry (service), item->key);
  guint32 uid = record->uid;
  gboolean give_back = record->give_back;

  if (!apply_release (service, item))
    {
      if (record->retry_delay_ms == 0 || item->outcome != MH_PCI_RELEASE_BUSY)
        g_message ("could not give %s (uid %u) back yet after %s: %s; trying again", item->key, uid,
                   why, item->error->message);
      if (give_back)
        mh_leased_service_retry_release (service, record);
      return;
    }
  if (item->outcome == MH_PCI_RELEASED)
    g_message ("gave %s (uid %u) back to %s: %s", item->key, uid,
               release->original_driver[0] ? release->original_driver : "no driver", why);
  else if (item->outcome == MH_PCI_RELEASE_GONE)
    g_message ("forgot %s (uid %u) after %s: %s", item->key, uid, why, item->error->message);
  else
    g_warning ("forgot %s (uid %u) after %s: %s", item->key, uid, why, item->error->message);
}

void
mh_pci_release_saved (MhLeasedService *service)
{
  mh_fault_point ("pci-release-forgotten");
}

gboolean
mh_pci_release_check_caller (MhLeasedService *service, gpointer data, const char *address,
                             guint32 uid, gboolean as_admin, GError **error)
{
  const MhPciRecord *record = data;

  if (record == NULL)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_NOT_FOUND,
                   "microvm-helper does not hold %s for anyone (ListPciDevices shows your "
                   "devices)",
                   address);
      return FALSE;
    }
  if (record->uid != uid && !as_admin)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_REFUSED,
                   "%s is held by another user; it is left alone", address);
      return FALSE;
    }
  return mh_pci_release_check_not_busy (record, error);
}

void
mh_pci_release_caller_done (MhLeasedService *service, MhLeasedItem *item, GTask *task)
{
  apply_release (service, item);
  mh_leased_service_save_or_warn (service);
  mh_fault_point ("pci-release-forgotten");

  switch (item->outcome)
    {
    case MH_PCI_RELEASED:
      g_task_return_boolean (task, TRUE);
      break;
    case MH_PCI_RELEASE_GONE:
      g_task_return_new_error (task, MH_ERROR, MH_ERROR_NOT_FOUND,
                               "%s; microvm-helper has forgotten it", item->error->message);
      break;
    case MH_PCI_RELEASE_BUSY:
    case MH_PCI_RELEASE_NOT_RESTORED:
    case MH_PCI_RELEASE_FAILED:
    default:
      g_task_return_error (task, g_steal_pointer (&item->error));
      break;
    }
}
