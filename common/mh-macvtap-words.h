/* What a macvtap's mode and address may be: shared by the frontend, which
 * reports a bad runner line before any call, and the helper, which never
 * lets a bad one reach the kernel. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The macvtap modes the kernel has: bridge, vepa, private, passthru,
 * source (the last two need the administrator's AllowedMacvtapModes=). */
gboolean mh_macvtap_mode_is_valid (const char *mode);

/* Whether @text is a unicast Ethernet address (not all zeros) written as
 * six colon-separated pairs of hex digits; *@canonical, if given, gets it
 * in lower case. */
gboolean mh_mac_parse (const char *text, char **canonical);

G_END_DECLS
