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

/* The credentials of connections seen recently.  A unique bus name is
 * never given to another connection on the same bus, and a connection's
 * uid and pid do not change, so an entry never goes stale; the cache only
 * saves the bus round trip for callers that make several calls (the
 * frontend does).  Bounded: the least recently used entry goes first. */
typedef struct _MhCallerCache MhCallerCache;

MhCallerCache *mh_caller_cache_new (guint capacity);
void mh_caller_cache_free (MhCallerCache *cache);
#ifdef MH_FAULT_INJECTION
/* For the unit tests only (test builds, -Dfault_injection=true). */
guint mh_caller_cache_size (MhCallerCache *cache);
#endif
/* The entry for @sender (now the most recently used), or NULL. */
const MhCaller *mh_caller_cache_lookup (MhCallerCache *cache, const char *sender);
void mh_caller_cache_insert (MhCallerCache *cache, const MhCaller *caller);

/* @cache may be NULL. */
void mh_caller_lookup_async (GDBusConnection *connection, MhCallerCache *cache, const char *sender,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data);
MhCaller *mh_caller_lookup_finish (GAsyncResult *result, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhCaller, mh_caller_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhCallerCache, mh_caller_cache_free)

G_END_DECLS
