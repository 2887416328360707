#include "mh-stub-authorizer.h"

#include "mh-error.h"

typedef struct {
  MhAuthorizer parent;
  MhAuthorizerStubFunc decide;
  gpointer decide_data;
} StubAuthorizer;

static void
stub_check_async (MhAuthorizer *self, const MhCaller *caller, const char *action_id,
                  GHashTable *details, gboolean interactive, GCancellable *cancellable,
                  GAsyncReadyCallback callback, gpointer user_data)
{
  StubAuthorizer *stub = (StubAuthorizer *) self;
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, stub_check_async);
  if (stub->decide (action_id, caller, details, stub->decide_data))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_new_error (task, MH_ERROR, MH_ERROR_NOT_AUTHORIZED,
                             "not authorized: %s denied by the test stub", action_id);
}

static void
stub_free (MhAuthorizer *self)
{
  g_free (self);
}

MhAuthorizer *
mh_authorizer_new_stub (MhAuthorizerStubFunc decide, gpointer user_data)
{
  StubAuthorizer *stub = g_new0 (StubAuthorizer, 1);

  stub->parent.check_async = stub_check_async;
  stub->parent.free = stub_free;
  stub->decide = decide;
  stub->decide_data = user_data;
  return &stub->parent;
}
