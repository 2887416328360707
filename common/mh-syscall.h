/* System calls wrapped so that a failure becomes a GError in
 * MH_ERRNO_ERROR whose message names the object (path, interface) the call
 * was about.  Every file descriptor is opened O_CLOEXEC. */
#pragma once

#include <glib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* open(2); returns the fd or -1. */
int mh_open (const char *path, int flags, mode_t mode, GError **error);

/* ioctl(2) with a pointer argument; @what names the request and object in
 * the message, e.g. "TUNSETIFF vm-web". */
gboolean mh_ioctl (int fd, unsigned long request, void *arg, const char *what, GError **error);

/* Reads a small file (sysfs attributes, runner data files) of at most
 * @max_bytes bytes into a NUL-terminated buffer; @length (may be NULL)
 * gets the number of bytes read, which tells a NUL byte in the file from
 * the end.  Longer files fail with EFBIG rather than being silently cut. */
gboolean mh_read_small_file (const char *path, gsize max_bytes, char **contents, gsize *length,
                             GError **error);

/* Reads a sysfs-style attribute and strips the trailing newline. */
gboolean mh_read_attribute (const char *path, char **value, GError **error);

/* Reads an attribute holding a decimal or 0x-prefixed integer. */
gboolean mh_read_attribute_int64 (const char *path, gint64 *value, GError **error);

/* Writes @data to an existing file with a single write(2), as sysfs
 * attributes require; a short write is an error. */
gboolean mh_write_attribute (const char *path, const char *data, GError **error);

/* readlink(2) returning the target, or NULL with the error set. */
char *mh_readlink (const char *path, GError **error);

/* realpath(3), or NULL with the error set. */
char *mh_realpath (const char *path, GError **error);

/* stat(2) and lstat(2). */
gboolean mh_stat (const char *path, struct stat *st, GError **error);
gboolean mh_lstat (const char *path, struct stat *st, GError **error);

/* The names in directory @path, sorted, without "." and "..". */
GPtrArray *mh_list_dir (const char *path, GError **error);

/* Gives the file @path (not a symlink, not a directory: a device node or,
 * in the test world, a regular file) to @uid:@gid with @mode, through one
 * O_PATH descriptor so that both changes hit the same inode.  Needs
 * CAP_CHOWN to give it away. */
gboolean mh_set_owner_and_mode (const char *path, uid_t uid, gid_t gid, mode_t mode,
                                GError **error);

/* prlimit(2); @what names the process in messages. */
gboolean mh_prlimit (pid_t pid, int resource, const struct rlimit *new_limit,
                     struct rlimit *old_limit, const char *what, GError **error);

/* pidfd_open(2); -1 with ENOSYS in the error where the kernel lacks it. */
int mh_pidfd_open (pid_t pid, GError **error);

/* Whether the process behind @pidfd has not exited yet: while it has not,
 * its pid cannot have been given to another process. */
gboolean mh_pidfd_is_running (int pidfd);

/* CLOCK_BOOTTIME in microseconds: the clock process start times in
 * /proc/PID/stat are counted on. */
gint64 mh_boottime_usec (void);

/* Closes @fd if it is >= 0 and sets it to -1; keeps errno. */
void mh_close_fd (int *fd);

G_END_DECLS
