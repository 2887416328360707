/* The least a helper built on this stack can add to polkit and the kernel.
 *
 *   mh-bench-least-helper [BUS_NAME]
 *                              as root, in the benchmark's sandbox: before
 *                              the real helper is started under the
 *                              helper's own name (the default), or beside
 *                              it under the bench's name
 *                              (org.microvm.bench.LeastHelper1, allowed by
 *                              bench/org.microvm.bench.conf)
 *
 * Owns BUS_NAME and answers CreateTap and DeleteTap only, the
 * way the shortest possible helper would: one thread, GDBus and
 * polkit-gobject as the real helper uses them (subject = the caller's bus
 * name, the same action and details), the caller's uid asked once per
 * connection, and the kernel work done right in the polkit callback on the
 * main loop — no worker thread, no registry, no lease, no log line, no
 * limits.  It is not a helper anyone should run (it blocks its main loop
 * and remembers nothing); it is the floor the real helper's overhead is
 * compared with in the same run.  Prints "ready" once it owns the name and
 * exits on SIGTERM. */

#include <errno.h>
#include <glib-unix.h>
#include <polkit/polkit.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mh-bench-kernel.h"
#include "mh-bench-stats.h"

#define ACTION "org.microvm.helper.manage-taps"

static const char introspection[] =
  "<node><interface name='org.microvm.Helper1'>"
  "<method name='CreateTap'><arg name='name' type='s' direction='in'/>"
  "<arg name='options' type='a{sv}' direction='in'/><arg name='created_name' type='s' "
  "direction='out'/>"
  "<arg name='ifindex' type='i' direction='out'/></method>"
  "<method name='DeleteTap'><arg name='name' type='s' direction='in'/></method>"
  "</interface></node>";

typedef struct {
  PolkitAuthority *authority;
  GHashTable *uid_by_name; /* unique name -> uid, asked once */
  int control;             /* AF_INET datagram socket for SIOCSIFFLAGS */
  int rtnl;                /* rtnetlink socket for RTM_DELLINK */
} Least;

typedef struct {
  Least *least;
  GDBusMethodInvocation *invocation;
  char *name;
  gboolean create;
  guint32 uid;
} Call;

static void
call_free (Call *call)
{
  g_free (call->name);
  g_free (call);
}

static void
on_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Call *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (PolkitAuthorizationResult) answer =
    polkit_authority_check_authorization_finish (POLKIT_AUTHORITY (source), result, &error);
  int ifindex = 0;
  int errsv = 0;
  const char *step = NULL;

  if (answer == NULL || !polkit_authorization_result_get_is_authorized (answer))
    g_dbus_method_invocation_return_dbus_error (
      call->invocation, "org.microvm.Helper1.Error.NotAuthorized", "not authorized");
  else if (call->create && mh_bench_kernel_create_tap (call->least->control, call->name, call->uid,
                                                       &ifindex, &errsv, &step))
    g_dbus_method_invocation_return_value (call->invocation,
                                           g_variant_new ("(si)", call->name, ifindex));
  else if (!call->create && mh_bench_kernel_delete_link (call->least->rtnl, 0, call->name, &errsv))
    g_dbus_method_invocation_return_value (call->invocation, NULL);
  else
    g_dbus_method_invocation_return_dbus_error (
      call->invocation, "org.microvm.Helper1.Error.Failed", g_strerror (errsv));
  call_free (call);
}

static void
check (Call *call)
{
  g_autoptr (PolkitSubject) subject =
    polkit_system_bus_name_new (g_dbus_method_invocation_get_sender (call->invocation));
  g_autoptr (PolkitDetails) details = polkit_details_new ();
  GDBusMessage *message = g_dbus_method_invocation_get_message (call->invocation);
  PolkitCheckAuthorizationFlags flags = POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE;

  if (g_dbus_message_get_flags (message) & G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION)
    flags = POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION;
  polkit_details_insert (details, "interfaces", call->name);
  polkit_details_insert (details, "interface", call->name);
  polkit_details_insert (details, "polkit.gettext_domain", "microvm-helper");
  polkit_authority_check_authorization (call->least->authority, subject, ACTION, details, flags,
                                        NULL, on_checked, call);
}

static void
on_uid (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Call *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply == NULL)
    {
      g_dbus_method_invocation_return_gerror (call->invocation, error);
      call_free (call);
      return;
    }
  g_variant_get (reply, "(u)", &call->uid);
  g_hash_table_insert (call->least->uid_by_name,
                       g_strdup (g_dbus_method_invocation_get_sender (call->invocation)),
                       GUINT_TO_POINTER (call->uid + 1));
  check (call);
}

static void
on_method (GDBusConnection *connection, const char *sender, const char *path, const char *interface,
           const char *method, GVariant *parameters, GDBusMethodInvocation *invocation,
           gpointer user_data)
{
  Least *least = user_data;
  Call *call = g_new0 (Call, 1);
  gpointer known = g_hash_table_lookup (least->uid_by_name, sender);

  call->least = least;
  call->invocation = invocation;
  call->create = strcmp (method, "CreateTap") == 0;
  g_variant_get_child (parameters, 0, "s", &call->name);
  if (known != NULL)
    {
      call->uid = GPOINTER_TO_UINT (known) - 1;
      check (call);
      return;
    }
  g_dbus_connection_call (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "GetConnectionUnixUser",
                          g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(u)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_uid, call);
}

static const GDBusInterfaceVTable vtable = { on_method, NULL, NULL, { 0 } };

static gboolean
on_term (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (introspection, &error);
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GVariant) owned = NULL;
  const char *bus_name = argc > 1 ? argv[1] : "org.microvm.Helper1";
  Least least = { 0 };

  if (node == NULL)
    mh_bench_die ("introspection: %s", error->message);
  bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  least.authority = bus != NULL ? polkit_authority_get_sync (NULL, &error) : NULL;
  if (least.authority == NULL)
    mh_bench_die ("cannot reach the bus or polkit: %s", error->message);
  least.uid_by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  least.control = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  least.rtnl = mh_bench_kernel_rtnetlink_open ();
  if (least.control < 0 || least.rtnl < 0)
    mh_bench_die ("sockets: %s", g_strerror (errno));
  if (g_dbus_connection_register_object (bus, "/org/microvm/Helper1", node->interfaces[0], &vtable,
                                         &least, NULL, &error) == 0)
    mh_bench_die ("register: %s", error->message);
  owned = g_dbus_connection_call_sync (
    bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "RequestName",
    g_variant_new ("(su)", bus_name, 4u /* DO_NOT_QUEUE */), G_VARIANT_TYPE ("(u)"),
    G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  if (owned == NULL)
    mh_bench_die ("RequestName: %s", error->message);
  {
    guint32 reply = 0;

    g_variant_get (owned, "(u)", &reply);
    if (reply != 1)
      mh_bench_die ("%s is already owned (answer %u): start this before the helper", bus_name,
                    reply);
  }
  printf ("ready\n");
  fflush (stdout);
  g_unix_signal_add (SIGTERM, on_term, loop);
  g_main_loop_run (loop);
  g_hash_table_unref (least.uid_by_name);
  g_object_unref (least.authority);
  close (least.control);
  close (least.rtnl);
  return 0;
}
