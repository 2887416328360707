#include "mh-authorizer.h"

#include <polkit/polkit.h>

#include "mh-call-gate.h"
#include "mh-error.h"

/* Checks outstanding at polkitd at once, and per uid (see mh-call-gate.h):
 * well below dbus-daemon's 128 pending calls per connection, leaving room
 * for credential look-ups (mh-daemon.c) and name watches. */
#define MAX_CHECKS 64
#define MAX_CHECKS_PER_UID 16

typedef struct {
  MhAuthorizer parent;
  PolkitAuthority *authority; /* NULL until the first check finishes creating it */
  GQueue waiting;             /* GTasks waiting for the authority */
  MhCallGate *gate;
} PolkitAuthorizer;

typedef struct {
  PolkitAuthorizer *authorizer;
  char *action_id;
  PolkitSubject *subject;
  PolkitDetails *details;
  gboolean interactive;       /* the caller allowed a prompt */
  gboolean asked_interactive; /* this is the second, interactive check */
  gboolean in_gate;           /* holds a place in the gate */
  guint32 uid;
} CheckData;

static void
check_data_free (gpointer data)
{
  CheckData *check = data;

  g_free (check->action_id);
  g_clear_object (&check->subject);
  g_clear_object (&check->details);
  g_free (check);
}

static void
polkit_authorizer_free (MhAuthorizer *self)
{
  PolkitAuthorizer *authorizer = (PolkitAuthorizer *) self;

  g_clear_object (&authorizer->authority);
  mh_call_gate_free (authorizer->gate);
  g_free (authorizer);
}

static void return_not_authorized (GTask *task, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
return_not_authorized (GTask *task, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_task_return_new_error (task, MH_ERROR, MH_ERROR_NOT_AUTHORIZED, "%s", message);
}

static void start_check (PolkitAuthorizer *authorizer, GTask *task);

static void
leave_gate (CheckData *check)
{
  if (!check->in_gate)
    return;
  check->in_gate = FALSE;
  mh_call_gate_leave (check->authorizer->gate, check->uid);
}

/* A call is checked without interaction first, so that an allowed call
 * costs one check, and so that the answers can be told apart: "no" right
 * away is the rules; "no" after a prompt is a failed authentication (the
 * result itself does not say which). */
static void
on_check_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CheckData *check = g_task_get_task_data (task);
  g_autoptr (PolkitAuthorizationResult) result = NULL;
  g_autoptr (GError) error = NULL;

  result = polkit_authority_check_authorization_finish (POLKIT_AUTHORITY (source), res, &error);
  if (result == NULL || polkit_authorization_result_get_is_authorized (result) ||
      check->asked_interactive || !polkit_authorization_result_get_is_challenge (result) ||
      !check->interactive)
    leave_gate (check); /* no second check follows */
  if (result == NULL)
    {
      return_not_authorized (task,
                             "not authorized: polkit could not be asked about %s (%s); "
                             "is polkitd running?",
                             check->action_id, error->message);
      return;
    }

  if (polkit_authorization_result_get_is_authorized (result))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (!check->asked_interactive)
    {
      if (!polkit_authorization_result_get_is_challenge (result))
        return_not_authorized (
          task,
          "not authorized: polkit's rules do not allow uid %u to use %s; an administrator can "
          "grant it with a polkit rule (see the example rules of microvm-helper)",
          check->uid, check->action_id);
      else if (!check->interactive)
        return_not_authorized (
          task,
          "not authorized: %s needs authentication, but the call " MH_AUTH_NO_INTERACTION_PHRASE
          "; make the call with that flag (busctl sets it unless told "
          "--allow-interactive-authorization=no; gdbus call needs --interactive), or ask an "
          "administrator for a polkit rule",
          check->action_id);
      else
        {
          check->asked_interactive = TRUE;
          start_check (check->authorizer, g_steal_pointer (&task));
        }
      return;
    }

  if (polkit_authorization_result_get_dismissed (result))
    return_not_authorized (task, "not authorized: the password prompt for %s was dismissed",
                           check->action_id);
  else if (polkit_authorization_result_get_is_challenge (result))
    return_not_authorized (
      task,
      "not authorized: %s needs authentication and " MH_AUTH_NO_AGENT_PHRASE
      " for the calling process; call from a desktop session (its agent asks), or in a text "
      "terminal make the calling process the one a text agent is registered for (pkttyagent "
      "binds to its parent process: see \"Calling it with busctl\" in microvm-helperd(8)), or ask "
      "an administrator for a polkit rule",
      check->action_id);
  /* Not only a wrong password: KDE's agent closed with Escape reports no
   * dismissal either (checked with polkit-kde-agent-1 5.27), so the
   * sentence must fit both. */
  else
    return_not_authorized (task,
                           "not authorized: authentication for %s did not succeed (a wrong "
                           "password, or the prompt was closed); try again",
                           check->action_id);
}

static void
start_check (PolkitAuthorizer *authorizer, GTask *task)
{
  CheckData *check = g_task_get_task_data (task);
  PolkitCheckAuthorizationFlags flags = check->asked_interactive
                                          ? POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION
                                          : POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE;

  polkit_authority_check_authorization (authorizer->authority, check->subject, check->action_id,
                                        check->details, flags, g_task_get_cancellable (task),
                                        on_check_done, task);
}

static void
on_authority_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  PolkitAuthorizer *authorizer = user_data;
  g_autoptr (GError) error = NULL;
  GTask *task;

  authorizer->authority = polkit_authority_get_finish (res, &error);
  while ((task = g_queue_pop_head (&authorizer->waiting)) != NULL)
    {
      if (authorizer->authority != NULL)
        start_check (authorizer, task);
      else
        {
          leave_gate (g_task_get_task_data (task));
          return_not_authorized (task, "not authorized: cannot reach polkit (%s)", error->message);
          g_object_unref (task);
        }
    }
}

/* A place in the gate is ours: ask polkit (once the authority exists). */
static void
begin_check (gpointer user_data)
{
  GTask *task = user_data;
  CheckData *check = g_task_get_task_data (task);
  PolkitAuthorizer *authorizer = check->authorizer;

  check->in_gate = TRUE;
  if (authorizer->authority != NULL)
    {
      start_check (authorizer, task);
      return;
    }
  g_queue_push_tail (&authorizer->waiting, task);
  if (authorizer->waiting.length == 1)
    polkit_authority_get_async (NULL, on_authority_ready, authorizer);
}

static void
polkit_check_async (MhAuthorizer *self, const MhCaller *caller, const char *action_id,
                    GHashTable *details, gboolean interactive, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  PolkitAuthorizer *authorizer = (PolkitAuthorizer *) self;
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  CheckData *check = g_new0 (CheckData, 1);
  GHashTableIter iter;
  gpointer key, value;

  g_task_set_source_tag (task, polkit_check_async);
  check->authorizer = authorizer;
  check->action_id = g_strdup (action_id);
  check->uid = caller->uid;
  g_task_set_task_data (task, check, check_data_free);

  check->subject = polkit_system_bus_name_new (caller->sender);
  check->details = polkit_details_new ();
  if (details != NULL)
    {
      g_hash_table_iter_init (&iter, details);
      while (g_hash_table_iter_next (&iter, &key, &value))
        polkit_details_insert (check->details, key, value);
    }
  check->interactive = interactive;
  mh_call_gate_enter (authorizer->gate, check->uid, begin_check, task);
}

MhAuthorizer *
mh_authorizer_new_polkit (void)
{
  PolkitAuthorizer *authorizer = g_new0 (PolkitAuthorizer, 1);

  authorizer->parent.check_async = polkit_check_async;
  authorizer->parent.free = polkit_authorizer_free;
  g_queue_init (&authorizer->waiting);
  authorizer->gate = mh_call_gate_new (MAX_CHECKS, MAX_CHECKS_PER_UID);
  return &authorizer->parent;
}
