/* The user's own settings for microvm-user, optional:
 * $XDG_CONFIG_HOME/microvm/microvm-user.conf (GKeyFile)
 *
 *   [run]
 *   Virtiofsd=/path/to/virtiofsd
 *   ShutdownTimeout=60
 *   MemLock=6G
 *
 * Command-line options win over it.  Unknown keys are errors (a typo
 * should not be silently ignored). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *path;
  char *virtiofsd;        /* NULL: not set */
  int shutdown_timeout_s; /* 0: not set */
  guint64 memlock;        /* 0: not set */
} MuUserConfig;

/* Loads the file; a missing file gives an empty configuration. */
MuUserConfig *mu_user_config_load (GError **error);

/* Parses configuration text; @origin names it in error messages. */
MuUserConfig *mu_user_config_parse (const char *text, gsize length, const char *origin,
                                    GError **error);
void mu_user_config_free (MuUserConfig *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MuUserConfig, mu_user_config_free)

G_END_DECLS
