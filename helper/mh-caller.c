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

static void
on_credentials (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) credentials = NULL;
  g_autoptr (GError) error = NULL;
  const char *sender = g_task_get_task_data (task);
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
  g_task_return_pointer (task, mh_caller_new (sender, uid, pid), (GDestroyNotify) mh_caller_free);
}

void
mh_caller_lookup_async (GDBusConnection *connection, const char *sender, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_task_data (task, g_strdup (sender), g_free);
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
