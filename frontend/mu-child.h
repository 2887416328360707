/* Starting the VM's processes.  Every child dies with the frontend
 * (PR_SET_PDEATHSIG), so a frontend killed with SIGKILL leaves nothing
 * running; the helper then releases the taps the frontend's bus connection
 * leased. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  MU_CHILD_NONE = 0,
  /* Own session: the terminal's Ctrl-C reaches the frontend only, which
   * then stops the VM gracefully, instead of killing every child at once.
   * Without a controlling terminal the child may still use the terminal
   * it inherited (the hypervisor's serial console). */
  MU_CHILD_NEW_SESSION = 1 << 0,
  /* Run as root of a new user namespace (mapping the user) with a private
   * mount namespace in which /run is writable: what the C virtiofsd needs
   * to run without privileges (it keeps lock files in /run/virtiofsd).
   * /run is a fresh tmpfs with every entry of the real /run bound back in
   * place, so shares under /run (/run/media/..., /run/user/...) stay
   * visible. */
  MU_CHILD_USER_NAMESPACE = 1 << 1,
  MU_CHILD_INHERIT_STDIN = 1 << 2,
  /* With MU_CHILD_USER_NAMESPACE: setgroups() succeeds without doing
   * anything.  The C virtiofsd drops supplementary groups before anything
   * else and exits if it cannot; an unprivileged user namespace has to
   * deny setgroups, and there the user's other groups are unmapped
   * (nogroup) and grant nothing beyond what the user has anyway. */
  MU_CHILD_IGNORE_SETGROUPS = 1 << 4,
  /* stdout and stderr into one pipe, for g_subprocess_communicate. */
  MU_CHILD_CAPTURE_OUTPUT = 1 << 3,
} MuChildFlags;

GSubprocess *mu_child_spawn (const char *const *argv, const char *cwd, MuChildFlags flags,
                             GError **error);

/* Like mu_child_spawn, with @read_only_dir (absolute, or NULL) made a
 * read-only bind mount of itself in the child's own mount namespace. */
GSubprocess *mu_child_spawn_read_only (const char *const *argv, const char *cwd, MuChildFlags flags,
                                       const char *read_only_dir, GError **error);

/* "exited with status 3" / "was killed by signal 9 (Killed)". */
char *mu_child_describe_status (int wait_status);

/* The shell's convention: the exit status, or 128 + signal. */
int mu_child_exit_code (int wait_status);

G_END_DECLS
