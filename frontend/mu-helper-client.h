/* The frontend's side of org.microvm.Helper1.  One system bus connection
 * for the whole life of a VM: the taps it asks for are leased to it
 * (release_on_disconnect), so if the frontend dies, the helper deletes
 * them. */
#pragma once

#include <gio/gio.h>

#include "mu-runner.h"

G_BEGIN_DECLS

typedef struct _MuHelperClient MuHelperClient;

typedef void (*MuHelperClosedFunc) (gpointer user_data);

/* @interactive: let polkit ask for a password (ALLOW_INTERACTIVE_AUTHORIZATION). */
MuHelperClient *mu_helper_client_new (gboolean interactive, GError **error);
void mu_helper_client_free (MuHelperClient *client);

/* Ends the connection now, and with it every lease it holds: the helper
 * then deletes the taps and gives back the devices leased to it, with no
 * call and no polkit check.  The closed function is not called; calls
 * made afterwards fail. */
void mu_helper_client_close (MuHelperClient *client);

/* Called once if the bus connection closes (the bus was restarted). */
void mu_helper_client_set_closed_func (MuHelperClient *client, MuHelperClosedFunc func,
                                       gpointer user_data);

/* Names of the caller's taps that exist now. */
void mu_helper_client_list_taps_async (MuHelperClient *client, GAsyncReadyCallback callback,
                                       gpointer user_data);
GPtrArray *mu_helper_client_list_taps_finish (MuHelperClient *client, GAsyncResult *result,
                                              GError **error);

/* One CreateTaps for the VM's taps (the runner's flags, ports of @bridge
 * unless it is NULL) and its macvtaps, all leased to this connection: one
 * authorization, all or nothing.  Returns the ifindexes as a GArray of
 * gint32, taps first, then macvtaps. */
void mu_helper_client_create_taps_async (MuHelperClient *client, const MuRunner *runner,
                                         const char *bridge, GAsyncReadyCallback callback,
                                         gpointer user_data);
GArray *mu_helper_client_create_taps_finish (MuHelperClient *client, GAsyncResult *result,
                                             GError **error);

void mu_helper_client_delete_tap_async (MuHelperClient *client, const char *name,
                                        GAsyncReadyCallback callback, gpointer user_data);
gboolean mu_helper_client_delete_tap_finish (MuHelperClient *client, GAsyncResult *result,
                                             GError **error);

/* Addresses of the PCI devices the caller holds now. */
void mu_helper_client_list_pci_async (MuHelperClient *client, GAsyncReadyCallback callback,
                                      gpointer user_data);
GPtrArray *mu_helper_client_list_pci_finish (MuHelperClient *client, GAsyncResult *result,
                                             GError **error);

/* BindPciDevice, leased to this connection; returns the /dev/vfio/N path. */
void mu_helper_client_bind_pci_async (MuHelperClient *client, const char *address,
                                      GAsyncReadyCallback callback, gpointer user_data);
char *mu_helper_client_bind_pci_finish (MuHelperClient *client, GAsyncResult *result,
                                        GError **error);

/* ReleasePciDevice, without a password prompt (the lease releases it when
 * this connection closes anyway); a device already given back is fine. */
void mu_helper_client_release_pci_async (MuHelperClient *client, const char *address,
                                         GAsyncReadyCallback callback, gpointer user_data);
gboolean mu_helper_client_release_pci_finish (MuHelperClient *client, GAsyncResult *result,
                                              GError **error);

void mu_helper_client_set_memlock_async (MuHelperClient *client, guint64 bytes,
                                         GAsyncReadyCallback callback, gpointer user_data);
gboolean mu_helper_client_set_memlock_finish (MuHelperClient *client, GAsyncResult *result,
                                              GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MuHelperClient, mu_helper_client_free)

G_END_DECLS
