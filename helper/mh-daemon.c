#include "mh-daemon.h"

#include <gio/gunixfdlist.h>
#include <unistd.h>

#include "mh-build-config.h"
#include "mh-call-gate.h"
#include "mh-error.h"
#include "mh-helper1-generated.h"
#include "mh-syscall.h"

struct _MhDaemon {
  GDBusConnection *connection;
  char *bus_id;
  MhDispatcher *dispatcher;
  MhLeases *leases;
  GMainLoop *loop;
  guint registration_id;
  guint owner_id;
  guint idle_timeout_s;
  guint idle_source;
  guint pending_lookups; /* calls waiting for the caller's credentials */
  MhCallerCache *callers;
  MhCallGate *lookups;          /* GetConnectionCredentials calls outstanding */
  GHashTable *calls_per_sender; /* unique name -> calls not yet answered */
  GHashTable *calls_per_uid;    /* uid -> calls past the look-up, not yet answered */
  guint filter_id;
  gboolean exiting;
};

/* Enough for every client of a busy desktop; an evicted one costs a bus
 * round trip, nothing else. */
#define CALLER_CACHE_SIZE 256

/* Credential look-ups outstanding at the bus at once (see mh-call-gate.h;
 * polkit checks have their own places in mh-authorizer.c). */
#define MAX_LOOKUPS 32

/* How many calls one connection, and one uid over all its connections,
 * may have waiting for an answer; a call over either is answered
 * LimitExceeded at once.  A client needs few (the frontend makes one at a
 * time; the load test keeps 50 in flight on one connection), and the bus
 * itself lets a connection wait for at most 128 replies.  Calls still
 * waiting for the look-up of their sender's uid count only for their
 * connection; the bus bounds how many connections a uid may open
 * (max_connections_per_user, 256 on the system bus). */
#define MAX_CALLS_PER_CONNECTION 64
#define MAX_CALLS_PER_UID 128

typedef struct {
  MhDaemon *daemon;
  GDBusMethodInvocation *invocation;
  gboolean interactive;
  guint32 uid;
  gboolean counted_for_uid;
} PendingCall;

static guint
sender_calls (MhDaemon *daemon, const char *sender)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (daemon->calls_per_sender, sender));
}

static void
sender_calls_add (MhDaemon *daemon, const char *sender, int delta)
{
  guint count = sender_calls (daemon, sender) + (guint) delta;

  if (count == 0)
    g_hash_table_remove (daemon->calls_per_sender, sender);
  else /* keeps the key already there, frees the copy */
    g_hash_table_insert (daemon->calls_per_sender, g_strdup (sender), GUINT_TO_POINTER (count));
}

static guint
uid_calls (MhDaemon *daemon, guint32 uid)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (daemon->calls_per_uid, GUINT_TO_POINTER (uid)));
}

static void
uid_calls_add (MhDaemon *daemon, guint32 uid, int delta)
{
  guint count = uid_calls (daemon, uid) + (guint) delta;

  if (count == 0)
    g_hash_table_remove (daemon->calls_per_uid, GUINT_TO_POINTER (uid));
  else
    g_hash_table_insert (daemon->calls_per_uid, GUINT_TO_POINTER (uid), GUINT_TO_POINTER (count));
}

/* Answers the call and forgets it. */
static void
pending_finish (PendingCall *pending, GVariant *result, const GError *error)
{
  MhDaemon *daemon = pending->daemon;
  const char *sender = g_dbus_method_invocation_get_sender (pending->invocation);

  sender_calls_add (daemon, sender, -1);
  if (pending->counted_for_uid)
    uid_calls_add (daemon, pending->uid, -1);
  if (error != NULL)
    g_dbus_method_invocation_return_gerror (pending->invocation, error);
  else
    g_dbus_method_invocation_return_value (pending->invocation, result);
  mh_daemon_touch (daemon);
  g_free (pending);
}

static void
on_reply (GVariant *result, const GError *error, gpointer user_data)
{
  pending_finish (user_data, result, error);
}

static void
on_caller_known (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PendingCall *pending = user_data;
  g_autoptr (MhCaller) caller = NULL;
  g_autoptr (GError) error = NULL;
  GDBusMethodInvocation *invocation = pending->invocation;

  mh_call_gate_leave (pending->daemon->lookups, 0);
  pending->daemon->pending_lookups--;
  caller = mh_caller_lookup_finish (result, &error);
  if (caller == NULL)
    {
      pending_finish (pending, NULL, error);
      return;
    }
  if (uid_calls (pending->daemon, caller->uid) >= MAX_CALLS_PER_UID)
    {
      g_autoptr (GError) over = g_error_new (
        MH_ERROR, MH_ERROR_LIMIT_EXCEEDED,
        "uid %u already has %u calls waiting for an answer, the most one user may have; "
        "wait for their answers, then call again",
        caller->uid, MAX_CALLS_PER_UID);
      pending_finish (pending, NULL, over);
      return;
    }
  pending->uid = caller->uid;
  pending->counted_for_uid = TRUE;
  uid_calls_add (pending->daemon, caller->uid, 1);
  mh_dispatcher_dispatch (pending->daemon->dispatcher,
                          g_dbus_method_invocation_get_method_name (invocation),
                          g_dbus_method_invocation_get_parameters (invocation), caller,
                          pending->interactive, on_reply, pending);
}

static void
start_lookup (gpointer user_data)
{
  PendingCall *pending = user_data;

  mh_caller_lookup_async (pending->daemon->connection, pending->daemon->callers,
                          g_dbus_method_invocation_get_sender (pending->invocation), NULL,
                          on_caller_known, pending);
}

static void
handle_method_call (GDBusConnection *connection, const char *sender, const char *object_path,
                    const char *interface_name, const char *method_name, GVariant *parameters,
                    GDBusMethodInvocation *invocation, gpointer user_data)
{
  MhDaemon *daemon = user_data;
  GDBusMessage *message = g_dbus_method_invocation_get_message (invocation);
  guint fds = g_dbus_message_get_num_unix_fds (message);
  PendingCall *pending;

  /* on_incoming_message has closed them already. */
  if (fds > 0)
    {
      g_dbus_method_invocation_return_error (
        invocation, MH_ERROR, MH_ERROR_INVALID_ARGUMENT,
        "%s carried %u file descriptors, but no method of %s takes any; call it without them",
        method_name, fds, MH_BUS_NAME);
      return;
    }
  if (sender_calls (daemon, sender) >= MAX_CALLS_PER_CONNECTION)
    {
      g_dbus_method_invocation_return_error (
        invocation, MH_ERROR, MH_ERROR_LIMIT_EXCEEDED,
        "connection %s already has %u calls waiting for an answer, the most one connection "
        "may have; wait for their answers, then call again",
        sender, MAX_CALLS_PER_CONNECTION);
      return;
    }
  sender_calls_add (daemon, sender, 1);

  pending = g_new0 (PendingCall, 1);
  pending->daemon = daemon;
  pending->invocation = invocation;
  pending->interactive = (g_dbus_message_get_flags (message) &
                          G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION) != 0;
  daemon->pending_lookups++;
  mh_call_gate_enter (daemon->lookups, 0, start_lookup, pending);
}

/* Runs in GDBus's worker thread for every message as soon as it is read:
 * file descriptors that came with a method call are closed here, before
 * the call waits anywhere, so that no caller can make the helper hold
 * them (and run out of descriptors for everyone) while its calls queue.
 * The call itself goes on to handle_method_call, which refuses it. */
static GDBusMessage *
on_incoming_message (GDBusConnection *connection, GDBusMessage *message, gboolean incoming,
                     gpointer user_data)
{
  GUnixFDList *fd_list;

  if (!incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    return message;
  fd_list = g_dbus_message_get_unix_fd_list (message);
  if (fd_list != NULL && g_unix_fd_list_get_length (fd_list) > 0)
    {
      int length = 0;
      g_autofree int *fds = g_unix_fd_list_steal_fds (fd_list, &length);

      for (int i = 0; i < length; i++)
        mh_close_fd (&fds[i]);
    }
  return message;
}

static GVariant *
handle_get_property (GDBusConnection *connection, const char *sender, const char *object_path,
                     const char *interface_name, const char *property_name, GError **error,
                     gpointer user_data)
{
  if (g_strcmp0 (property_name, "Version") == 0)
    return g_variant_new_string (MH_VERSION);
  g_set_error (error, MH_ERROR, MH_ERROR_NOT_FOUND, "no property %s", property_name);
  return NULL;
}

static const GDBusInterfaceVTable vtable = {
  .method_call = handle_method_call,
  .get_property = handle_get_property,
};

static gboolean
is_idle (MhDaemon *daemon)
{
  return daemon->pending_lookups == 0 && daemon->dispatcher->in_flight == 0 &&
         mh_tap_service_is_idle (daemon->dispatcher->taps) &&
         mh_pci_service_is_idle (daemon->dispatcher->pci) && mh_leases_count (daemon->leases) == 0;
}

static gboolean
on_exit_check (gpointer user_data)
{
  MhDaemon *daemon = user_data;

  /* Calls that reached us before the name was released are still served. */
  if (daemon->pending_lookups > 0 || daemon->dispatcher->in_flight > 0 ||
      !mh_tap_service_is_idle (daemon->dispatcher->taps) ||
      !mh_pci_service_is_idle (daemon->dispatcher->pci))
    return G_SOURCE_CONTINUE;
  g_message ("idle: exiting");
  g_main_loop_quit (daemon->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_idle_timeout (gpointer user_data)
{
  MhDaemon *daemon = user_data;

  daemon->idle_source = 0;
  if (!is_idle (daemon))
    {
      mh_daemon_touch (daemon);
      return G_SOURCE_REMOVE;
    }

  /* Give the name back first, so a call made from now on starts a new
   * helper, then finish whatever was already addressed to this one. */
  daemon->exiting = TRUE;
  g_bus_unown_name (daemon->owner_id);
  daemon->owner_id = 0;
  g_dbus_connection_flush_sync (daemon->connection, NULL, NULL);
  g_timeout_add (100, on_exit_check, daemon);
  return G_SOURCE_REMOVE;
}

void
mh_daemon_touch (MhDaemon *daemon)
{
  if (daemon->idle_timeout_s == 0 || daemon->exiting)
    return;
  if (daemon->idle_source != 0)
    g_source_remove (daemon->idle_source);
  daemon->idle_source = g_timeout_add_seconds (daemon->idle_timeout_s, on_idle_timeout, daemon);
}

MhDaemon *
mh_daemon_new (GDBusConnection *connection, MhDispatcher *dispatcher, MhLeases *leases,
               guint idle_timeout_s, GMainLoop *loop)
{
  MhDaemon *daemon = g_new0 (MhDaemon, 1);

  daemon->connection = g_object_ref (connection);
  daemon->dispatcher = dispatcher;
  daemon->leases = leases;
  daemon->idle_timeout_s = idle_timeout_s;
  daemon->loop = g_main_loop_ref (loop);
  daemon->callers = mh_caller_cache_new (CALLER_CACHE_SIZE);
  daemon->lookups = mh_call_gate_new (MAX_LOOKUPS, MAX_LOOKUPS);
  daemon->calls_per_sender = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  daemon->calls_per_uid = g_hash_table_new (g_direct_hash, g_direct_equal);
  return daemon;
}

void
mh_daemon_free (MhDaemon *daemon)
{
  if (daemon == NULL)
    return;
  if (daemon->idle_source != 0)
    g_source_remove (daemon->idle_source);
  if (daemon->owner_id != 0)
    g_bus_unown_name (daemon->owner_id);
  if (daemon->registration_id != 0)
    g_dbus_connection_unregister_object (daemon->connection, daemon->registration_id);
  if (daemon->filter_id != 0)
    g_dbus_connection_remove_filter (daemon->connection, daemon->filter_id);
  g_object_unref (daemon->connection);
  g_main_loop_unref (daemon->loop);
  g_free (daemon->bus_id);
  mh_caller_cache_free (daemon->callers);
  mh_call_gate_free (daemon->lookups);
  g_hash_table_unref (daemon->calls_per_sender);
  g_hash_table_unref (daemon->calls_per_uid);
  g_free (daemon);
}

static void
on_name_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
  g_message ("serving %s on the system bus", name);
}

static void
on_name_lost (GDBusConnection *connection, const char *name, gpointer user_data)
{
  MhDaemon *daemon = user_data;

  if (daemon->exiting)
    return;
  g_warning ("could not own (or lost) the name %s; is another helper running? exiting", name);
  g_main_loop_quit (daemon->loop);
}

gboolean
mh_daemon_start (MhDaemon *daemon, GError **error)
{
  daemon->filter_id =
    g_dbus_connection_add_filter (daemon->connection, on_incoming_message, NULL, NULL);
  daemon->registration_id = g_dbus_connection_register_object (
    daemon->connection, MH_OBJECT_PATH, mh_helper1_interface_info (), &vtable, daemon, NULL, error);
  if (daemon->registration_id == 0)
    return FALSE;

  daemon->owner_id = g_bus_own_name_on_connection (daemon->connection, MH_BUS_NAME,
                                                   G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                                   on_name_acquired, on_name_lost, daemon, NULL);
  mh_daemon_touch (daemon);
  return TRUE;
}

char *
mh_daemon_get_bus_id (GDBusConnection *connection, GError **error)
{
  g_autoptr (GVariant) reply = NULL;
  char *id = NULL;

  reply = g_dbus_connection_call_sync (
    connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId",
    NULL, G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(s)", &id);
  return id;
}

gboolean
mh_daemon_name_is_alive (const char *unique_name, const char *bus_id, gpointer user_data)
{
  MhDaemon *daemon = user_data;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  gboolean has_owner = FALSE;

  if (daemon->bus_id == NULL)
    daemon->bus_id = mh_daemon_get_bus_id (daemon->connection, NULL);
  /* Unique names restart from :1.0 on a new bus: a name recorded on
   * another bus instance is a different client, long gone. */
  if (g_strcmp0 (bus_id, daemon->bus_id) != 0)
    return FALSE;

  reply = g_dbus_connection_call_sync (
    daemon->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
    "NameHasOwner", g_variant_new ("(s)", unique_name), G_VARIANT_TYPE ("(b)"),
    G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  if (reply == NULL)
    {
      g_warning ("cannot ask the bus about %s: %s; treating it as gone", unique_name,
                 error->message);
      return FALSE;
    }
  g_variant_get (reply, "(b)", &has_owner);
  return has_owner;
}
