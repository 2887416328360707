/* The administrator's limits (mh-config.h), checked in one place: every
 * check that a request stays within MaxPerUser=, MaxTotal= or MaxMemlock=
 * is here, with the message that names the setting.  The kinds' services
 * call these; the method files never read the config. */
#pragma once

#include <glib.h>

#include "mh-config.h"

G_BEGIN_DECLS

/* One CreateTaps call may not ask for more taps than a user may have. */
gboolean mh_limits_check_tap_batch (const MhConfig *config, gsize n_asked, GError **error);

/* @uid has @n_have taps, the helper @n_total, and @n_new more are asked. */
gboolean mh_limits_check_tap_count (const MhConfig *config, guint32 uid, guint n_have, guint n_new,
                                    guint n_total, GError **error);

/* A memlock limit of @bytes (more than 0) for a VM's process. */
gboolean mh_limits_check_memlock (const MhConfig *config, guint64 bytes, GError **error);

G_END_DECLS
