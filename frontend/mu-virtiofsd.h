/* virtiofsd, one per share, run as the user.
 *
 * Two programs answer to that name: the Rust one (NixOS, Debian 13;
 * `--socket-path --shared-dir --sandbox`, makes its own user namespace)
 * and the C one shipped with qemu up to 8.0 (Debian 12;
 * `--socket-path= -o source=`, which needs to start as root of a user
 * namespace with a private /run).  Which one is found is told apart by its
 * --help. */
#pragma once

#include <gio/gio.h>

#include "mu-child.h"
#include "mu-share-options.h"

G_BEGIN_DECLS

typedef enum {
  MU_VIRTIOFSD_RUST,
  MU_VIRTIOFSD_C,
} MuVirtiofsdFlavour;

typedef struct {
  char *path;
  MuVirtiofsdFlavour flavour;
} MuVirtiofsd;

/* Looks in order at @explicit_path (--virtiofsd), @configured (the user's
 * config), $PATH, /usr/libexec/virtiofsd, /usr/lib/qemu/virtiofsd. */
MuVirtiofsd *mu_virtiofsd_find (const char *explicit_path, const char *configured, GError **error);
void mu_virtiofsd_free (MuVirtiofsd *virtiofsd);

const char *mu_virtiofsd_flavour_name (MuVirtiofsdFlavour flavour);

/* The command line serving @source on @socket (both as the runner wrote
 * them; relative paths resolve in the state directory) for the share @tag
 * with the runner's @options, in this virtiofsd's syntax; or an error
 * naming the share and an option this virtiofsd cannot honour. */
GStrv mu_virtiofsd_argv (const MuVirtiofsd *virtiofsd, const char *tag, const char *socket,
                         const char *source, const MuShareOptions *options, GError **error);
MuChildFlags mu_virtiofsd_child_flags (const MuVirtiofsd *virtiofsd);

/* The directory to serve through a read-only bind mount made in the
 * child's own mount namespace, or NULL: the C virtiofsd has no read-only
 * option, so a read-only share is made read-only under it by the kernel. */
const char *mu_virtiofsd_read_only_dir (const MuVirtiofsd *virtiofsd, const MuShareOptions *options,
                                        const char *source);

/* Whether a unix socket is bound at @path (relative to @cwd) and listening,
 * from the kernel's table: connecting to find out would use up the one
 * connection a virtiofsd serves. */
gboolean mu_socket_is_listening (const char *cwd, const char *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MuVirtiofsd, mu_virtiofsd_free)

G_END_DECLS
