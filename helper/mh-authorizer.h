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

typedef struct _MhAuthorizer MhAuthorizer;

/* A replacement for polkit, for fuzz targets only: returns TRUE to allow. */
typedef gboolean (*MhAuthorizerStubFunc) (const char *action_id, const MhCaller *caller,
                                          GHashTable *details, gpointer user_data);

/* Uses the system bus's polkit authority (created lazily, without
 * blocking). */
MhAuthorizer *mh_authorizer_new_polkit (void);
MhAuthorizer *mh_authorizer_new_stub (MhAuthorizerStubFunc decide, gpointer user_data);
void mh_authorizer_free (MhAuthorizer *authorizer);

/* @details: string -> string, passed to polkit for rules and messages.
 * @interactive: the message carried ALLOW_INTERACTIVE_AUTHORIZATION.
 * Fails with MH_ERROR_NOT_AUTHORIZED and a message that says what to do. */
void mh_authorizer_check_async (MhAuthorizer *authorizer, const MhCaller *caller,
                                const char *action_id, GHashTable *details, gboolean interactive,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data);
gboolean mh_authorizer_check_finish (MhAuthorizer *authorizer, GAsyncResult *result,
                                     GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhAuthorizer, mh_authorizer_free)

G_END_DECLS
