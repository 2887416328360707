#include "mh-daemon.h"

#include "mh-build-config.h"
#include "mh-call-gate.h"
#include "mh-error.h"
#include "mh-helper1-generated.h"

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
  MhCallGate *lookups; /* GetConnectionCredentials calls outstanding */
  gboolean exiting;
  gboolean exiting_on_idle;
  gboolean signalled;
};

/* Enough for every client of a busy desktop; an evicted one costs a bus
 * round trip, nothing else. */
#define CALLER_CACHE_SIZE 256

/* Credential look-ups outstanding at the bus at once (see mh-call-gate.h;
 * polkit checks have their own places in mh-authorizer.c). */
#define MAX_LOOKUPS 32

typedef struct {
  MhDaemon *daemon;
  GDBusMethodInvocation *invocation;
  gboolean interactive;
} PendingCall;

static void
on_reply (GVariant *result, const GError *error, gpointer user_data)
{
  PendingCall *pending = user_data;

  if (error != NULL)
    g_dbus_method_invocation_return_gerror (pending->invocation, error);
  else
    g_dbus_method_invocation_return_value (pending->invocation, result);
  mh_daemon_touch (pending->daemon);
  g_free (pending);
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
      g_dbus_method_invocation_return_gerror (invocation, error);
      mh_daemon_touch (pending->daemon);
      g_free (pending);
      return;
    }
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
  PendingCall *pending = g_new0 (PendingCall, 1);

  pending->daemon = daemon;
  pending->invocation = invocation;
  pending->interactive = (g_dbus_message_get_flags (message) &
                          G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION) != 0;
  daemon->pending_lookups++;
  mh_call_gate_enter (daemon->lookups, 0, start_lookup, pending);
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
  if (daemon->exiting_on_idle)
    g_message ("idle: exiting");
  g_main_loop_quit (daemon->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_first_exit_check (gpointer user_data)
{
  if (on_exit_check (user_data) == G_SOURCE_CONTINUE)
    g_timeout_add (100, on_exit_check, user_data);
  return G_SOURCE_REMOVE;
}

/* Gives the name back first, so a call made from now on starts a new
 * helper, then finishes whatever was already addressed to this one. */
static void
shut_down (MhDaemon *daemon)
{
  daemon->exiting = TRUE;
  if (daemon->idle_source != 0)
    {
      g_source_remove (daemon->idle_source);
      daemon->idle_source = 0;
    }
  if (daemon->owner_id != 0)
    {
      g_autofree char *id = NULL;

      g_bus_unown_name (daemon->owner_id);
      daemon->owner_id = 0;
      /* A round trip to the bus after ReleaseName: every call the bus
       * routed here before it is then queued in this main context, ahead
       * of the idle source below, and counted before the first check. */
      id = mh_daemon_get_bus_id (daemon->connection, NULL);
    }
  g_idle_add (on_first_exit_check, daemon);
}

void
mh_daemon_terminate (MhDaemon *daemon)
{
  /* Under the systemd unit (Type=dbus) giving the name back on idle makes
   * systemd stop the service at once: that SIGTERM is the echo of the idle
   * exit already under way, which goes on draining.  Any other signal
   * drains the same way; a second one ends the helper at once. */
  if (daemon->exiting_on_idle && !daemon->signalled)
    {
      daemon->signalled = TRUE;
      g_debug ("stop requested while exiting on idle; still finishing the calls in progress");
      return;
    }
  if (daemon->exiting)
    {
      g_message ("terminating on a second signal without waiting for the calls in progress");
      g_main_loop_quit (daemon->loop);
      return;
    }
  daemon->signalled = TRUE;
  g_message ("terminating on signal after the calls in progress; leased taps and devices stay "
             "recorded for the next start");
  shut_down (daemon);
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

  daemon->exiting_on_idle = TRUE;
  shut_down (daemon);
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
  g_object_unref (daemon->connection);
  g_main_loop_unref (daemon->loop);
  g_free (daemon->bus_id);
  mh_caller_cache_free (daemon->callers);
  mh_call_gate_free (daemon->lookups);
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
