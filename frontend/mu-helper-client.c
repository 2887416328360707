#include "mu-helper-client.h"

#include <string.h>

#include "mh-error.h"
#include "mu-error.h"

#define HELPER_NAME "org.microvm.Helper1"
#define HELPER_PATH "/org/microvm/Helper1"
#define HELPER_INTERFACE "org.microvm.Helper1"

struct _MuHelperClient {
  GDBusConnection *bus;
  gboolean interactive;
  gulong closed_handler;
  MuHelperClosedFunc closed_func;
  gpointer closed_data;
};

static void
on_closed (GDBusConnection *bus, gboolean remote_peer_vanished, GError *error, gpointer user_data)
{
  MuHelperClient *client = user_data;

  if (client->closed_func != NULL)
    client->closed_func (client->closed_data);
}

MuHelperClient *
mu_helper_client_new (gboolean interactive, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *address = NULL;
  MuHelperClient *client;
  GDBusConnection *bus = NULL;

  /* The helper's error names map back to MH_ERROR once registered. */
  (void) mh_error_quark ();

  /* A connection of our own, not the process-wide one: the taps are leased
   * to exactly this connection, and it is closed exactly when we are done. */
  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SYSTEM, NULL, &local_error);
  if (address != NULL)
    bus = g_dbus_connection_new_for_address_sync (address,
                                                  G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                    G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                  NULL, NULL, &local_error);
  if (bus == NULL)
    {
      g_set_error (error, MU_ERROR, MU_ERROR_ENVIRONMENT, "cannot connect to the system bus: %s",
                   local_error->message);
      return NULL;
    }
  /* A lost bus is reported and handled (the VM is stopped), not a reason to
   * exit on the spot and leave children behind. */
  g_dbus_connection_set_exit_on_close (bus, FALSE);

  client = g_new0 (MuHelperClient, 1);
  client->bus = bus;
  client->interactive = interactive;
  client->closed_handler = g_signal_connect (bus, "closed", G_CALLBACK (on_closed), client);
  return client;
}

void
mu_helper_client_close (MuHelperClient *client)
{
  if (client->closed_handler != 0)
    g_signal_handler_disconnect (client->bus, client->closed_handler);
  client->closed_handler = 0;
  if (!g_dbus_connection_is_closed (client->bus))
    g_dbus_connection_close_sync (client->bus, NULL, NULL);
}

void
mu_helper_client_free (MuHelperClient *client)
{
  if (client == NULL)
    return;
  mu_helper_client_close (client);
  g_object_unref (client->bus);
  g_free (client);
}

void
mu_helper_client_set_closed_func (MuHelperClient *client, MuHelperClosedFunc func,
                                  gpointer user_data)
{
  client->closed_func = func;
  client->closed_data = user_data;
}

/* When polkit wants a password that nobody could be asked for, the
 * helper's message advises a caller speaking D-Bus directly (busctl);
 * microvm-user says instead what fits its own options and situation. */
static const char *
no_password_advice (MuHelperClient *client)
{
  if (!client->interactive)
    return "polkit wants a password for that, and --no-ask-password forbids asking (`microvm-user "
           "start` and microvm@.service run with it); a VM in the background runs outside your "
           "login session, where polkit's defaults always want one, so an administrator must "
           "allow it with a polkit rule in /etc/polkit-1/rules.d/ (the example "
           "50-microvm-helper.rules.example allows the group microvm; see README, "
           "Troubleshooting), or run the VM with `microvm-user run` in a terminal";
  return "polkit wants a password for that and nothing could ask for it: run microvm-user in a "
         "terminal (it asks there) or in a desktop session (its polkit agent asks), or ask an "
         "administrator for a polkit rule (see microvm-helperd(8))";
}

/* Steps on the way out never ask: the helper undoes them by itself when
 * this connection closes (the taps and devices are leased to it). */
#define CLEANUP_ADVICE                                                                       \
  "polkit wants a password for that, which microvm-user never asks for while stopping; the " \
  "helper does it by itself when microvm-user exits"

/* One sentence for whatever went wrong talking to the helper; @advice (or
 * NULL: the helper's own) replaces the helper's advice when polkit wanted a
 * password nobody could give. */
static void
translate_error (GError **error, const char *doing, const char *advice)
{
  GError *old = *error;
  g_autofree char *remote = g_dbus_error_get_remote_error (old);

  *error = NULL;
  if (g_strcmp0 (remote, "org.freedesktop.DBus.Error.ServiceUnknown") == 0)
    g_set_error (error, MU_ERROR, MU_ERROR_ENVIRONMENT,
                 "cannot %s: microvm-helperd is not installed (no D-Bus service %s on the system "
                 "bus); install microvm-helper and reload the bus",
                 doing, HELPER_NAME);
  else if (advice != NULL && g_error_matches (old, MH_ERROR, MH_ERROR_NOT_AUTHORIZED) &&
           (strstr (old->message, MH_AUTH_NO_INTERACTION_PHRASE) != NULL ||
            strstr (old->message, MH_AUTH_NO_AGENT_PHRASE) != NULL))
    g_set_error (error, MU_ERROR, MU_ERROR_HELPER, "cannot %s: not authorized: %s", doing, advice);
  else
    {
      g_dbus_error_strip_remote_error (old);
      g_set_error (error, MU_ERROR, MU_ERROR_HELPER, "cannot %s: %s", doing, old->message);
    }
  g_error_free (old);
}

static GDBusCallFlags
call_flags (MuHelperClient *client)
{
  return client->interactive ? G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION
                             : G_DBUS_CALL_FLAGS_NONE;
}

/* A person may be typing a password: no timeout on privileged calls. */
#define PRIVILEGED_CALL_TIMEOUT G_MAXINT

static void
on_list_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariantIter) iter = NULL;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      g_ptr_array_unref (names);
      translate_error (&error, "list your taps", NULL);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_variant_get (reply, "(a(sia{sv}))", &iter);
  while (g_variant_iter_next (iter, "(&si@a{sv})", &name, NULL, NULL))
    g_ptr_array_add (names, g_strdup (name));
  g_task_return_pointer (task, names, (GDestroyNotify) g_ptr_array_unref);
}

void
mu_helper_client_list_taps_async (MuHelperClient *client, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);

  g_dbus_connection_call (client->bus, HELPER_NAME, HELPER_PATH, HELPER_INTERFACE, "ListTaps", NULL,
                          G_VARIANT_TYPE ("(a(sia{sv}))"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          on_list_done, task);
}

GPtrArray *
mu_helper_client_list_taps_finish (MuHelperClient *client, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_create_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariantIter) iter = NULL;
  GArray *ifindexes = g_array_new (FALSE, FALSE, sizeof (gint32));
  gint32 ifindex;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      g_array_unref (ifindexes);
      translate_error (&error, "create the taps", g_task_get_task_data (task));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_variant_get (reply, "(a(si))", &iter);
  while (g_variant_iter_next (iter, "(&si)", NULL, &ifindex))
    g_array_append_val (ifindexes, ifindex);
  g_task_return_pointer (task, ifindexes, (GDestroyNotify) g_array_unref);
}

void
mu_helper_client_create_taps_async (MuHelperClient *client, const MuRunner *runner,
                                    const char *bridge, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  GVariantBuilder taps;

  g_task_set_task_data (task, (gpointer) no_password_advice (client), NULL);
  g_variant_builder_init (&taps, G_VARIANT_TYPE ("a(sa{sv})"));
  for (guint i = 0; i < runner->taps->len; i++)
    {
      GVariantBuilder options;

      g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&options, "{sv}", "multi_queue",
                             g_variant_new_boolean (runner->tap_multi_queue));
      g_variant_builder_add (&options, "{sv}", "vnet_hdr",
                             g_variant_new_boolean (runner->tap_vnet_hdr));
      if (bridge != NULL)
        g_variant_builder_add (&options, "{sv}", "bridge", g_variant_new_string (bridge));
      g_variant_builder_add (&options, "{sv}", "release_on_disconnect",
                             g_variant_new_boolean (TRUE));
      g_variant_builder_add (&taps, "(sa{sv})", runner->taps->pdata[i], &options);
    }
  /* The hypervisor opens each macvtap's /dev/tapN itself (upstream's
   * microvm-run does), so only the helper's part is asked for here. */
  for (guint i = 0; i < runner->macvtaps->len; i++)
    {
      const MuMacvtap *macvtap = runner->macvtaps->pdata[i];
      GVariantBuilder options;

      g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&options, "{sv}", "type", g_variant_new_string ("macvtap"));
      g_variant_builder_add (&options, "{sv}", "link", g_variant_new_string (macvtap->link));
      g_variant_builder_add (&options, "{sv}", "mode", g_variant_new_string (macvtap->mode));
      g_variant_builder_add (&options, "{sv}", "mac", g_variant_new_string (macvtap->mac));
      g_variant_builder_add (&options, "{sv}", "release_on_disconnect",
                             g_variant_new_boolean (TRUE));
      g_variant_builder_add (&taps, "(sa{sv})", macvtap->id, &options);
    }
  g_dbus_connection_call (client->bus, HELPER_NAME, HELPER_PATH, HELPER_INTERFACE, "CreateTaps",
                          g_variant_new ("(a(sa{sv}))", &taps), G_VARIANT_TYPE ("(a(si))"),
                          call_flags (client), PRIVILEGED_CALL_TIMEOUT, NULL, on_create_done, task);
}

GArray *
mu_helper_client_create_taps_finish (MuHelperClient *client, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_delete_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  /* Gone already (the helper released it, e.g. after the bus restarted):
   * that is what was wanted. */
  if (reply == NULL && g_error_matches (error, MH_ERROR, MH_ERROR_NOT_FOUND))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (reply == NULL)
    {
      g_autofree char *doing =
        g_strdup_printf ("delete the tap %s", (const char *) g_task_get_task_data (task));
      translate_error (&error, doing, CLEANUP_ADVICE);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
mu_helper_client_delete_tap_async (MuHelperClient *client, const char *name,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);

  g_task_set_task_data (task, g_strdup (name), g_free);
  /* Never a password prompt on the way out: if deleting needs one, the
   * lease does it anyway when this connection closes. */
  g_dbus_connection_call (client->bus, HELPER_NAME, HELPER_PATH, HELPER_INTERFACE, "DeleteTap",
                          g_variant_new ("(s)", name), NULL, G_DBUS_CALL_FLAGS_NONE, 30000, NULL,
                          on_delete_done, task);
}

gboolean
mu_helper_client_delete_tap_finish (MuHelperClient *client, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Calls whose reply carries nothing but success; @doing names the step in
 * error messages ("bind the PCI device 0000:01:00.0"). */
typedef struct {
  char *doing;
  const char *advice; /* for translate_error */
  gboolean missing_is_success;
} SimpleCall;

static void
simple_call_free (gpointer data)
{
  SimpleCall *call = data;

  g_free (call->doing);
  g_free (call);
}

static void
on_simple_call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  SimpleCall *call = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL && call->missing_is_success &&
      g_error_matches (error, MH_ERROR, MH_ERROR_NOT_FOUND))
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  if (reply == NULL)
    {
      translate_error (&error, call->doing, call->advice);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&reply), (GDestroyNotify) g_variant_unref);
}

static void
simple_call (MuHelperClient *client, const char *method, GVariant *args,
             const GVariantType *reply_type, GDBusCallFlags flags, SimpleCall *call,
             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);

  g_task_set_task_data (task, call, simple_call_free);
  g_dbus_connection_call (client->bus, HELPER_NAME, HELPER_PATH, HELPER_INTERFACE, method, args,
                          reply_type, flags, PRIVILEGED_CALL_TIMEOUT, NULL, on_simple_call_done,
                          task);
}

static SimpleCall *simple_call_new (gboolean missing_is_success, const char *advice,
                                    const char *format, ...) G_GNUC_PRINTF (3, 4);

static SimpleCall *
simple_call_new (gboolean missing_is_success, const char *advice, const char *format, ...)
{
  SimpleCall *call = g_new0 (SimpleCall, 1);
  va_list args;

  va_start (args, format);
  call->doing = g_strdup_vprintf (format, args);
  va_end (args);
  call->advice = advice;
  call->missing_is_success = missing_is_success;
  return call;
}

void
mu_helper_client_list_pci_async (MuHelperClient *client, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  simple_call (client, "ListPciDevices", NULL, G_VARIANT_TYPE ("(a(sa{sv}))"),
               G_DBUS_CALL_FLAGS_NONE, simple_call_new (FALSE, NULL, "list your PCI devices"),
               callback, user_data);
}

GPtrArray *
mu_helper_client_list_pci_finish (MuHelperClient *client, GAsyncResult *result, GError **error)
{
  g_autoptr (GVariant) reply = g_task_propagate_pointer (G_TASK (result), error);
  g_autoptr (GVariantIter) iter = NULL;
  GPtrArray *addresses;
  const char *address;

  if (reply == NULL)
    return NULL;
  addresses = g_ptr_array_new_with_free_func (g_free);
  g_variant_get (reply, "(a(sa{sv}))", &iter);
  while (g_variant_iter_next (iter, "(&s@a{sv})", &address, NULL))
    g_ptr_array_add (addresses, g_strdup (address));
  return addresses;
}

void
mu_helper_client_bind_pci_async (MuHelperClient *client, const char *address,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "release_on_disconnect", g_variant_new_boolean (TRUE));
  simple_call (
    client, "BindPciDevice", g_variant_new ("(sa{sv})", address, &options), G_VARIANT_TYPE ("(s)"),
    call_flags (client),
    simple_call_new (FALSE, no_password_advice (client), "bind the PCI device %s", address),
    callback, user_data);
}

char *
mu_helper_client_bind_pci_finish (MuHelperClient *client, GAsyncResult *result, GError **error)
{
  g_autoptr (GVariant) reply = g_task_propagate_pointer (G_TASK (result), error);
  char *path = NULL;

  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(s)", &path);
  return path;
}

void
mu_helper_client_release_pci_async (MuHelperClient *client, const char *address,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  simple_call (client, "ReleasePciDevice", g_variant_new ("(s)", address), NULL,
               G_DBUS_CALL_FLAGS_NONE,
               simple_call_new (TRUE, CLEANUP_ADVICE, "give back the PCI device %s", address),
               callback, user_data);
}

gboolean
mu_helper_client_release_pci_finish (MuHelperClient *client, GAsyncResult *result, GError **error)
{
  g_autoptr (GVariant) reply = g_task_propagate_pointer (G_TASK (result), error);

  return reply != NULL || !g_task_had_error (G_TASK (result));
}

void
mu_helper_client_set_memlock_async (MuHelperClient *client, guint64 bytes,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  simple_call (client, "SetMemlockLimit", g_variant_new ("(t)", bytes), NULL, call_flags (client),
               simple_call_new (FALSE, no_password_advice (client),
                                "raise the locked-memory limit to %" G_GUINT64_FORMAT " bytes",
                                bytes),
               callback, user_data);
}

gboolean
mu_helper_client_set_memlock_finish (MuHelperClient *client, GAsyncResult *result, GError **error)
{
  g_autoptr (GVariant) reply = g_task_propagate_pointer (G_TASK (result), error);

  return reply != NULL;
}
