/* The one place that asks polkit.  The subject is always the caller's bus
 * name (polkit_system_bus_name_new), so polkitd itself resolves the uid
 * and pid from the bus; the check is asynchronous so the main loop never
 * waits for polkit (or for the user typing a password). */
#pragma once

#include <gio/gio.h>

#include "mh-caller.h"

G_BEGIN_DECLS

#define MH_ACTION_MANAGE_TAPS "org.microvm.helper.manage-taps"
#define MH_ACTION_BIND_PCI "org.microvm.helper.bind-pci"
#define MH_ACTION_MANAGE_ALL "org.microvm.helper.manage-all"
/* Taps on a bridge (and later macvtaps): a network the administrator
 * owns.  Covers the plain taps of the same call. */
#define MH_ACTION_ATTACH_NETWORK "org.microvm.helper.attach-network"

typedef struct _MhAuthorizer MhAuthorizer;

/* What the dispatcher asks of an authorizer, behind a small table of
 * functions: the daemon's asks polkit (mh_authorizer_new_polkit); the
 * fuzzers and unit tests plug in a stub (tests/support). */
struct _MhAuthorizer {
  /* Returns on a GTask whose boolean is TRUE, or whose error is
   * MH_ERROR_NOT_AUTHORIZED with a message that says what to do. */
  void (*check_async) (MhAuthorizer *self, const MhCaller *caller, const char *action_id,
                       GHashTable *details, gboolean interactive, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data);
  void (*free) (MhAuthorizer *self);
};

/* Uses the system bus's polkit authority (created lazily, without
 * blocking). */
MhAuthorizer *mh_authorizer_new_polkit (void);

static inline void
mh_authorizer_free (MhAuthorizer *authorizer)
{
  if (authorizer != NULL)
    authorizer->free (authorizer);
}

/* @details: string -> string, passed to polkit for rules and messages.
 * @interactive: the message carried ALLOW_INTERACTIVE_AUTHORIZATION.
 * Fails with MH_ERROR_NOT_AUTHORIZED and a message that says what to do. */
static inline void
mh_authorizer_check_async (MhAuthorizer *authorizer, const MhCaller *caller, const char *action_id,
                           GHashTable *details, gboolean interactive, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  authorizer->check_async (authorizer, caller, action_id, details, interactive, cancellable,
                           callback, user_data);
}

static inline gboolean
mh_authorizer_check_finish (MhAuthorizer *authorizer, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhAuthorizer, mh_authorizer_free)

G_END_DECLS
