/* The bus side of microvm-helperd: exports the object, turns incoming
 * method calls into dispatcher calls with the caller identified by the
 * bus, owns the well-known name, and exits when idle. */
#pragma once

#include <gio/gio.h>

#include "mh-dispatch.h"
#include "mh-leases.h"

G_BEGIN_DECLS

#define MH_BUS_NAME "org.microvm.Helper1"
#define MH_OBJECT_PATH "/org/microvm/Helper1"

typedef struct _MhDaemon MhDaemon;

/* @idle_timeout_s: 0 never exits on idle.  Borrows @dispatcher and
 * @leases. */
MhDaemon *mh_daemon_new (GDBusConnection *connection, MhDispatcher *dispatcher, MhLeases *leases,
                         guint idle_timeout_s, GMainLoop *loop);
void mh_daemon_free (MhDaemon *daemon);

/* Registers the object and asks for the name; the main loop quits if the
 * name cannot be had or is lost. */
gboolean mh_daemon_start (MhDaemon *daemon, GError **error);

/* SIGTERM/SIGINT: gives the name back, finishes the calls in progress,
 * then quits the main loop (see mh-daemon.c for a signal during an idle
 * exit and a second signal). */
void mh_daemon_terminate (MhDaemon *daemon);

/* Re-arms the idle timer; call when work finished. */
void mh_daemon_touch (MhDaemon *daemon);

/* Is the client @unique_name of bus @bus_id still connected?  For
 * reconciling leases at start-up (synchronous). */
gboolean mh_daemon_name_is_alive (const char *unique_name, const char *bus_id, gpointer daemon);

/* The bus's id, org.freedesktop.DBus.GetId (synchronous). */
char *mh_daemon_get_bus_id (GDBusConnection *connection, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhDaemon, mh_daemon_free)

G_END_DECLS
