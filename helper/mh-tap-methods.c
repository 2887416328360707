#include "mh-tap-methods.h"

#include <string.h>

#include "mh-error.h"
#include "mh-i18n.h"
#include "mh-ifname.h"
#include "mh-tap-request.h"

/* The names of the taps on a bridge (@macvtaps FALSE) or of the macvtaps. */
static char *
join_names_where (GPtrArray *requests, gboolean macvtaps)
{
  g_autoptr (GString) out = g_string_new (NULL);

  for (guint i = 0; i < requests->len; i++)
    {
      const MhTapRequest *request = requests->pdata[i];
      gboolean wanted = macvtaps ? request->type == MH_TAP_TYPE_MACVTAP : request->bridge != NULL;

      if (wanted)
        g_string_append_printf (out, "%s%s", out->len > 0 ? " " : "", request->name);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The prompt of attach-network: which interfaces go on which network,
 * with the words around the details translatable as whole sentences. */
static const char *
network_message (const char *names, const char *bridges, const char *bridged, const char *links,
                 const char *macvtaps)
{
  gboolean several = bridges != NULL && strchr (bridges, ' ') != NULL;

  if (links != NULL && bridges != NULL)
    return N_ ("Authentication is required to create the network interfaces $(interfaces) for "
               "a virtual machine, connect $(bridged) to the bridge $(bridges) and $(macvtaps) "
               "to the network of $(links)");
  if (links != NULL)
    return strcmp (macvtaps, names) == 0
             ? N_ ("Authentication is required to connect $(interfaces) of a virtual machine to "
                   "the network of $(links)")
             : N_ ("Authentication is required to create the network interfaces $(interfaces) "
                   "for a virtual machine and connect $(macvtaps) to the network of $(links)");
  if (strcmp (bridged, names) != 0)
    return several ? N_ ("Authentication is required to create the network interfaces "
                         "$(interfaces) for a virtual machine and connect $(bridged) to "
                         "the bridges $(bridges)")
                   : N_ ("Authentication is required to create the network interfaces "
                         "$(interfaces) for a virtual machine and connect $(bridged) to "
                         "the bridge $(bridges)");
  return several ? N_ ("Authentication is required to connect $(interfaces) of a "
                       "virtual machine to the bridges $(bridges)")
                 : N_ ("Authentication is required to connect $(interfaces) of a "
                       "virtual machine to the bridge $(bridges)");
}

static gboolean
prepare_requests (MhCall *call, GPtrArray *requests, GError **error)
{
  g_autofree char *names = mh_tap_request_join_names (requests, " ");
  g_autofree char *bridges = mh_tap_request_join_bridges (requests, " ");
  g_autofree char *links = mh_tap_request_join_links (requests, " ");

  call->object = g_strdup (names);
  call->request = requests;
  call->request_free = (GDestroyNotify) g_ptr_array_unref;

  /* Fail fast on what needs no polkit answer, so a user is not asked for a
   * password for a call that cannot succeed. */
  if (!mh_tap_service_check_create (call->dispatcher->taps, call->caller->uid, requests, error))
    return FALSE;

  mh_call_add_detail (call, "interfaces", names);
  if (requests->len == 1)
    mh_call_add_detail (call, "interface", names);
  if (bridges != NULL || links != NULL)
    {
      g_autofree char *bridged = join_names_where (requests, FALSE);
      g_autofree char *macvtaps = join_names_where (requests, TRUE);

      /* One check for the whole call, against the stricter question: the
       * plain taps of the batch ride along, so a VM still asks once. */
      call->action_id = MH_ACTION_ATTACH_NETWORK;
      mh_call_add_detail (call, "bridges", bridges != NULL ? bridges : "");
      mh_call_add_detail (call, "bridged", bridged);
      mh_call_add_detail (call, "links", links != NULL ? links : "");
      mh_call_add_detail (call, "macvtaps", macvtaps);
      mh_call_add_detail (call, "polkit.message",
                          network_message (names, bridges, bridged, links, macvtaps));
      return TRUE;
    }
  if (requests->len > 1)
    mh_call_add_detail (call, "polkit.message",
                        N_ ("Authentication is required to create the network interfaces "
                            "$(interfaces) for a virtual machine"));
  return TRUE;
}

gboolean
mh_tap_methods_prepare_create_tap (MhCall *call, GError **error)
{
  g_autoptr (GVariant) options = NULL;
  g_autoptr (GPtrArray) requests = NULL;
  const char *name;
  MhTapRequest *request;

  g_variant_get (call->parameters, "(&s@a{sv})", &name, &options);
  request = mh_tap_request_parse (name, options, error);
  if (request == NULL)
    return FALSE;

  requests = g_ptr_array_new_with_free_func ((GDestroyNotify) mh_tap_request_free);
  g_ptr_array_add (requests, request);
  return prepare_requests (call, g_steal_pointer (&requests), error);
}

gboolean
mh_tap_methods_prepare_create_taps (MhCall *call, GError **error)
{
  g_autoptr (GVariant) taps = NULL;
  GPtrArray *requests;
  gsize n;

  g_variant_get (call->parameters, "(@a(sa{sv}))", &taps);
  n = g_variant_n_children (taps);
  if (!mh_tap_service_check_batch_size (call->dispatcher->taps, n, error))
    return FALSE;

  requests = mh_tap_request_parse_batch (taps, error);
  if (requests == NULL)
    return FALSE;
  return prepare_requests (call, requests, error);
}

/* The taps made, or NULL after replying with the error. */
static GPtrArray *
created_or_reply_error (MhCall *call, GAsyncResult *result)
{
  GPtrArray *results;
  GError *error = NULL;

  results = mh_tap_service_create_finish (call->dispatcher->taps, result, &error);
  if (results == NULL)
    mh_call_return_error (call, error);
  return results;
}

/* CreateTap's reply: (si). */
static void
on_created_one (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MhCall *call = user_data;
  g_autoptr (GPtrArray) results = created_or_reply_error (call, result);
  const MhTapResult *one;

  if (results == NULL)
    return;
  one = results->pdata[0];
  mh_call_return (call, g_variant_new ("(si)", one->name, one->ifindex));
}

/* CreateTaps' reply: (a(si)). */
static void
on_created_batch (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MhCall *call = user_data;
  g_autoptr (GPtrArray) results = created_or_reply_error (call, result);
  GVariantBuilder builder;

  if (results == NULL)
    return;
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(si)"));
  for (guint i = 0; i < results->len; i++)
    {
      const MhTapResult *one = results->pdata[i];
      g_variant_builder_add (&builder, "(si)", one->name, one->ifindex);
    }
  mh_call_return (call, g_variant_new ("(a(si))", &builder));
}

void
mh_tap_methods_run_create_tap (MhCall *call)
{
  mh_tap_service_create_async (call->dispatcher->taps, call->caller, call->request, on_created_one,
                               call);
}

void
mh_tap_methods_run_create_taps (MhCall *call)
{
  mh_tap_service_create_async (call->dispatcher->taps, call->caller, call->request,
                               on_created_batch, call);
}

gboolean
mh_tap_methods_prepare_delete_tap (MhCall *call, GError **error)
{
  const char *name;
  guint32 owner;

  g_variant_get (call->parameters, "(&s)", &name);
  if (!mh_ifname_validate (name, error))
    return FALSE;

  call->object = g_strdup (name);
  mh_call_add_detail (call, "interface", name);
  mh_call_add_detail (call, "interfaces", name);

  /* Another user's tap: only the admin action may touch it. */
  if (mh_tap_service_lookup_owner (call->dispatcher->taps, name, &owner) &&
      owner != call->caller->uid)
    {
      g_autofree char *owner_text = g_strdup_printf ("%u", owner);
      call->action_id = MH_ACTION_MANAGE_ALL;
      mh_call_add_detail (call, "owner", owner_text);
      mh_call_add_detail (call, "polkit.message",
                          N_ ("Authentication is required to delete the network interface "
                              "$(interface) of another user's virtual machine"));
    }
  else
    mh_call_add_detail (call, "polkit.message",
                        N_ ("Authentication is required to delete the network interface "
                            "$(interface) of a virtual machine"));
  return TRUE;
}

static void
on_deleted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MhCall *call = user_data;
  GError *error = NULL;

  if (!mh_tap_service_delete_finish (call->dispatcher->taps, result, &error))
    mh_call_return_error (call, error);
  else
    mh_call_return (call, g_variant_new ("()"));
}

void
mh_tap_methods_run_delete_tap (MhCall *call)
{
  gboolean as_admin = g_strcmp0 (call->action_id, MH_ACTION_MANAGE_ALL) == 0;

  mh_tap_service_delete_async (call->dispatcher->taps, call->caller, call->object, as_admin,
                               on_deleted, call);
}

gboolean
mh_tap_methods_prepare_list_taps (MhCall *call, GError **error)
{
  return TRUE;
}

static void
on_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MhCall *call = user_data;
  g_autoptr (GVariant) taps = NULL;
  GError *error = NULL;

  taps = mh_tap_service_list_finish (call->dispatcher->taps, result, &error);
  if (taps == NULL)
    mh_call_return_error (call, error);
  else
    mh_call_return (call, g_variant_new ("(@a(sia{sv}))", taps));
}

void
mh_tap_methods_run_list_taps (MhCall *call)
{
  mh_tap_service_list_async (call->dispatcher->taps, call->caller->uid, on_listed, call);
}
