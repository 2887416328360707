#include "mu-control.h"

#include <errno.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "mu-error.h"

struct _MuControlServer {
  char *path;
  GSocketService *service;
  GPtrArray *connections; /* held open until the frontend is done */
  MuStopRequestFunc on_stop;
  gpointer user_data;
};

typedef struct {
  MuControlServer *server;
  GSocketConnection *connection;
  char buffer[64];
} Reading;

static void
on_line_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Reading *reading = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n > 0 && strncmp (reading->buffer, "stop", 4) == 0)
    {
      GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (reading->connection));
      g_output_stream_write_all (out, "stopping\n", 9, NULL, NULL, NULL);
      g_ptr_array_add (reading->server->connections, g_object_ref (reading->connection));
      reading->server->on_stop (reading->server->user_data);
    }
  g_object_unref (reading->connection);
  g_free (reading);
}

static gboolean
on_incoming (GSocketService *service, GSocketConnection *connection, GObject *source,
             gpointer user_data)
{
  Reading *reading = g_new0 (Reading, 1);

  reading->server = user_data;
  reading->connection = g_object_ref (connection);
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                             reading->buffer, sizeof reading->buffer - 1, G_PRIORITY_DEFAULT, NULL,
                             on_line_read, reading);
  return TRUE;
}

static gboolean
check_path_length (const char *path, GError **error)
{
  struct sockaddr_un address;

  if (strlen (path) >= sizeof address.sun_path)
    {
      g_set_error (error, MU_ERROR, MU_ERROR_ENVIRONMENT,
                   "the stop channel %s is %zu bytes long, more than a unix socket path may be "
                   "(%zu); set a shorter XDG_RUNTIME_DIR",
                   path, strlen (path), sizeof address.sun_path - 1);
      return FALSE;
    }
  return TRUE;
}

MuControlServer *
mu_control_server_new (const char *path, MuStopRequestFunc on_stop, gpointer user_data,
                       GError **error)
{
  g_autoptr (GSocketAddress) address = NULL;
  MuControlServer *server;

  if (!check_path_length (path, error))
    return NULL;
  /* We hold the VM's lock, so a socket left here is a dead frontend's. */
  unlink (path);

  server = g_new0 (MuControlServer, 1);
  server->path = g_strdup (path);
  server->connections = g_ptr_array_new_with_free_func (g_object_unref);
  server->on_stop = on_stop;
  server->user_data = user_data;
  server->service = g_socket_service_new ();
  address = g_unix_socket_address_new (path);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (server->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL,
                                      error))
    {
      mu_control_server_free (server);
      return NULL;
    }
  g_signal_connect (server->service, "incoming", G_CALLBACK (on_incoming), server);
  g_socket_service_start (server->service);
  return server;
}

void
mu_control_server_free (MuControlServer *server)
{
  if (server == NULL)
    return;
  g_socket_service_stop (server->service);
  g_socket_listener_close (G_SOCKET_LISTENER (server->service));
  g_object_unref (server->service);
  for (guint i = 0; i < server->connections->len; i++)
    g_io_stream_close (server->connections->pdata[i], NULL, NULL);
  g_ptr_array_unref (server->connections);
  unlink (server->path);
  g_free (server->path);
  g_free (server);
}

gboolean
mu_control_request_stop (const char *path, guint timeout_s, GError **error)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (GError) local_error = NULL;
  GSocket *socket;
  char buffer[64];
  gssize n;

  if (!check_path_length (path, error))
    return FALSE;
  address = g_unix_socket_address_new (path);
  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &local_error);
  if (connection == NULL)
    {
      g_set_error (error, MU_ERROR, MU_ERROR_RUNNING, "cannot reach the running VM through %s: %s",
                   path, local_error->message);
      return FALSE;
    }
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                  "stop\n", 5, NULL, NULL, &local_error))
    {
      g_set_error (error, MU_ERROR, MU_ERROR_FAILED, "cannot ask the VM to stop: %s",
                   local_error->message);
      return FALSE;
    }

  socket = g_socket_connection_get_socket (connection);
  g_socket_set_timeout (socket, timeout_s);
  /* "stopping", then EOF once the frontend has finished. */
  do
    n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &local_error);
  while (n > 0);
  if (n < 0)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        g_set_error (error, MU_ERROR, MU_ERROR_FAILED,
                     "the VM did not finish stopping within %u seconds; it may still be "
                     "shutting down",
                     timeout_s);
      else
        g_set_error (error, MU_ERROR, MU_ERROR_FAILED, "lost the stop channel: %s",
                     local_error->message);
      return FALSE;
    }
  return TRUE;
}
