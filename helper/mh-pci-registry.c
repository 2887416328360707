#include "mh-pci-registry.h"

#include <gio/gio.h>

#include <string.h>

#include "mh-error.h"
#include "mh-pci-address.h"

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

static gboolean
corrupt (GError **error, const char *origin, const char *group, const char *why)
{
  g_set_error (error, MH_ERROR, MH_ERROR_FAILED, "%s: [%s]: %s", origin, group, why);
  return FALSE;
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
parse_record (GKeyFile *file, const char *group, const char *origin, MhPciRecord **out,
              GError **error)
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
    return corrupt (error, origin, group, "missing or invalid address");

  uid = g_key_file_get_int64 (file, group, "uid", &local_error);
  if (local_error != NULL || uid < 0 || uid > G_MAXUINT32)
    return corrupt (error, origin, group, "missing or invalid uid");

  iommu_group = g_key_file_get_int64 (file, group, "iommu_group", &local_error);
  if (local_error != NULL || iommu_group < 0 || iommu_group > G_MAXINT)
    return corrupt (error, origin, group, "missing or invalid iommu_group");

  driver = g_key_file_get_string (file, group, "original_driver", NULL);
  if (driver == NULL || (driver[0] != '\0' && !driver_name_is_sane (driver)))
    return corrupt (error, origin, group, "missing or invalid original_driver");

  /* Optional: absent means none. */
  override = g_key_file_get_string (file, group, "original_override", NULL);
  if (override != NULL && override[0] != '\0' && !driver_name_is_sane (override))
    return corrupt (error, origin, group, "invalid original_override");

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
    return corrupt (error, origin, group, "state is not bound, binding or releasing");

  lease = g_key_file_get_string (file, group, "lease", NULL);
  lease_bus = g_key_file_get_string (file, group, "lease_bus", NULL);
  if (lease != NULL && lease[0] != '\0')
    {
      if (!g_dbus_is_unique_name (lease) || lease_bus == NULL)
        return corrupt (error, origin, group, "invalid lease");
      mh_pci_record_set_lease (record, lease, lease_bus);
    }

  *out = g_steal_pointer (&record);
  return TRUE;
}

gboolean
mh_pci_registry_load_from_data (MhPciRegistry *registry, const char *text, gsize length,
                                GError **error)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (GHashTable) records = NULL;
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) groups = NULL;

  if (!g_key_file_load_from_data (file, text, length, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, MH_ERROR, MH_ERROR_FAILED, "%s: %s", registry->path,
                   local_error->message);
      return FALSE;
    }

  records =
    g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) mh_pci_record_free);
  groups = g_key_file_get_groups (file, NULL);
  for (gsize i = 0; groups[i] != NULL; i++)
    {
      MhPciRecord *record = NULL;

      if (!g_str_has_prefix (groups[i], GROUP_PREFIX))
        continue;
      if (!parse_record (file, groups[i], registry->path, &record, error))
        return FALSE;
      if (g_hash_table_contains (records, record->address))
        {
          corrupt (error, registry->path, groups[i], "the address is recorded twice");
          mh_pci_record_free (record);
          return FALSE;
        }
      g_hash_table_insert (records, record->address, record);
    }

  g_hash_table_unref (registry->records);
  registry->records = g_steal_pointer (&records);
  return TRUE;
}

gboolean
mh_pci_registry_load (MhPciRegistry *registry, GError **error)
{
  g_autofree char *text = NULL;
  gsize length = 0;
  g_autoptr (GError) local_error = NULL;

  if (!g_file_get_contents (registry->path, &text, &length, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_hash_table_remove_all (registry->records);
          return TRUE;
        }
      g_set_error (error, MH_ERROR, MH_ERROR_FAILED, "%s", local_error->message);
      return FALSE;
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
  g_autoptr (GError) local_error = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;

  data = mh_pci_registry_to_data (registry, &length);
  if (!g_file_set_contents_full (registry->path, data, (gssize) length,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local_error))
    {
      g_set_error (error, MH_ERROR, MH_ERROR_FAILED,
                   "cannot record PCI devices in the registry: %s", local_error->message);
      return FALSE;
    }
  return TRUE;
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
