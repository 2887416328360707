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
 * them; relative paths resolve in the state directory). */
GStrv mu_virtiofsd_argv (const MuVirtiofsd *virtiofsd, const char *socket, const char *source);
MuChildFlags mu_virtiofsd_child_flags (const MuVirtiofsd *virtiofsd);

/* Whether a unix socket is bound at @path (relative to @cwd) and listening,
 * from the kernel's table: connecting to find out would use up the one
 * connection a virtiofsd serves. */
gboolean mu_socket_is_listening (const char *cwd, const char *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MuVirtiofsd, mu_virtiofsd_free)

G_END_DECLS
