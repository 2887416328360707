#include "mh-registry-file.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "mh-error.h"
#include "mh-syscall.h"

gboolean
mh_registry_file_read (const char *path, char **text, gsize *length, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  *text = NULL;
  *length = 0;
  if (g_file_get_contents (path, text, length, &local_error))
    return TRUE;
  if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    return TRUE;
  g_set_error (error, MH_ERROR, MH_ERROR_FAILED, "%s", local_error->message);
  return FALSE;
}

/* Replaces @path with @data in one rename(2): a helper killed at any
 * moment leaves the old registry or the new one, never a mix, and the
 * next start reads one of them.  No fsync: every record describes a
 * kernel object (a tap, a macvtap, a driver binding) that does not
 * survive a power loss or a reboot either, so a registry that did would
 * only describe objects that are gone; and the registry lives on /run, a
 * tmpfs, where fsync has nothing to flush.  Skipping it saves five
 * syscalls a write (fallocate, fsync, and the directory's open, fsync and
 * close), and a CreateTap writes twice. */
static gboolean
replace_file (const char *path, const char *data, gsize length, GError **error)
{
  g_autofree char *temporary = g_strconcat (path, ".XXXXXX", NULL);
  gsize written = 0;
  int fd;

  fd = g_mkstemp_full (temporary, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    return mh_set_errno_error (error, errno, "create %s", temporary);
  while (written < length)
    {
      ssize_t n = write (fd, data + written, length - written);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;

          mh_close_fd (&fd);
          (void) unlink (temporary);
          return mh_set_errno_error (error, errsv, "write %s", temporary);
        }
      written += (gsize) n;
    }
  if (close (fd) < 0)
    {
      int errsv = errno;

      (void) unlink (temporary);
      return mh_set_errno_error (error, errsv, "write %s", temporary);
    }
  if (rename (temporary, path) < 0)
    {
      int errsv = errno;

      (void) unlink (temporary);
      return mh_set_errno_error (error, errsv, "rename %s to %s", temporary, path);
    }
  return TRUE;
}

gboolean
mh_registry_file_write (const char *path, const char *data, gsize length, const char *what,
                        GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!replace_file (path, data, length, &local_error))
    {
      g_set_error (error, MH_ERROR, MH_ERROR_FAILED, "cannot record %s in the registry: %s", what,
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
mh_registry_corrupt (GError **error, const char *origin, const char *group, const char *why)
{
  g_set_error (error, MH_ERROR, MH_ERROR_FAILED, "%s: [%s]: %s", origin, group, why);
  return FALSE;
}

gboolean
mh_registry_read_lease (GKeyFile *file, const char *group, const char *origin, char **lease_name,
                        char **lease_bus, GError **error)
{
  g_autofree char *lease = g_key_file_get_string (file, group, "lease", NULL);
  g_autofree char *bus = g_key_file_get_string (file, group, "lease_bus", NULL);

  *lease_name = NULL;
  *lease_bus = NULL;
  if (lease == NULL || lease[0] == '\0')
    return TRUE;
  if (!g_dbus_is_unique_name (lease) || bus == NULL)
    return mh_registry_corrupt (error, origin, group, "invalid lease");
  *lease_name = g_steal_pointer (&lease);
  *lease_bus = g_steal_pointer (&bus);
  return TRUE;
}
