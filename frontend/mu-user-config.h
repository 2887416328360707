/* The user's own settings for microvm-user, optional:
 * $XDG_CONFIG_HOME/microvm/microvm-user.conf (GKeyFile)
 *
 *   [run]
 *   Virtiofsd=/path/to/virtiofsd
 *   ShutdownTimeout=60
 *   MemLock=6G
 *   Bridge=br0            the bridge every VM's taps are made ports of
 *
 *   [vm NAME]
 *   Bridge=br-lab         the same for the VM NAME only (wins over [run])
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
  char *bridge;           /* [run] Bridge=, NULL: not set */
  GHashTable *vm_bridges; /* VM name -> [vm NAME] Bridge= */
} MuUserConfig;

/* The bridge the configuration gives the taps of VM @name, or NULL;
 * *@origin says where it came from ("[vm NAME] Bridge= in PATH"). */
const char *mu_user_config_bridge_for (const MuUserConfig *config, const char *name, char **origin);

/* Loads the file; a missing file gives an empty configuration. */
MuUserConfig *mu_user_config_load (GError **error);

/* Parses configuration text; @origin names it in error messages. */
MuUserConfig *mu_user_config_parse (const char *text, gsize length, const char *origin,
                                    GError **error);
void mu_user_config_free (MuUserConfig *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MuUserConfig, mu_user_config_free)

G_END_DECLS
