/* Who is calling: the uid and pid the bus reports for the sender's
 * connection (GetConnectionCredentials).  The helper never takes a uid
 * from a method argument. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  char *sender; /* unique bus name */
  guint32 uid;
  guint32 pid; /* 0 when the bus does not know it */
} MhCaller;

MhCaller *mh_caller_new (const char *sender, guint32 uid, guint32 pid);
MhCaller *mh_caller_copy (const MhCaller *caller);
void mh_caller_free (MhCaller *caller);

void mh_caller_lookup_async (GDBusConnection *connection, const char *sender,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data);
MhCaller *mh_caller_lookup_finish (GAsyncResult *result, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhCaller, mh_caller_free)

G_END_DECLS
