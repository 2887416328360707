/* The stop channel of a running VM: a unix socket in its runtime
 * directory.  `microvm-user stop NAME` connects and writes "stop"; the
 * running frontend answers "stopping" and keeps the connection open until
 * it exits, so `stop` can wait for the VM to be fully gone. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _MuControlServer MuControlServer;

typedef void (*MuStopRequestFunc) (gpointer user_data);

/* Listens on @path (a stale socket there is replaced). */
MuControlServer *mu_control_server_new (const char *path, MuStopRequestFunc on_stop,
                                        gpointer user_data, GError **error);
/* Closes the listener and every open stop connection (that is what the
 * waiting `stop` commands see as "done"), and removes the socket. */
void mu_control_server_free (MuControlServer *server);

/* Asks the VM behind @path to stop and waits up to @timeout_s seconds
 * for it to be gone. */
gboolean mu_control_request_stop (const char *path, guint timeout_s, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MuControlServer, mu_control_server_free)

G_END_DECLS
