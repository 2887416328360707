/* What the helper knows of its PCI devices against what sysfs says, the
 * PCI kind's inventory steps for the leased core: an entry of
 * ListPciDevices, and the check of one record at start-up, before the
 * helper serves. */
#include <errno.h>
#include <string.h>

#include "mh-error.h"
#include "mh-pci-kind.h"

/* ------------------------------------------------------------------ */
/* Start-up */

MhLeasedVerdict
mh_pci_inventory_reconcile (MhLeasedService *service, gpointer data, MhLeaseAliveFunc alive,
                            gpointer alive_data)
{
  MhPciRecord *record = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *driver = NULL;

  if (record->state != MH_PCI_STATE_BOUND)
    {
      g_message ("giving %s (uid %u) back: a restart interrupted its %s", record->address,
                 record->uid, record->state == MH_PCI_STATE_BINDING ? "bind" : "release");
      record->give_back = TRUE;
      return MH_LEASED_RELEASE;
    }
  if (record->lease_name != NULL && !alive (record->lease_name, record->lease_bus_id, alive_data))
    {
      g_message ("giving %s (uid %u) back: its client %s left while the helper was not "
                 "running",
                 record->address, record->uid, record->lease_name);
      record->give_back = TRUE;
      return MH_LEASED_RELEASE;
    }

  driver =
    mh_pci_sysfs_read_driver (mh_leased_service_get_kernel (service), record->address, &error);
  if (driver == NULL && g_error_matches (error, MH_ERRNO_ERROR, ENODEV))
    {
      g_message ("forgot %s (uid %u): the device was removed while the helper was not "
                 "running",
                 record->address, record->uid);
      return MH_LEASED_FORGET;
    }
  if (driver == NULL)
    {
      g_warning ("cannot inspect %s, keeping its record: %s", record->address, error->message);
      return MH_LEASED_KEEP_UNWATCHED;
    }
  if (strcmp (driver, MH_PCI_VFIO_DRIVER) != 0)
    {
      /* Someone took it off vfio-pci meanwhile: the release path tidies
       * our driver_override away and forgets it. */
      return MH_LEASED_RELEASE;
    }
  return MH_LEASED_KEEP; /* the core watches its lease again */
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

gpointer
mh_pci_inventory_list_snapshot (gpointer data)
{
  const MhPciRecord *record = data;
  Listed *entry;

  if (record->state != MH_PCI_STATE_BOUND || record->give_back)
    return NULL;
  entry = g_new0 (Listed, 1);
  entry->address = g_strdup (record->address);
  entry->group = record->iommu_group;
  entry->original_driver = g_strdup (record->original_driver);
  entry->uid = record->uid;
  entry->leased = record->lease_name != NULL;
  return entry;
}

void
mh_pci_inventory_list_snapshot_free (gpointer data)
{
  Listed *entry = data;

  g_free (entry->address);
  g_free (entry->original_driver);
  g_free (entry);
}

void
mh_pci_inventory_list_describe (gpointer sysfs, gpointer data, GVariantBuilder *builder)
{
  const Listed *entry = data;
  g_auto (GVariantDict) details = G_VARIANT_DICT_INIT (NULL);
  g_autoptr (MhPciDevice) device = NULL;
  g_autofree char *node = NULL;

  device = mh_pci_sysfs_read_device (sysfs, entry->address, FALSE, NULL);
  if (device == NULL || strcmp (device->driver, MH_PCI_VFIO_DRIVER) != 0)
    return;
  node = mh_pci_sysfs_vfio_node (sysfs, entry->group);
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
