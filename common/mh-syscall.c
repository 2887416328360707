#include "mh-syscall.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

void
mh_close_fd (int *fd)
{
  int errsv = errno;

  if (*fd >= 0)
    close (*fd);
  *fd = -1;
  errno = errsv;
}
