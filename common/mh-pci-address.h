/* PCI addresses and ids as users, runners and administrators write them.
 *
 * An address is what the kernel names a device in sysfs: DDDD:BB:DD.F
 * (domain, bus, device, function in hex).  BB:DD.F is accepted as domain
 * 0000.  Everything the helper stores, logs or replies uses the canonical
 * form: four, two, two and one lower-case hex digits.  Validation is
 * strict (no blanks, no missing digits, no device above 0x1f or function
 * above 7): an address becomes part of sysfs paths, so anything else is
 * rejected rather than guessed at. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Returns the canonical form ("0000:01:00.0") or NULL with
 * MH_ERROR_INVALID_ARGUMENT and a message that quotes @text. */
char *mh_pci_address_canonicalize (const char *text, GError **error);

/* Whether @text is already a canonical address. */
gboolean mh_pci_address_is_canonical (const char *text);

/* "8086:10d3" (vendor:device, four hex digits each, any case).  Fails with
 * MH_ERROR_INVALID_ARGUMENT. */
gboolean mh_pci_id_parse (const char *text, guint16 *vendor, guint16 *device, GError **error);

G_END_DECLS
