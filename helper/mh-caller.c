#include "mh-caller.h"

#include "mh-error.h"

MhCaller *
mh_caller_new (const char *sender, guint32 uid, guint32 pid)
{
  MhCaller *caller = g_new0 (MhCaller, 1);

  caller->sender = g_strdup (sender);
  caller->uid = uid;
  caller->pid = pid;
  return caller;
}

MhCaller *
mh_caller_copy (const MhCaller *caller)
{
  return mh_caller_new (caller->sender, caller->uid, caller->pid);
}

void
mh_caller_free (MhCaller *caller)
{
  if (caller == NULL)
    return;
  g_free (caller->sender);
  g_free (caller);
}

struct _MhCallerCache {
  guint capacity;
  GHashTable *by_sender; /* sender -> GList link in order, data = MhCaller */
  GQueue order;          /* most recently used first */
};

MhCallerCache *
mh_caller_cache_new (guint capacity)
{
  MhCallerCache *cache = g_new0 (MhCallerCache, 1);

  cache->capacity = MAX (capacity, 1);
  cache->by_sender = g_hash_table_new (g_str_hash, g_str_equal);
  g_queue_init (&cache->order);
  return cache;
}

void
mh_caller_cache_free (MhCallerCache *cache)
{
  if (cache == NULL)
    return;
  g_hash_table_unref (cache->by_sender);
  g_queue_clear_full (&cache->order, (GDestroyNotify) mh_caller_free);
  g_free (cache);
}

#ifdef MH_FAULT_INJECTION
guint
mh_caller_cache_size (MhCallerCache *cache)
{
  return cache->order.length;
}
#endif

const MhCaller *
mh_caller_cache_lookup (MhCallerCache *cache, const char *sender)
{
  GList *link = g_hash_table_lookup (cache->by_sender, sender);

  if (link == NULL)
    return NULL;
  g_queue_unlink (&cache->order, link);
  g_queue_push_head_link (&cache->order, link);
  return link->data;
}

void
mh_caller_cache_insert (MhCallerCache *cache, const MhCaller *caller)
{
  MhCaller *copy;

  if (g_hash_table_contains (cache->by_sender, caller->sender))
    return;
  if (cache->order.length == cache->capacity)
    {
      MhCaller *oldest = g_queue_pop_tail (&cache->order);
      g_hash_table_remove (cache->by_sender, oldest->sender);
      mh_caller_free (oldest);
    }
  copy = mh_caller_copy (caller);
  g_queue_push_head (&cache->order, copy);
  g_hash_table_insert (cache->by_sender, copy->sender, cache->order.head);
}

typedef struct {
  char *sender;
  MhCallerCache *cache;
} Lookup;

static void
lookup_free (gpointer data)
{
  Lookup *lookup = data;

  g_free (lookup->sender);
  g_free (lookup);
}

static void
on_credentials (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) credentials = NULL;
  g_autoptr (GError) error = NULL;
  Lookup *lookup = g_task_get_task_data (task);
  const char *sender = lookup->sender;
  g_autoptr (MhCaller) caller = NULL;
  guint32 uid, pid = 0;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      g_task_return_new_error (task, MH_ERROR, MH_ERROR_FAILED, "cannot identify the caller %s: %s",
                               sender, error->message);
      return;
    }

  g_variant_get (reply, "(@a{sv})", &credentials);
  if (!g_variant_lookup (credentials, "UnixUserID", "u", &uid))
    {
      g_task_return_new_error (task, MH_ERROR, MH_ERROR_FAILED,
                               "the bus did not report a uid for %s", sender);
      return;
    }
  g_variant_lookup (credentials, "ProcessID", "u", &pid);
  caller = mh_caller_new (sender, uid, pid);
  if (lookup->cache != NULL)
    mh_caller_cache_insert (lookup->cache, caller);
  g_task_return_pointer (task, g_steal_pointer (&caller), (GDestroyNotify) mh_caller_free);
}

void
mh_caller_lookup_async (GDBusConnection *connection, MhCallerCache *cache, const char *sender,
                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  const MhCaller *known = cache != NULL ? mh_caller_cache_lookup (cache, sender) : NULL;
  Lookup *lookup;

  if (known != NULL)
    {
      g_task_return_pointer (task, mh_caller_copy (known), (GDestroyNotify) mh_caller_free);
      g_object_unref (task);
      return;
    }
  lookup = g_new0 (Lookup, 1);
  lookup->sender = g_strdup (sender);
  lookup->cache = cache;
  g_task_set_task_data (task, lookup, lookup_free);
  g_dbus_connection_call (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "GetConnectionCredentials",
                          g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(a{sv})"),
                          G_DBUS_CALL_FLAGS_NONE, -1, cancellable, on_credentials, task);
}

MhCaller *
mh_caller_lookup_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
