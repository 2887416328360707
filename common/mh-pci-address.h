/* PCI addresses as users and runner files write them: DDDD:BB:DD.F, or
 * BB:DD.F for domain 0, hex digits in either case. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Returns the canonical form "dddd:bb:dd.f" (lower case, with domain), or
 * NULL with MH_ERROR_INVALID_ARGUMENT saying what is wrong. */
char *mh_pci_address_canonicalize (const char *text, GError **error);

G_END_DECLS
