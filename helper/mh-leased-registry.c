#include "mh-leased-registry.h"

#include <string.h>

#include "mh-error.h"

struct _MhLeasedRegistry {
  char *path;
  const MhLeasedFormat *format;
  GHashTable *records; /* key -> record */
};

void
mh_leased_record_init (gpointer data, const char *key, guint32 uid)
{
  MhLeasedRecord *record = data;

  record->key = g_strdup (key);
  record->uid = uid;
}

void
mh_leased_record_clear (gpointer data)
{
  MhLeasedRecord *record = data;

  if (record->retry_source != 0)
    g_source_remove (record->retry_source);
  g_free (record->key);
  g_free (record->lease_name);
  g_free (record->lease_bus_id);
}

void
mh_leased_record_set_lease (gpointer data, const char *lease_name, const char *bus_id)
{
  MhLeasedRecord *record = data;

  g_free (record->lease_name);
  g_free (record->lease_bus_id);
  record->lease_name = g_strdup (lease_name);
  record->lease_bus_id = lease_name != NULL ? g_strdup (bus_id) : NULL;
}

static GHashTable *
new_table (const MhLeasedFormat *format)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, NULL, format->free_record);
}

MhLeasedRegistry *
mh_leased_registry_new (const char *path, const MhLeasedFormat *format)
{
  MhLeasedRegistry *registry = g_new0 (MhLeasedRegistry, 1);

  registry->path = g_strdup (path);
  registry->format = format;
  registry->records = new_table (format);
  return registry;
}

void
mh_leased_registry_free (MhLeasedRegistry *registry)
{
  if (registry == NULL)
    return;
  g_hash_table_unref (registry->records);
  g_free (registry->path);
  g_free (registry);
}

const char *
mh_leased_registry_get_path (MhLeasedRegistry *registry)
{
  return registry->path;
}

/* A new table of every record in @text (NULL on error: nothing half-read
 * is kept). */
static GHashTable *
parse (const MhLeasedFormat *format, const char *origin, const char *text, gsize length,
       GError **error)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (GHashTable) records = NULL;
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) groups = NULL;

  if (!g_key_file_load_from_data (file, text, length, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, MH_ERROR, MH_ERROR_FAILED, "%s: %s", origin, local_error->message);
      return NULL;
    }

  records = new_table (format);
  groups = g_key_file_get_groups (file, NULL);
  for (gsize i = 0; groups[i] != NULL; i++)
    {
      gpointer record = NULL;
      const char *key;

      if (!g_str_has_prefix (groups[i], format->group_prefix))
        continue;
      if (!format->parse (file, groups[i], origin, &record, error))
        return NULL;
      key = MH_LEASED_RECORD (record)->key;
      if (g_hash_table_contains (records, key))
        {
          mh_registry_corrupt (error, origin, groups[i], format->duplicate_why);
          format->free_record (record);
          return NULL;
        }
      g_hash_table_insert (records, (gpointer) key, record);
    }
  return g_steal_pointer (&records);
}

gboolean
mh_leased_registry_load_from_data (MhLeasedRegistry *registry, const char *text, gsize length,
                                   GError **error)
{
  GHashTable *records = parse (registry->format, registry->path, text, length, error);

  if (records == NULL)
    return FALSE;
  g_hash_table_unref (registry->records);
  registry->records = records;
  return TRUE;
}

gboolean
mh_leased_registry_load (MhLeasedRegistry *registry, GError **error)
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
  return mh_leased_registry_load_from_data (registry, text, length, error);
}

char *
mh_leased_registry_to_data (MhLeasedRegistry *registry, gsize *length)
{
  g_autoptr (GPtrArray) all = mh_leased_registry_list (registry, G_MAXUINT32);

  return registry->format->to_data (all, length);
}

gboolean
mh_leased_registry_save (MhLeasedRegistry *registry, GError **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;

  data = mh_leased_registry_to_data (registry, &length);
  return mh_registry_file_write (registry->path, data, length, registry->format->what, error);
}

gpointer
mh_leased_registry_lookup (MhLeasedRegistry *registry, const char *key)
{
  return g_hash_table_lookup (registry->records, key);
}

void
mh_leased_registry_insert (MhLeasedRegistry *registry, gpointer record)
{
  const char *key = MH_LEASED_RECORD (record)->key;

  g_return_if_fail (!g_hash_table_contains (registry->records, key));
  g_hash_table_insert (registry->records, (gpointer) key, record);
}

void
mh_leased_registry_remove (MhLeasedRegistry *registry, const char *key)
{
  g_hash_table_remove (registry->records, key);
}

guint
mh_leased_registry_count (MhLeasedRegistry *registry)
{
  return g_hash_table_size (registry->records);
}

static gint
compare_records (gconstpointer a, gconstpointer b)
{
  const MhLeasedRecord *ra = *(const MhLeasedRecord *const *) a;
  const MhLeasedRecord *rb = *(const MhLeasedRecord *const *) b;

  return strcmp (ra->key, rb->key);
}

/* The records @keep accepts, sorted by key. */
static GPtrArray *
select_records (MhLeasedRegistry *registry,
                gboolean (*keep) (const MhLeasedRecord *, gconstpointer), gconstpointer data)
{
  GPtrArray *out = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, registry->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (keep (value, data))
      g_ptr_array_add (out, value);
  g_ptr_array_sort (out, compare_records);
  return out;
}

static gboolean
held_by (const MhLeasedRecord *record, gconstpointer uid)
{
  return *(const guint32 *) uid == G_MAXUINT32 || record->uid == *(const guint32 *) uid;
}

static gboolean
leased_by (const MhLeasedRecord *record, gconstpointer lease_name)
{
  return g_strcmp0 (record->lease_name, lease_name) == 0;
}

GPtrArray *
mh_leased_registry_list (MhLeasedRegistry *registry, guint32 uid)
{
  return select_records (registry, held_by, &uid);
}

GPtrArray *
mh_leased_registry_list_leased_by (MhLeasedRegistry *registry, const char *lease_name)
{
  return select_records (registry, leased_by, lease_name);
}

guint
mh_leased_registry_count_for_uid (MhLeasedRegistry *registry, guint32 uid)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, registry->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (MH_LEASED_RECORD (value)->uid == uid)
      n++;
  return n;
}

GHashTable *
mh_leased_registry_snapshot_holders (MhLeasedRegistry *registry)
{
  GHashTable *holders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, registry->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const MhLeasedRecord *record = value;
      g_hash_table_insert (holders, g_strdup (record->key), GUINT_TO_POINTER (record->uid));
    }
  return holders;
}
