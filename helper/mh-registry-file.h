/* The registry file itself, whatever it records: read (missing meaning
 * empty), written atomically (0600), and the helpers a kind's parser
 * uses: the error for a corrupt group and the optional lease keys. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* *@text is NULL (and TRUE returned) when the file does not exist. */
gboolean mh_registry_file_read (const char *path, char **text, gsize *length, GError **error);

/* Replaces @path with @data atomically, mode 0600; @what names the
 * records in the error ("taps"). */
gboolean mh_registry_file_write (const char *path, const char *data, gsize length, const char *what,
                                 GError **error);

/* Sets @error to "ORIGIN: [GROUP]: WHY"; returns FALSE. */
gboolean mh_registry_corrupt (GError **error, const char *origin, const char *group,
                              const char *why);

/* The optional lease of a record: both NULL when there is none. */
gboolean mh_registry_read_lease (GKeyFile *file, const char *group, const char *origin,
                                 char **lease_name, char **lease_bus, GError **error);

G_END_DECLS
