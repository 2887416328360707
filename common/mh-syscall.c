#include "mh-syscall.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "mh-error.h"

int
mh_open (const char *path, int flags, mode_t mode, GError **error)
{
  int fd;

  do
    fd = open (path, flags | O_CLOEXEC, mode);
  while (fd < 0 && errno == EINTR);

  if (fd < 0)
    mh_set_errno_error (error, errno, "open %s", path);
  return fd;
}

gboolean
mh_ioctl (int fd, unsigned long request, void *arg, const char *what, GError **error)
{
  if (ioctl (fd, request, arg) < 0)
    return mh_set_errno_error (error, errno, "%s", what);
  return TRUE;
}

gboolean
mh_read_small_file (const char *path, gsize max_bytes, char **contents, gsize *length,
                    GError **error)
{
  g_autofree char *buf = g_malloc (max_bytes + 1);
  gsize filled = 0;
  int fd;

  fd = mh_open (path, O_RDONLY | O_NOCTTY, 0, error);
  if (fd < 0)
    return FALSE;

  for (;;)
    {
      ssize_t n = read (fd, buf + filled, max_bytes + 1 - filled);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;
          mh_close_fd (&fd);
          return mh_set_errno_error (error, errsv, "read %s", path);
        }
      if (n == 0)
        break;
      filled += (gsize) n;
      if (filled > max_bytes)
        {
          mh_close_fd (&fd);
          return mh_set_errno_error (error, EFBIG, "read %s (more than %zu bytes)", path,
                                     max_bytes);
        }
    }
  mh_close_fd (&fd);

  buf[filled] = '\0';
  if (length != NULL)
    *length = filled;
  *contents = g_steal_pointer (&buf);
  return TRUE;
}

gboolean
mh_read_attribute (const char *path, char **value, GError **error)
{
  char *text = NULL;
  gsize len;

  if (!mh_read_small_file (path, 4096, &text, NULL, error))
    return FALSE;
  len = strlen (text);
  while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
    text[--len] = '\0';
  *value = text;
  return TRUE;
}

gboolean
mh_read_attribute_int64 (const char *path, gint64 *value, GError **error)
{
  g_autofree char *text = NULL;
  char *end = NULL;
  gint64 parsed;

  if (!mh_read_attribute (path, &text, error))
    return FALSE;

  errno = 0;
  parsed = g_ascii_strtoll (text, &end, 0);
  if (errno != 0 || end == text || *end != '\0')
    return mh_set_errno_error (error, EINVAL, "%s holds \"%s\", not a number", path, text);
  *value = parsed;
  return TRUE;
}

gboolean
mh_write_attribute (const char *path, const char *data, GError **error)
{
  size_t len = strlen (data);
  ssize_t n;
  int fd;

  fd = mh_open (path, O_WRONLY | O_NOCTTY, 0, error);
  if (fd < 0)
    return FALSE;

  do
    n = write (fd, data, len);
  while (n < 0 && errno == EINTR);

  if (n < 0)
    {
      int errsv = errno;
      mh_close_fd (&fd);
      return mh_set_errno_error (error, errsv, "write to %s", path);
    }
  if ((size_t) n != len)
    {
      mh_close_fd (&fd);
      return mh_set_errno_error (error, EIO, "short write to %s", path);
    }
  if (close (fd) < 0 && errno != EINTR)
    return mh_set_errno_error (error, errno, "write to %s", path);
  return TRUE;
}

char *
mh_readlink (const char *path, GError **error)
{
  char buf[PATH_MAX];
  ssize_t n = readlink (path, buf, sizeof buf - 1);

  if (n < 0)
    {
      mh_set_errno_error (error, errno, "readlink %s", path);
      return NULL;
    }
  buf[n] = '\0';
  return g_strdup (buf);
}

char *
mh_realpath (const char *path, GError **error)
{
  char *resolved = realpath (path, NULL);
  char *copy;

  if (resolved == NULL)
    {
      mh_set_errno_error (error, errno, "resolve %s", path);
      return NULL;
    }
  copy = g_strdup (resolved);
  free (resolved);
  return copy;
}

gboolean
mh_stat (const char *path, struct stat *st, GError **error)
{
  if (stat (path, st) < 0)
    return mh_set_errno_error (error, errno, "stat %s", path);
  return TRUE;
}

gboolean
mh_lstat (const char *path, struct stat *st, GError **error)
{
  if (lstat (path, st) < 0)
    return mh_set_errno_error (error, errno, "lstat %s", path);
  return TRUE;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
mh_list_dir (const char *path, GError **error)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  DIR *dir = opendir (path);
  struct dirent *entry;

  if (dir == NULL)
    {
      mh_set_errno_error (error, errno, "open directory %s", path);
      return NULL;
    }
  for (;;)
    {
      errno = 0;
      entry = readdir (dir);
      if (entry == NULL)
        break;
      if (strcmp (entry->d_name, ".") == 0 || strcmp (entry->d_name, "..") == 0)
        continue;
      g_ptr_array_add (names, g_strdup (entry->d_name));
    }
  if (errno != 0)
    {
      int errsv = errno;
      closedir (dir);
      mh_set_errno_error (error, errsv, "read directory %s", path);
      return NULL;
    }
  closedir (dir);
  g_ptr_array_sort (names, compare_names);
  return g_steal_pointer (&names);
}

gboolean
mh_set_owner_and_mode (const char *path, uid_t uid, gid_t gid, mode_t mode, GError **error)
{
  g_autofree char *by_fd = NULL;
  struct stat st;
  int fd;

  fd = mh_open (path, O_PATH | O_NOFOLLOW, 0, error);
  if (fd < 0)
    return FALSE;
  if (fstat (fd, &st) < 0)
    {
      int errsv = errno;
      mh_close_fd (&fd);
      return mh_set_errno_error (error, errsv, "stat %s", path);
    }
  if (S_ISLNK (st.st_mode) || S_ISDIR (st.st_mode))
    {
      mh_close_fd (&fd);
      return mh_set_errno_error (error, EINVAL, "%s is a %s, not a device node", path,
                                 S_ISLNK (st.st_mode) ? "symbolic link" : "directory");
    }
  /* Without CAP_FOWNER only the owner may chmod: take the file, set the
   * mode, then give it away.  fchmod() refuses O_PATH descriptors; the
   * /proc link reaches the same inode without resolving @path again. */
  by_fd = g_strdup_printf ("/proc/self/fd/%d", fd);
  if (fchownat (fd, "", geteuid (), gid, AT_EMPTY_PATH) < 0 || chmod (by_fd, mode) < 0 ||
      (uid != geteuid () && fchownat (fd, "", uid, gid, AT_EMPTY_PATH) < 0))
    {
      int errsv = errno;
      mh_close_fd (&fd);
      return mh_set_errno_error (error, errsv, "give %s to %u:%u with mode %04o", path, (guint) uid,
                                 (guint) gid, (guint) mode);
    }
  mh_close_fd (&fd);
  return TRUE;
}

gboolean
mh_prlimit (pid_t pid, int resource, const struct rlimit *new_limit, struct rlimit *old_limit,
            const char *what, GError **error)
{
  if (prlimit (pid, resource, new_limit, old_limit) < 0)
    return mh_set_errno_error (error, errno, "prlimit %s", what);
  return TRUE;
}

int
mh_pidfd_open (pid_t pid, GError **error)
{
#ifdef SYS_pidfd_open
  int fd = (int) syscall (SYS_pidfd_open, pid, 0);

  if (fd < 0)
    mh_set_errno_error (error, errno, "pidfd_open %d", (int) pid);
  return fd;
#else
  mh_set_errno_error (error, ENOSYS, "pidfd_open %d", (int) pid);
  return -1;
#endif
}

gboolean
mh_pidfd_is_running (int pidfd)
{
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  int n;

  do
    n = poll (&p, 1, 0);
  while (n < 0 && errno == EINTR);
  /* Readable means the process exited. */
  return n == 0;
}

gint64
mh_boottime_usec (void)
{
  struct timespec ts;

  /* Cannot fail for a valid clock id; 0 would only make the start-time
   * check of SetMemlockLimit refuse. */
  if (clock_gettime (CLOCK_BOOTTIME, &ts) < 0)
    return 0;
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

void
mh_close_fd (int *fd)
{
  int errsv = errno;

  if (*fd >= 0)
    close (*fd);
  *fd = -1;
  errno = errsv;
}
