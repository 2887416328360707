/* The leased-resource core, part 1: the record every kind of resource the
 * helper hands out shares (who holds it, whose D-Bus connection leases
 * it, where it stands), and the registry file that remembers them across
 * restarts: one table keyed by the resource's name, read from and written
 * to one key file atomically (temporary file + rename, mode 0600), so a
 * crash or a full disk never leaves half a registry.
 *
 * A kind's record begins with MH_LEASED_RECORD_FIELDS and adds its own
 * fields after them; the core sees any record as an MhLeasedRecord (the
 * build has -fno-strict-aliasing, and the fields are a common initial
 * sequence).  The kind supplies an MhLeasedFormat: how its records are
 * parsed, written and freed.  How to add a kind: docs/architecture.md,
 * "Helper: the leased-resource core". */
#pragma once

#include <glib.h>

#include "mh-registry-file.h"

G_BEGIN_DECLS

typedef enum {
  MH_LEASED_RESERVED,  /* written down before the kernel work; not handed out yet */
  MH_LEASED_READY,     /* made and handed out */
  MH_LEASED_RELEASING, /* written down before giving it back: a restart finishes the job */
} MhLeasedState;

/* @key_name is what the kind calls its key ("name", "address"); the same
 * string is also reachable as ->key. */
#define MH_LEASED_RECORD_FIELDS(key_name)                                                 \
  union {                                                                                 \
    char *key;                                                                            \
    char *key_name;                                                                       \
  };                                                                                      \
  guint32 uid; /* the holder */                                                           \
  MhLeasedState state;                                                                    \
  char *lease_name;   /* unique bus name of the leasing connection, or NULL */            \
  char *lease_bus_id; /* the bus the lease name belongs to (names restart per bus) */     \
  /* In memory only. */                                                                   \
  gboolean busy;            /* a request is working on it */                              \
  gboolean release_pending; /* its lease ended while it was busy: release it when done */ \
  guint retry_source;       /* a scheduled retry of a failed release, 0 if none */        \
  guint retry_delay_ms      /* the next retry's delay */

typedef struct {
  MH_LEASED_RECORD_FIELDS (id);
} MhLeasedRecord;

#define MH_LEASED_RECORD(record) ((MhLeasedRecord *) (record))

/* Fills the shared fields of a freshly allocated (zeroed) record. */
void mh_leased_record_init (gpointer record, const char *key, guint32 uid);
/* Frees the shared fields' strings and stops a retry (not the record). */
void mh_leased_record_clear (gpointer record);
/* @lease_name NULL: no lease. */
void mh_leased_record_set_lease (gpointer record, const char *lease_name, const char *bus_id);

/* Parses one record of @group; @origin names the file in messages. */
typedef gboolean (*MhLeasedParseRecord) (GKeyFile *file, const char *group, const char *origin,
                                         gpointer *record, GError **error);

typedef struct {
  const char *group_prefix; /* groups without it are ignored */
  MhLeasedParseRecord parse;
  GDestroyNotify free_record;
  const char *duplicate_why; /* "the name is recorded twice" */
  const char *what;          /* the records in the write error ("taps") */
  /* The file's text for @records (sorted by key, borrowed). */
  char *(*to_data) (GPtrArray *records, gsize *length);
} MhLeasedFormat;

typedef struct _MhLeasedRegistry MhLeasedRegistry;

MhLeasedRegistry *mh_leased_registry_new (const char *path, const MhLeasedFormat *format);
void mh_leased_registry_free (MhLeasedRegistry *registry);
const char *mh_leased_registry_get_path (MhLeasedRegistry *registry);

/* Reads the file.  A missing file is an empty registry.  An unreadable or
 * corrupt one is an error: the caller decides (the daemon moves it aside). */
gboolean mh_leased_registry_load (MhLeasedRegistry *registry, GError **error);
/* Parses registry text into @registry (replacing its records). */
gboolean mh_leased_registry_load_from_data (MhLeasedRegistry *registry, const char *text,
                                            gsize length, GError **error);
/* Writes every record atomically. */
gboolean mh_leased_registry_save (MhLeasedRegistry *registry, GError **error);
char *mh_leased_registry_to_data (MhLeasedRegistry *registry, gsize *length);

/* The record of @key (a kind's record type), or NULL. */
gpointer mh_leased_registry_lookup (MhLeasedRegistry *registry, const char *key);
/* Takes ownership of @record; its key must not be present yet. */
void mh_leased_registry_insert (MhLeasedRegistry *registry, gpointer record);
void mh_leased_registry_remove (MhLeasedRegistry *registry, const char *key);

guint mh_leased_registry_count (MhLeasedRegistry *registry);
guint mh_leased_registry_count_for_uid (MhLeasedRegistry *registry, guint32 uid);

/* The records sorted by key (borrowed pointers); uid G_MAXUINT32 = all. */
GPtrArray *mh_leased_registry_list (MhLeasedRegistry *registry, guint32 uid);
/* Records leased by @lease_name (borrowed pointers), sorted by key. */
GPtrArray *mh_leased_registry_list_leased_by (MhLeasedRegistry *registry, const char *lease_name);

/* key -> holder uid (GUINT_TO_POINTER) of every record: a snapshot for
 * worker threads, which must not touch the registry itself. */
GHashTable *mh_leased_registry_snapshot_holders (MhLeasedRegistry *registry);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhLeasedRegistry, mh_leased_registry_free)

G_END_DECLS
