#include "mh-pci-registry.h"

#include <gio/gio.h>

#include <string.h>

#include "mh-error.h"
#include "mh-pci-address.h"
#include "mh-registry-file.h"

struct _MhPciRegistry {
  char *path;
  GHashTable *records; /* address -> MhPciRecord */
};

#define GROUP_PREFIX "device"

MhPciRecord *
mh_pci_record_new (const char *address, guint32 uid)
{
  MhPciRecord *record = g_new0 (MhPciRecord, 1);

  record->address = g_strdup (address);
  record->uid = uid;
  record->original_driver = g_strdup ("");
  record->original_override = g_strdup ("");
  return record;
}

void
mh_pci_record_free (MhPciRecord *record)
{
  if (record == NULL)
    return;
  if (record->retry_source != 0)
    g_source_remove (record->retry_source);
  g_free (record->address);
  g_free (record->original_driver);
  g_free (record->original_override);
  g_free (record->lease_name);
  g_free (record->lease_bus_id);
  g_free (record);
}

void
mh_pci_record_set_lease (MhPciRecord *record, const char *lease_name, const char *bus_id)
{
  g_free (record->lease_name);
  g_free (record->lease_bus_id);
  record->lease_name = g_strdup (lease_name);
  record->lease_bus_id = lease_name != NULL ? g_strdup (bus_id) : NULL;
}

MhPciRegistry *
mh_pci_registry_new (const char *path)
{
  MhPciRegistry *registry = g_new0 (MhPciRegistry, 1);

  registry->path = g_strdup (path);
  registry->records =
    g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) mh_pci_record_free);
  return registry;
}

void
mh_pci_registry_free (MhPciRegistry *registry)
{
  if (registry == NULL)
    return;
  g_hash_table_unref (registry->records);
  g_free (registry->path);
  g_free (registry);
}

const char *
mh_pci_registry_get_path (MhPciRegistry *registry)
{
  return registry->path;
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

static const char *
record_key (gconstpointer record)
{
  return ((const MhPciRecord *) record)->address;
}

static const MhRegistryFormat registry_format = {
  .group_prefix = GROUP_PREFIX,
  .parse = parse_record,
  .key = record_key,
  .free_record = (GDestroyNotify) mh_pci_record_free,
  .duplicate_why = "the address is recorded twice",
};

gboolean
mh_pci_registry_load_from_data (MhPciRegistry *registry, const char *text, gsize length,
                                GError **error)
{
  GHashTable *records = mh_registry_parse (&registry_format, registry->path, text, length, error);

  if (records == NULL)
    return FALSE;
  g_hash_table_unref (registry->records);
  registry->records = records;
  return TRUE;
}

gboolean
mh_pci_registry_load (MhPciRegistry *registry, GError **error)
{
  g_autofree char *text = NULL;
  gsize length = 0;

  if (!mh_registry_file_read (registry->path, &text, &length, error))
    return FALSE;
  if (text == NULL)
    {
      g_hash_table_remove_all (registry->records);
      return TRUE;
    }
  return mh_pci_registry_load_from_data (registry, text, length, error);
}

static gint
compare_records (gconstpointer a, gconstpointer b)
{
  const MhPciRecord *ra = *(const MhPciRecord *const *) a;
  const MhPciRecord *rb = *(const MhPciRecord *const *) b;

  return strcmp (ra->address, rb->address);
}

GPtrArray *
mh_pci_registry_list (MhPciRegistry *registry, guint32 uid)
{
  GPtrArray *out = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, registry->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      MhPciRecord *record = value;
      if (uid == G_MAXUINT32 || record->uid == uid)
        g_ptr_array_add (out, record);
    }
  g_ptr_array_sort (out, compare_records);
  return out;
}

GPtrArray *
mh_pci_registry_list_leased_by (MhPciRegistry *registry, const char *lease_name)
{
  GPtrArray *out = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, registry->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      MhPciRecord *record = value;
      if (g_strcmp0 (record->lease_name, lease_name) == 0)
        g_ptr_array_add (out, record);
    }
  g_ptr_array_sort (out, compare_records);
  return out;
}

GHashTable *
mh_pci_registry_snapshot_holders (MhPciRegistry *registry)
{
  GHashTable *holders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, registry->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const MhPciRecord *record = value;
      g_hash_table_insert (holders, g_strdup (record->address), GUINT_TO_POINTER (record->uid));
    }
  return holders;
}

static const char *const state_names[] = {
  [MH_PCI_STATE_BINDING] = "binding",
  [MH_PCI_STATE_BOUND] = "bound",
  [MH_PCI_STATE_RELEASING] = "releasing",
};

char *
mh_pci_registry_to_data (MhPciRegistry *registry, gsize *length)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (GPtrArray) all = mh_pci_registry_list (registry, G_MAXUINT32);

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

gboolean
mh_pci_registry_save (MhPciRegistry *registry, GError **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;

  data = mh_pci_registry_to_data (registry, &length);
  return mh_registry_file_write (registry->path, data, length, "PCI devices", error);
}

MhPciRecord *
mh_pci_registry_lookup (MhPciRegistry *registry, const char *address)
{
  return g_hash_table_lookup (registry->records, address);
}

void
mh_pci_registry_insert (MhPciRegistry *registry, MhPciRecord *record)
{
  g_return_if_fail (!g_hash_table_contains (registry->records, record->address));
  g_hash_table_insert (registry->records, record->address, record);
}

void
mh_pci_registry_remove (MhPciRegistry *registry, const char *address)
{
  g_hash_table_remove (registry->records, address);
}

guint
mh_pci_registry_count (MhPciRegistry *registry)
{
  return g_hash_table_size (registry->records);
}
