#include "mh-leases.h"

typedef struct {
  guint refs;
  guint watch_id;
} Lease;

struct _MhLeases {
  GDBusConnection *connection;
  char *bus_id;
  GHashTable *by_name; /* unique name -> Lease */
  MhLeaseVanishedFunc vanished;
  gpointer user_data;
};

typedef struct {
  MhLeases *leases;
  char *name;
} WatchData;

static void
watch_data_free (gpointer data)
{
  WatchData *watch = data;

  g_free (watch->name);
  g_free (watch);
}

static void
lease_free (gpointer data)
{
  Lease *lease = data;

  if (lease->watch_id != 0)
    g_bus_unwatch_name (lease->watch_id);
  g_free (lease);
}

MhLeases *
mh_leases_new (GDBusConnection *connection, const char *bus_id, MhLeaseVanishedFunc vanished,
               gpointer user_data)
{
  MhLeases *leases = g_new0 (MhLeases, 1);

  leases->connection = connection != NULL ? g_object_ref (connection) : NULL;
  leases->bus_id = g_strdup (bus_id != NULL ? bus_id : "no-bus");
  leases->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, lease_free);
  leases->vanished = vanished;
  leases->user_data = user_data;
  return leases;
}

void
mh_leases_free (MhLeases *leases)
{
  if (leases == NULL)
    return;
  g_hash_table_unref (leases->by_name);
  g_clear_object (&leases->connection);
  g_free (leases->bus_id);
  g_free (leases);
}

const char *
mh_leases_get_bus_id (MhLeases *leases)
{
  return leases->bus_id;
}

void
mh_leases_vanish (MhLeases *leases, const char *unique_name)
{
  g_autofree char *name = g_strdup (unique_name);

  /* Forget the watch before telling the owner: the callback releases the
   * resources, and their releases must find nothing left to unwatch. */
  if (!g_hash_table_remove (leases->by_name, name))
    return;
  g_info ("client %s left the bus; releasing what it leased", name);
  leases->vanished (name, leases->user_data);
}

static void
on_name_vanished (GDBusConnection *connection, const char *name, gpointer user_data)
{
  WatchData *watch = user_data;

  mh_leases_vanish (watch->leases, watch->name);
}

void
mh_leases_hold (MhLeases *leases, const char *unique_name)
{
  Lease *lease = g_hash_table_lookup (leases->by_name, unique_name);

  if (lease != NULL)
    {
      lease->refs++;
      return;
    }

  lease = g_new0 (Lease, 1);
  lease->refs = 1;
  g_hash_table_insert (leases->by_name, g_strdup (unique_name), lease);

  if (leases->connection != NULL)
    {
      WatchData *watch = g_new0 (WatchData, 1);

      watch->leases = leases;
      watch->name = g_strdup (unique_name);
      /* For a unique name that is already gone, GDBus reports "vanished"
       * right away, so a client that died before its lease was recorded
       * still gets its resources released. */
      lease->watch_id = g_bus_watch_name_on_connection (leases->connection, unique_name,
                                                        G_BUS_NAME_WATCHER_FLAGS_NONE, NULL,
                                                        on_name_vanished, watch, watch_data_free);
    }
}

void
mh_leases_release (MhLeases *leases, const char *unique_name)
{
  Lease *lease = g_hash_table_lookup (leases->by_name, unique_name);

  if (lease == NULL)
    return;
  if (--lease->refs == 0)
    g_hash_table_remove (leases->by_name, unique_name);
}

guint
mh_leases_count (MhLeases *leases)
{
  return g_hash_table_size (leases->by_name);
}
