#include "mh-tap-registry.h"

#include <gio/gio.h>

#include <errno.h>
#include <string.h>

#include "mh-error.h"
#include "mh-ifname.h"
#include "mh-registry-file.h"

struct _MhTapRegistry {
  char *path;
  GHashTable *records; /* name -> MhTapRecord */
};

/* Group names are numbered rather than named after the tap: a valid
 * interface name may contain '[' or ']', which a key file group may not. */
#define GROUP_PREFIX "tap"

MhTapRecord *
mh_tap_record_new (const char *name, guint32 uid)
{
  MhTapRecord *record = g_new0 (MhTapRecord, 1);

  record->name = g_strdup (name);
  record->uid = uid;
  record->vnet_hdr = TRUE;
  return record;
}

void
mh_tap_record_free (MhTapRecord *record)
{
  if (record == NULL)
    return;
  if (record->retry_source != 0)
    g_source_remove (record->retry_source);
  g_free (record->release_error);
  g_free (record->name);
  g_free (record->lease_name);
  g_free (record->lease_bus_id);
  g_free (record);
}

void
mh_tap_record_set_lease (MhTapRecord *record, const char *lease_name, const char *bus_id)
{
  g_free (record->lease_name);
  g_free (record->lease_bus_id);
  record->lease_name = g_strdup (lease_name);
  record->lease_bus_id = lease_name != NULL ? g_strdup (bus_id) : NULL;
}

MhTapRegistry *
mh_tap_registry_new (const char *path)
{
  MhTapRegistry *registry = g_new0 (MhTapRegistry, 1);

  registry->path = g_strdup (path);
  registry->records =
    g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) mh_tap_record_free);
  return registry;
}

void
mh_tap_registry_free (MhTapRegistry *registry)
{
  if (registry == NULL)
    return;
  g_hash_table_unref (registry->records);
  g_free (registry->path);
  g_free (registry);
}

const char *
mh_tap_registry_get_path (MhTapRegistry *registry)
{
  return registry->path;
}

static gboolean
parse_record (GKeyFile *file, const char *group, const char *origin, gpointer *out, GError **error)
{
  g_autoptr (MhTapRecord) record = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *state = NULL;
  g_autofree char *lease = NULL;
  g_autofree char *lease_bus = NULL;
  gint64 uid, ifindex;

  name = g_key_file_get_string (file, group, "name", NULL);
  if (name == NULL || !mh_ifname_validate (name, NULL))
    return mh_registry_corrupt (error, origin, group, "missing or invalid name");

  uid = g_key_file_get_int64 (file, group, "uid", &local_error);
  if (local_error != NULL || uid < 0 || uid > G_MAXUINT32)
    return mh_registry_corrupt (error, origin, group, "missing or invalid uid");

  ifindex = g_key_file_get_int64 (file, group, "ifindex", &local_error);
  if (local_error != NULL || ifindex < 0 || ifindex > G_MAXINT)
    return mh_registry_corrupt (error, origin, group, "missing or invalid ifindex");

  record = mh_tap_record_new (name, (guint32) uid);
  record->ifindex = (int) ifindex;

  state = g_key_file_get_string (file, group, "state", NULL);
  if (g_strcmp0 (state, "ready") == 0)
    record->state = MH_TAP_STATE_READY;
  else if (g_strcmp0 (state, "creating") == 0)
    record->state = MH_TAP_STATE_CREATING;
  else
    return mh_registry_corrupt (error, origin, group, "state is neither ready nor creating");

  record->multi_queue = g_key_file_get_boolean (file, group, "multi_queue", &local_error);
  if (local_error != NULL)
    return mh_registry_corrupt (error, origin, group, "missing or invalid multi_queue");
  record->vnet_hdr = g_key_file_get_boolean (file, group, "vnet_hdr", &local_error);
  if (local_error != NULL)
    return mh_registry_corrupt (error, origin, group, "missing or invalid vnet_hdr");

  if (!mh_registry_read_lease (file, group, origin, &lease, &lease_bus, error))
    return FALSE;
  if (lease != NULL)
    mh_tap_record_set_lease (record, lease, lease_bus);

  *out = g_steal_pointer (&record);
  return TRUE;
}

static const char *
record_key (gconstpointer record)
{
  return ((const MhTapRecord *) record)->name;
}

static const MhRegistryFormat registry_format = {
  .group_prefix = GROUP_PREFIX,
  .parse = parse_record,
  .key = record_key,
  .free_record = (GDestroyNotify) mh_tap_record_free,
  .duplicate_why = "the name is recorded twice",
};

gboolean
mh_tap_registry_load_from_data (MhTapRegistry *registry, const char *text, gsize length,
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
mh_tap_registry_load (MhTapRegistry *registry, GError **error)
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
  return mh_tap_registry_load_from_data (registry, text, length, error);
}

static gint
compare_records_by_name (gconstpointer a, gconstpointer b)
{
  const MhTapRecord *ra = *(const MhTapRecord *const *) a;
  const MhTapRecord *rb = *(const MhTapRecord *const *) b;

  return strcmp (ra->name, rb->name);
}

GPtrArray *
mh_tap_registry_list (MhTapRegistry *registry, guint32 uid)
{
  GPtrArray *out = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, registry->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      MhTapRecord *record = value;
      if (uid == G_MAXUINT32 || record->uid == uid)
        g_ptr_array_add (out, record);
    }
  g_ptr_array_sort (out, compare_records_by_name);
  return out;
}

GPtrArray *
mh_tap_registry_list_leased_by (MhTapRegistry *registry, const char *lease_name)
{
  GPtrArray *out = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, registry->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      MhTapRecord *record = value;
      if (g_strcmp0 (record->lease_name, lease_name) == 0)
        g_ptr_array_add (out, record);
    }
  g_ptr_array_sort (out, compare_records_by_name);
  return out;
}

/* A key file value, escaped as GKeyFile escapes (and its loader
 * unescapes) them: whatever a record holds reads back the same. */
static void
append_value (GString *out, const char *key, const char *value)
{
  g_string_append (out, key);
  g_string_append_c (out, '=');
  for (const char *p = value; *p != '\0'; p++)
    switch (*p)
      {
      case '\\':
        g_string_append (out, "\\\\");
        break;
      case '\n':
        g_string_append (out, "\\n");
        break;
      case '\t':
        g_string_append (out, "\\t");
        break;
      case '\r':
        g_string_append (out, "\\r");
        break;
      case ' ':
        /* GKeyFile trims a leading blank unless it is escaped. */
        g_string_append (out, p == value ? "\\s" : " ");
        break;
      default:
        g_string_append_c (out, *p);
      }
  g_string_append_c (out, '\n');
}

/* Written directly rather than through a GKeyFile, which costs about 20
 * times more per record; it is written on every change, so with hundreds of
 * taps that was most of a CreateTap.  The loader still is GKeyFile's. */
char *
mh_tap_registry_to_data (MhTapRegistry *registry, gsize *length)
{
  g_autoptr (GPtrArray) all = mh_tap_registry_list (registry, G_MAXUINT32);
  GString *out = g_string_sized_new (64 + all->len * 128);

  g_string_append (out, "# Taps created by microvm-helperd. Written by the helper; do not edit.\n");
  for (guint i = 0; i < all->len; i++)
    {
      const MhTapRecord *record = all->pdata[i];

      g_string_append_printf (out, "\n[" GROUP_PREFIX "%u]\n", i);
      append_value (out, "name", record->name);
      g_string_append_printf (
        out, "uid=%u\nifindex=%d\nstate=%s\nmulti_queue=%s\nvnet_hdr=%s\n", record->uid,
        record->ifindex, record->state == MH_TAP_STATE_READY ? "ready" : "creating",
        record->multi_queue ? "true" : "false", record->vnet_hdr ? "true" : "false");
      if (record->lease_name != NULL)
        {
          append_value (out, "lease", record->lease_name);
          append_value (out, "lease_bus", record->lease_bus_id);
        }
    }
  *length = out->len;
  return g_string_free (out, FALSE);
}

gboolean
mh_tap_registry_save (MhTapRegistry *registry, GError **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;

  data = mh_tap_registry_to_data (registry, &length);
  return mh_registry_file_write (registry->path, data, length, "taps", error);
}

MhTapRecord *
mh_tap_registry_lookup (MhTapRegistry *registry, const char *name)
{
  return g_hash_table_lookup (registry->records, name);
}

void
mh_tap_registry_insert (MhTapRegistry *registry, MhTapRecord *record)
{
  g_return_if_fail (!g_hash_table_contains (registry->records, record->name));
  g_hash_table_insert (registry->records, record->name, record);
}

void
mh_tap_registry_remove (MhTapRegistry *registry, const char *name)
{
  g_hash_table_remove (registry->records, name);
}

guint
mh_tap_registry_count (MhTapRegistry *registry)
{
  return g_hash_table_size (registry->records);
}

guint
mh_tap_registry_count_for_uid (MhTapRegistry *registry, guint32 uid)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, registry->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((MhTapRecord *) value)->uid == uid)
      n++;
  return n;
}
