/* Progress lines on stderr ("microvm-user: web: ..."), silenced by -q. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void mu_output_set_quiet (gboolean quiet);
void mu_output_set_vm (const char *name);
void mu_progress (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* Always shown. */
void mu_warning (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* "a, b, c"; past MU_JOIN_NAMES_MAX names, "a, b, ... and 9 more". */
#define MU_JOIN_NAMES_MAX 16
char *mu_join_names (GPtrArray *names);

G_END_DECLS
