/* prepare/inspect/run steps of the PCI methods (BindPciDevice,
 * ReleasePciDevice, ListPciDevices) and of SetMemlockLimit, for the
 * method table. */
#pragma once

#include "mh-dispatch.h"

G_BEGIN_DECLS

gboolean mh_pci_methods_prepare_bind (MhCall *call, GError **error);
void mh_pci_methods_inspect_bind (MhCall *call);
void mh_pci_methods_run_bind (MhCall *call);

gboolean mh_pci_methods_prepare_release (MhCall *call, GError **error);
void mh_pci_methods_inspect_release (MhCall *call);
void mh_pci_methods_run_release (MhCall *call);

gboolean mh_pci_methods_prepare_list (MhCall *call, GError **error);
void mh_pci_methods_run_list (MhCall *call);

gboolean mh_pci_methods_prepare_memlock (MhCall *call, GError **error);
void mh_pci_methods_run_memlock (MhCall *call);

/* Parses BindPciDevice's options strictly (unknown or duplicate keys and
 * wrong types are MH_ERROR_INVALID_ARGUMENT). */
gboolean mh_pci_methods_parse_bind_options (GVariant *options, gboolean *release_on_disconnect,
                                            GError **error);

G_END_DECLS
