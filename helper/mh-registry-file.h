/* What the tap and PCI registries share: the file itself (read, missing
 * meaning empty; written atomically, 0600), the key-file parse into a
 * table of records keyed by one of their strings, and the lease keys. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Parses one record of @group; @origin names the file in messages. */
typedef gboolean (*MhRegistryParseRecord) (GKeyFile *file, const char *group, const char *origin,
                                           gpointer *record, GError **error);
/* The record's key in the table (owned by the record). */
typedef const char *(*MhRegistryRecordKey) (gconstpointer record);

typedef struct {
  const char *group_prefix; /* groups without it are ignored */
  MhRegistryParseRecord parse;
  MhRegistryRecordKey key;
  GDestroyNotify free_record;
  const char *duplicate_why; /* "the name is recorded twice" */
} MhRegistryFormat;

/* *@text is NULL (and TRUE returned) when the file does not exist. */
gboolean mh_registry_file_read (const char *path, char **text, gsize *length, GError **error);

/* Replaces @path with @data atomically, mode 0600; @what names the
 * records in the error ("taps"). */
gboolean mh_registry_file_write (const char *path, const char *data, gsize length, const char *what,
                                 GError **error);

/* A new table key -> record of every record in @text (NULL on error:
 * nothing half-read is kept). */
GHashTable *mh_registry_parse (const MhRegistryFormat *format, const char *origin, const char *text,
                               gsize length, GError **error);

/* Sets @error to "ORIGIN: [GROUP]: WHY"; returns FALSE. */
gboolean mh_registry_corrupt (GError **error, const char *origin, const char *group,
                              const char *why);

/* The optional lease of a record: both NULL when there is none. */
gboolean mh_registry_read_lease (GKeyFile *file, const char *group, const char *origin,
                                 char **lease_name, char **lease_bus, GError **error);

G_END_DECLS
