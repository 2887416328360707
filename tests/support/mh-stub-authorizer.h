/* An authorizer that asks a function instead of polkit, for the fuzzers
 * and unit tests that drive the dispatcher in-process (the daemon's own
 * authorizer is mh_authorizer_new_polkit()). */
#pragma once

#include "mh-authorizer.h"

G_BEGIN_DECLS

/* Returns TRUE to allow. */
typedef gboolean (*MhAuthorizerStubFunc) (const char *action_id, const MhCaller *caller,
                                          GHashTable *details, gpointer user_data);

MhAuthorizer *mh_authorizer_new_stub (MhAuthorizerStubFunc decide, gpointer user_data);

G_END_DECLS
