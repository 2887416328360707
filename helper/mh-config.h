/* The administrator's configuration, /etc/microvm-helper/helper.conf
 * (GKeyFile).  A missing file means safe defaults; a file that cannot be
 * parsed, or that has a key this version does not know, stops the helper
 * from starting: a typo in a security setting must not silently widen
 * what users may do. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MH_CONFIG_DEFAULT_MAX_TAPS_PER_USER 32
#define MH_CONFIG_DEFAULT_MAX_TAPS_TOTAL 1024

typedef struct {
  char *path;                   /* where it was read from, for messages */
  guint max_taps_per_user;      /* [Taps] MaxPerUser */
  guint max_taps_total;         /* [Taps] MaxTotal */
  GStrv allowed_tap_names;      /* [Taps] AllowedNames: glob patterns; NULL = any */
  GPtrArray *allowed_tap_specs; /* compiled GPatternSpec of the above */
} MhConfig;

MhConfig *mh_config_new_default (void);

/* Loads @path; a missing file gives the defaults. */
MhConfig *mh_config_load (const char *path, GError **error);

/* Parses configuration text; @origin names it in error messages. */
MhConfig *mh_config_parse (const char *text, gsize length, const char *origin, GError **error);

void mh_config_free (MhConfig *config);

/* Whether the administrator allows a tap of this (already valid) name.
 * If not, sets MH_ERROR_REFUSED with a message listing the patterns. */
gboolean mh_config_check_tap_name (const MhConfig *config, const char *name, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhConfig, mh_config_free)

G_END_DECLS
