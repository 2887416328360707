/* Errors of microvm-user.  Every message is one sentence that names the
 * thing (a file and line, a share, a VM) and says what to do. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MU_ERROR (mu_error_quark ())

typedef enum {
  MU_ERROR_LAYOUT,      /* the runner package is malformed */
  MU_ERROR_UNSUPPORTED, /* valid, but this version cannot do it */
  MU_ERROR_ENVIRONMENT, /* this machine or session lacks something */
  MU_ERROR_RUNNING,     /* already running / not running */
  MU_ERROR_HELPER,      /* the helper refused or failed */
  MU_ERROR_CHILD,       /* a child process failed */
  MU_ERROR_USAGE,       /* bad command line */
  MU_ERROR_FAILED,
} MuError;

GQuark mu_error_quark (void);

G_END_DECLS
