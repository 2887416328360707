#include "mh-pci-registry.h"

#include <gio/gio.h>

#include <string.h>

#include "mh-error.h"
#include "mh-pci-address.h"
#include "mh-registry-file.h"

#define GROUP_PREFIX "device"

MhPciRecord *
mh_pci_record_new (const char *address, guint32 uid)
{
  MhPciRecord *record = g_new0 (MhPciRecord, 1);

  mh_leased_record_init (record, address, uid);
  record->original_driver = g_strdup ("");
  record->original_override = g_strdup ("");
  return record;
}

void
mh_pci_record_free (MhPciRecord *record)
{
  if (record == NULL)
    return;
  mh_leased_record_clear (record);
  g_free (record->original_driver);
  g_free (record->original_override);
  g_free (record);
}

/* A driver name becomes part of sysfs paths when the device is given
 * back: allow only what driver names look like. */
static gboolean
driver_name_is_sane (const char *name)
{
  if (strlen (name) > 64 || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.')
      return FALSE;
  return TRUE;
}

static gboolean
parse_record (GKeyFile *file, const char *group, const char *origin, gpointer *out, GError **error)
{
  g_autoptr (MhPciRecord) record = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *driver = NULL;
  g_autofree char *override = NULL;
  g_autofree char *state = NULL;
  g_autofree char *lease = NULL;
  g_autofree char *lease_bus = NULL;
  gint64 uid, iommu_group;

  address = g_key_file_get_string (file, group, "address", NULL);
  if (address == NULL || !mh_pci_address_is_canonical (address))
    return mh_registry_corrupt (error, origin, group, "missing or invalid address");

  uid = g_key_file_get_int64 (file, group, "uid", &local_error);
  if (local_error != NULL || uid < 0 || uid > G_MAXUINT32)
    return mh_registry_corrupt (error, origin, group, "missing or invalid uid");

  iommu_group = g_key_file_get_int64 (file, group, "iommu_group", &local_error);
  if (local_error != NULL || iommu_group < 0 || iommu_group > G_MAXINT)
    return mh_registry_corrupt (error, origin, group, "missing or invalid iommu_group");

  driver = g_key_file_get_string (file, group, "original_driver", NULL);
  if (driver == NULL || (driver[0] != '\0' && !driver_name_is_sane (driver)))
    return mh_registry_corrupt (error, origin, group, "missing or invalid original_driver");

  /* Optional: absent means none. */
  override = g_key_file_get_string (file, group, "original_override", NULL);
  if (override != NULL && override[0] != '\0' && !driver_name_is_sane (override))
    return mh_registry_corrupt (error, origin, group, "invalid original_override");

  record = mh_pci_record_new (address, (guint32) uid);
  record->iommu_group = (guint) iommu_group;
  /* Optional, informative only. */
  {
    gint64 vendor = g_key_file_get_int64 (file, group, "vendor", NULL);
    gint64 device = g_key_file_get_int64 (file, group, "device", NULL);
    gint64 class_code = g_key_file_get_int64 (file, group, "class", NULL);
    record->vendor = (guint16) CLAMP (vendor, 0, G_MAXUINT16);
    record->device = (guint16) CLAMP (device, 0, G_MAXUINT16);
    record->class_code = (guint32) CLAMP (class_code, 0, 0xffffff);
  }
  g_free (record->original_driver);
  record->original_driver = g_steal_pointer (&driver);
  if (override != NULL)
    {
      g_free (record->original_override);
      record->original_override = g_steal_pointer (&override);
    }

  state = g_key_file_get_string (file, group, "state", NULL);
  if (g_strcmp0 (state, "bound") == 0)
    record->state = MH_PCI_STATE_BOUND;
  else if (g_strcmp0 (state, "binding") == 0)
    record->state = MH_PCI_STATE_BINDING;
  else if (g_strcmp0 (state, "releasing") == 0)
    record->state = MH_PCI_STATE_RELEASING;
  else
    return mh_registry_corrupt (error, origin, group, "state is not bound, binding or releasing");

  if (!mh_registry_read_lease (file, group, origin, &lease, &lease_bus, error))
    return FALSE;
  if (lease != NULL)
    mh_pci_record_set_lease (record, lease, lease_bus);

  *out = g_steal_pointer (&record);
  return TRUE;
}

static const char *const state_names[] = {
  [MH_PCI_STATE_BINDING] = "binding",
  [MH_PCI_STATE_BOUND] = "bound",
  [MH_PCI_STATE_RELEASING] = "releasing",
};

static char *
to_data (GPtrArray *all, gsize *length)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();

  g_key_file_set_comment (
    file, NULL, NULL,
    " PCI devices bound to vfio-pci by microvm-helperd. Written by the helper; do not edit.", NULL);
  for (guint i = 0; i < all->len; i++)
    {
      const MhPciRecord *record = all->pdata[i];
      g_autofree char *group = g_strdup_printf (GROUP_PREFIX "%u", i);

      g_key_file_set_string (file, group, "address", record->address);
      g_key_file_set_int64 (file, group, "uid", record->uid);
      g_key_file_set_int64 (file, group, "iommu_group", record->iommu_group);
      g_key_file_set_int64 (file, group, "vendor", record->vendor);
      g_key_file_set_int64 (file, group, "device", record->device);
      g_key_file_set_int64 (file, group, "class", record->class_code);
      g_key_file_set_string (file, group, "original_driver", record->original_driver);
      if (record->original_override[0] != '\0')
        g_key_file_set_string (file, group, "original_override", record->original_override);
      g_key_file_set_string (file, group, "state", state_names[record->state]);
      if (record->lease_name != NULL)
        {
          g_key_file_set_string (file, group, "lease", record->lease_name);
          g_key_file_set_string (file, group, "lease_bus", record->lease_bus_id);
        }
    }
  return g_key_file_to_data (file, length, NULL);
}

static const MhLeasedFormat registry_format = {
  .group_prefix = GROUP_PREFIX,
  .parse = parse_record,
  .free_record = (GDestroyNotify) mh_pci_record_free,
  .duplicate_why = "the address is recorded twice",
  .what = "PCI devices",
  .to_data = to_data,
};

MhPciRegistry *
mh_pci_registry_new (const char *path)
{
  return mh_leased_registry_new (path, &registry_format);
}
