/* Sizes as people write them for limits: "6G", "512M", "1048576",
 * "unlimited". */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Binary units K, M, G, T (with or without "iB"/"B", any case); plain
 * numbers are bytes; "unlimited" and "infinity" are G_MAXUINT64.  FALSE
 * for anything else, for 0, or on overflow. */
gboolean mu_parse_size (const char *text, guint64 *bytes);

G_END_DECLS
