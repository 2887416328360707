#include "mh-registry-file.h"

#include <gio/gio.h>

#include "mh-error.h"

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

gboolean
mh_registry_file_write (const char *path, const char *data, gsize length, const char *what,
                        GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!g_file_set_contents_full (path, data, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                 &local_error))
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
