/* The single authorization point of the helper.
 *
 * Every method of the interface has an entry in one table (mh-methods.c):
 * the polkit action it needs, or NULL for the few read-only methods that
 * are allowed explicitly; a prepare step that validates the arguments and
 * fills in the polkit details; and a run step.  The dispatcher always goes
 * prepare -> authorize -> run (with an optional inspect step between
 * prepare and authorize, for details read from the system off the main
 * loop), so no run step can be reached without the check, and a method
 * missing from the table is refused (default deny).
 *
 * The dispatcher knows nothing of the bus connection: it is given an
 * already identified caller and a function to deliver the reply, so the
 * fuzzers can drive it in-process. */
#pragma once

#include <gio/gio.h>

#include "mh-authorizer.h"
#include "mh-caller.h"
#include "mh-config.h"
#include "mh-pci-service.h"
#include "mh-tap-service.h"

G_BEGIN_DECLS

typedef struct _MhDispatcher MhDispatcher;
typedef struct _MhCall MhCall;

/* Called exactly once per call: @result (may be floating) or @error. */
typedef void (*MhReplyFunc) (GVariant *result, const GError *error, gpointer user_data);

typedef gboolean (*MhPrepareFunc) (MhCall *call, GError **error);
typedef void (*MhRunFunc) (MhCall *call);
typedef void (*MhInspectFunc) (MhCall *call);

typedef struct {
  const char *name;
  /* The polkit action; NULL only for read-only methods, which run without
   * asking polkit. */
  const char *action_id;
  MhPrepareFunc prepare;
  MhRunFunc run;
  /* Optional second half of prepare, for details that must be read from
   * the system (PCI devices): runs after prepare, off the main loop, and
   * ends with mh_call_inspected().  Like prepare it may refuse the call or
   * raise the action, never skip the check. */
  MhInspectFunc inspect;
} MhMethod;

struct _MhDispatcher {
  const MhConfig *config;
  MhAuthorizer *authorizer;
  MhTapService *taps;
  MhPciService *pci;
  guint in_flight;
};

struct _MhCall {
  MhDispatcher *dispatcher;
  const MhMethod *method;
  MhCaller *caller;
  GVariant *parameters;
  gboolean interactive;

  /* Set by prepare. */
  const char *action_id; /* starts as method->action_id; may only be raised to manage-all */
  GHashTable *details;   /* polkit details, string -> string */
  char *object;          /* what the call is about, for the audit log */
  gpointer request;
  GDestroyNotify request_free;

  MhReplyFunc reply;
  gpointer reply_data;
};

/* The method table. */
const MhMethod *mh_methods_lookup (const char *name);
const MhMethod *mh_methods_get_table (gsize *n_methods);

/* Borrows everything; they must outlive the dispatcher. */
MhDispatcher *mh_dispatcher_new (const MhConfig *config, MhAuthorizer *authorizer,
                                 MhTapService *taps, MhPciService *pci);
void mh_dispatcher_free (MhDispatcher *dispatcher);

void mh_dispatcher_dispatch (MhDispatcher *dispatcher, const char *method_name,
                             GVariant *parameters, const MhCaller *caller, gboolean interactive,
                             MhReplyFunc reply, gpointer reply_data);

/* Finish a call from a run step; both free @call. */
void mh_call_return (MhCall *call, GVariant *result);
void mh_call_return_error (MhCall *call, GError *error);

/* Ends an inspect step: @error (taken) refuses the call, NULL goes on to
 * polkit. */
void mh_call_inspected (MhCall *call, GError *error);

/* A polkit detail for the call, e.g. ("interface", "vm-web"). */
void mh_call_add_detail (MhCall *call, const char *key, const char *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhDispatcher, mh_dispatcher_free)

G_END_DECLS
