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

/* @uid has @n_have taps and asks for @n_new more (MaxPerUser=). */
gboolean mh_limits_check_taps_per_user (const MhConfig *config, guint32 uid, guint n_have,
                                        guint n_new, GError **error);
/* The helper manages @n_total taps and @n_new more are asked (MaxTotal=). */
gboolean mh_limits_check_taps_total (const MhConfig *config, guint n_total, guint n_new,
                                     GError **error);

/* A memlock limit of @bytes (more than 0) for a VM's process. */
gboolean mh_limits_check_memlock (const MhConfig *config, guint64 bytes, GError **error);

G_END_DECLS
