/* The helper's memory of the taps it created: which user each belongs to,
 * its ifindex and flags, and whose D-Bus connection leases it.  Kept in a
 * file under the runtime directory so that a restarted helper can tell its
 * own taps from anybody else's, and written atomically (temporary file +
 * rename) so a crash or a full disk never leaves half a registry. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  MH_TAP_STATE_CREATING, /* recorded before the kernel work, ifindex unknown */
  MH_TAP_STATE_READY,
} MhTapState;

typedef struct {
  char *name;
  guint32 uid;
  int ifindex;
  MhTapState state;
  gboolean multi_queue;
  gboolean vnet_hdr;
  char *lease_name;   /* unique bus name of the leasing connection, or NULL */
  char *lease_bus_id; /* the bus the lease name belongs to (names restart per bus) */

  /* In memory only. */
  gboolean busy;            /* a request is working on it */
  gboolean release_pending; /* its lease holder left while it was busy */
  guint retry_source;       /* a scheduled retry of a failed release, 0 if none */
  guint retry_delay_ms;     /* the next retry's delay */
  char *release_error;      /* why the last release failed, NULL if none did */
} MhTapRecord;

typedef struct _MhTapRegistry MhTapRegistry;

MhTapRecord *mh_tap_record_new (const char *name, guint32 uid);
void mh_tap_record_free (MhTapRecord *record);
void mh_tap_record_set_lease (MhTapRecord *record, const char *lease_name, const char *bus_id);

MhTapRegistry *mh_tap_registry_new (const char *path);
void mh_tap_registry_free (MhTapRegistry *registry);
const char *mh_tap_registry_get_path (MhTapRegistry *registry);

/* Reads the file.  A missing file is an empty registry.  An unreadable or
 * corrupt one is an error: the caller decides (the daemon moves it aside). */
gboolean mh_tap_registry_load (MhTapRegistry *registry, GError **error);

/* Parses registry text into @registry (replacing its records). */
gboolean mh_tap_registry_load_from_data (MhTapRegistry *registry, const char *text, gsize length,
                                         GError **error);

/* Writes every record atomically. */
gboolean mh_tap_registry_save (MhTapRegistry *registry, GError **error);
char *mh_tap_registry_to_data (MhTapRegistry *registry, gsize *length);

MhTapRecord *mh_tap_registry_lookup (MhTapRegistry *registry, const char *name);

/* Takes ownership of @record; its name must not be present yet. */
void mh_tap_registry_insert (MhTapRegistry *registry, MhTapRecord *record);
void mh_tap_registry_remove (MhTapRegistry *registry, const char *name);

guint mh_tap_registry_count (MhTapRegistry *registry);
guint mh_tap_registry_count_for_uid (MhTapRegistry *registry, guint32 uid);

/* The records sorted by name (borrowed pointers); uid G_MAXUINT32 = all. */
GPtrArray *mh_tap_registry_list (MhTapRegistry *registry, guint32 uid);

/* Records leased by @lease_name (borrowed pointers). */
GPtrArray *mh_tap_registry_list_leased_by (MhTapRegistry *registry, const char *lease_name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhTapRecord, mh_tap_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhTapRegistry, mh_tap_registry_free)

G_END_DECLS
