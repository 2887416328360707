/* Validation of Linux network interface names, shared by the helper (which
 * must never let a hostile name reach the kernel) and the frontend (which
 * reports a bad runner file before any privileged call). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* IFNAMSIZ - 1: the kernel silently truncates longer names in some paths,
 * which is how CVE-2019-13164 confused qemu-bridge-helper's ACL check. */
#define MH_IFNAME_MAX_LEN 15

/* systemd's rules (ifname_valid): 1..15 bytes of printable ASCII 33..126,
 * no '/', ':' or '%', not "." or "..", not "all" or "default" (they name
 * sysctl directories), not all digits (it reads as an ifindex).  Returns
 * FALSE with MH_ERROR_INVALID_ARGUMENT and a message that says which rule
 * the name broke. */
gboolean mh_ifname_validate (const char *name, GError **error);

G_END_DECLS
