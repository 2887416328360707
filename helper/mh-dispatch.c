#include "mh-dispatch.h"

#include <string.h>

#include "mh-error.h"
#include "mh-i18n.h"

MhDispatcher *
mh_dispatcher_new (MhAuthorizer *authorizer, MhTapService *taps, MhPciService *pci)
{
  MhDispatcher *dispatcher = g_new0 (MhDispatcher, 1);

  dispatcher->authorizer = authorizer;
  dispatcher->taps = taps;
  dispatcher->pci = pci;
  return dispatcher;
}

void
mh_dispatcher_free (MhDispatcher *dispatcher)
{
  g_free (dispatcher);
}

void
mh_dispatcher_dispatch (MhDispatcher *dispatcher, const char *method_name, GVariant *parameters,
                        const MhCaller *caller, gboolean interactive, MhReplyFunc reply,
                        gpointer reply_data)
{
  MhCall *call;
  GError *error = NULL;

  dispatcher->in_flight++;
  call = mh_call_new (dispatcher, mh_methods_lookup (method_name), parameters, caller, interactive,
                      reply, reply_data);

  if (call->method == NULL)
    {
      g_autofree char *quoted = mh_quote_untrusted (method_name, 64);
      call->object = g_strdup (quoted);
      mh_call_return_error (call, g_error_new (MH_ERROR, MH_ERROR_NOT_AUTHORIZED,
                                               "method %s is not allowed by this helper", quoted));
      return;
    }

  call->action_id = call->method->action_id;
  if (!call->method->prepare (call, &error))
    {
      mh_call_return_error (call, error);
      return;
    }
  if (call->method->inspect != NULL)
    {
      call->method->inspect (call);
      return;
    }
  mh_call_authorize (call);
}
