/* Errors shared by microvm-helperd and its clients.
 *
 * MH_ERROR is registered with GDBus, so an error raised in the helper
 * arrives in a GLib client as the same domain and code, and in any other
 * client as the D-Bus error name org.microvm.Helper1.Error.<Name>.
 *
 * MH_ERRNO_ERROR carries a failed system call: the code is the errno value
 * and the message names the object the call was about. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MH_ERROR (mh_error_quark ())
#define MH_ERRNO_ERROR (mh_errno_error_quark ())

typedef enum {
  MH_ERROR_NOT_AUTHORIZED,
  MH_ERROR_INVALID_ARGUMENT,
  MH_ERROR_BUSY,
  MH_ERROR_NOT_FOUND,
  MH_ERROR_LIMIT_EXCEEDED,
  MH_ERROR_REFUSED,
  MH_ERROR_FAILED,
} MhError;

#define MH_ERROR_N_ERRORS (MH_ERROR_FAILED + 1)

GQuark mh_error_quark (void);
GQuark mh_errno_error_quark (void);

/* Fixed phrases of the two NotAuthorized messages that mean "polkit wants
 * a password and nobody could be asked".  The helper's messages carry them
 * with advice for a caller speaking D-Bus directly (busctl); microvm-user
 * recognises them and gives advice for its own options instead. */
#define MH_AUTH_NO_INTERACTION_PHRASE "did not allow interactive authorization"
#define MH_AUTH_NO_AGENT_PHRASE "no polkit agent answered"

/* The D-Bus error name for @code, e.g. "org.microvm.Helper1.Error.Busy". */
const char *mh_error_dbus_name (MhError code);

/* Sets @error in MH_ERRNO_ERROR with code @errsv and the message
 * "<formatted text>: <strerror(errsv)>".  Always returns FALSE so callers
 * can write `return mh_set_errno_error (...)`. */
gboolean mh_set_errno_error (GError **error, int errsv, const char *format, ...)
  G_GNUC_PRINTF (3, 4);

/* Converts any error into MH_ERROR, keeping the message: errno errors
 * become Failed (or a more precise code where errno says more). */
void mh_error_normalize (GError **error);

/* A short, printable rendering of untrusted text for error messages:
 * escaped, and cut after @max_chars characters with "…". */
char *mh_quote_untrusted (const char *text, gsize max_chars);

G_END_DECLS
