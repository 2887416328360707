/* A call's way from prepare to its reply; see mh-call.h. */
#include "mh-call.h"

#include <string.h>

#include "mh-dispatch.h"
#include "mh-error.h"
#include "mh-i18n.h"

MhCall *
mh_call_new (MhDispatcher *dispatcher, const MhMethod *method, GVariant *parameters,
             const MhCaller *caller, gboolean interactive, MhReplyFunc reply, gpointer reply_data)
{
  MhCall *call = g_new0 (MhCall, 1);

  call->dispatcher = dispatcher;
  call->method = method;
  call->caller = mh_caller_copy (caller);
  call->parameters = g_variant_ref_sink (parameters);
  call->interactive = interactive;
  call->details = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  call->reply = reply;
  call->reply_data = reply_data;
  return call;
}

static void
call_free (MhCall *call)
{
  mh_caller_free (call->caller);
  g_variant_unref (call->parameters);
  g_hash_table_unref (call->details);
  g_free (call->object);
  if (call->request != NULL && call->request_free != NULL)
    call->request_free (call->request);
  g_free (call);
}

void
mh_call_add_detail (MhCall *call, const char *key, const char *value)
{
  g_hash_table_insert (call->details, g_strdup (key), g_strdup (value));
}

/* What a call is about, for the log: a batch of taps can list thousands
 * of names (as many as MaxPerUser= allows), which would make one line of
 * hundreds of kilobytes; the first names and a count say enough. */
#define AUDIT_OBJECT_MAX 200

static char *
audit_object (const char *object)
{
  const char *cut;
  guint more = 0;

  if (object == NULL)
    return g_strdup ("-");
  if (strlen (object) <= AUDIT_OBJECT_MAX)
    return g_strdup (object);
  cut = object + AUDIT_OBJECT_MAX;
  while (cut > object && *cut != ' ')
    cut--;
  if (cut == object)
    return g_strdup_printf ("%.*s...", AUDIT_OBJECT_MAX, object);
  for (const char *p = cut; *p != '\0'; p++)
    if (*p == ' ')
      more++;
  return g_strdup_printf ("%.*s and %u more", (int) (cut - object), object, more);
}

/* One line per privileged call, whatever its outcome: who, what, which
 * object, and the result. */
static void
audit (MhCall *call, const GError *error)
{
  g_autofree char *object = audit_object (call->object);

  if (call->method != NULL && call->method->action_id == NULL && error == NULL)
    {
      g_debug ("uid=%u pid=%u %s: ok", call->caller->uid, call->caller->pid, call->method->name);
      return;
    }
  if (error == NULL)
    g_message ("uid=%u pid=%u %s %s (%s): ok", call->caller->uid, call->caller->pid,
               call->method->name, object, call->action_id);
  else
    g_message ("uid=%u pid=%u %s %s (%s): %s: %s", call->caller->uid, call->caller->pid,
               call->method != NULL ? call->method->name : "?", object,
               call->action_id != NULL ? call->action_id : "no action",
               error->domain == MH_ERROR ? strrchr (mh_error_dbus_name (error->code), '.') + 1
                                         : "Failed",
               error->message);
}

static void
call_finish (MhCall *call, GVariant *result, GError *error)
{
  MhDispatcher *dispatcher = call->dispatcher;

  mh_error_normalize (&error);
  audit (call, error);
  if (result != NULL)
    g_variant_ref_sink (result);
  call->reply (result, error, call->reply_data);
  if (result != NULL)
    g_variant_unref (result);
  g_clear_error (&error);
  call_free (call);
  dispatcher->in_flight--;
}

void
mh_call_return (MhCall *call, GVariant *result)
{
  call_finish (call, result, NULL);
}

void
mh_call_return_error (MhCall *call, GError *error)
{
  call_finish (call, NULL, error);
}

static void
on_authorized (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MhCall *call = user_data;
  GError *error = NULL;

  if (!mh_authorizer_check_finish (call->dispatcher->authorizer, result, &error))
    {
      mh_call_return_error (call, error);
      return;
    }
  call->method->run (call);
}

void
mh_call_authorize (MhCall *call)
{
  /* prepare may only make the check stricter (manage-all), never skip it. */
  g_assert (call->method->action_id == NULL || call->action_id != NULL);

  if (call->action_id == NULL)
    {
      call->method->run (call);
      return;
    }

  mh_call_add_detail (call, "polkit.gettext_domain", MH_GETTEXT_DOMAIN);
  mh_authorizer_check_async (call->dispatcher->authorizer, call->caller, call->action_id,
                             call->details, call->interactive, NULL, on_authorized, call);
}

void
mh_call_inspected (MhCall *call, GError *error)
{
  if (error != NULL)
    {
      mh_call_return_error (call, error);
      return;
    }
  mh_call_authorize (call);
}
