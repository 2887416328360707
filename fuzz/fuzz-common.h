/* What every fuzz target shares: the libFuzzer entry points (declared here
 * so that -Wmissing-prototypes holds for the targets' definitions), GLib
 * set up so that a critical (a broken precondition) is a crash, and the
 * checks every error message must pass. */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The input as a C string: a copy cut at the first NUL byte. */
char *mh_fuzz_cstring (const uint8_t *data, size_t size);

/* Aborts unless @error is set, in @domain, and its message is one line of
 * valid UTF-8 without control characters: untrusted text must reach
 * messages only through mh_quote_untrusted(), since they go over D-Bus
 * (which needs UTF-8) and to terminals (where control bytes are escape
 * sequences). */
void mh_fuzz_check_error (const GError *error, GQuark domain);

/* Like mh_fuzz_check_error for text that must be printable, with a name
 * for the report. */
void mh_fuzz_check_printable (const char *what, const char *text);

G_END_DECLS
