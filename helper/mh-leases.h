/* Leases: resources that live only as long as a client's D-Bus connection
 * (release_on_disconnect).  Each leased resource holds one reference on the
 * client's unique bus name; the first hold starts watching the name, and
 * when the name leaves the bus the owner of the leases is told once. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _MhLeases MhLeases;

typedef void (*MhLeaseVanishedFunc) (const char *unique_name, gpointer user_data);

/* Whether the client @unique_name of bus @bus_id is still connected; for
 * reconciling recorded leases at start-up. */
typedef gboolean (*MhLeaseAliveFunc) (const char *unique_name, const char *bus_id,
                                      gpointer user_data);

/* @connection may be NULL (fuzzing, unit tests): then nothing is watched
 * and names never vanish on their own. */
MhLeases *mh_leases_new (GDBusConnection *connection, const char *bus_id,
                         MhLeaseVanishedFunc vanished, gpointer user_data);
void mh_leases_free (MhLeases *leases);

/* The bus's id (org.freedesktop.DBus.GetId): unique names are only unique
 * within one bus instance, so a recorded lease is only meaningful together
 * with the bus it was made on. */
const char *mh_leases_get_bus_id (MhLeases *leases);

void mh_leases_hold (MhLeases *leases, const char *unique_name);
void mh_leases_release (MhLeases *leases, const char *unique_name);

/* Number of distinct names held. */
guint mh_leases_count (MhLeases *leases);

/* Simulates the name leaving the bus (used by tests and by the daemon when
 * it learns of it by other means). */
void mh_leases_vanish (MhLeases *leases, const char *unique_name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhLeases, mh_leases_free)

G_END_DECLS
