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
#include "mh-call.h"
#include "mh-caller.h"
#include "mh-pci-service.h"
#include "mh-tap-service.h"

G_BEGIN_DECLS

struct _MhDispatcher {
  MhAuthorizer *authorizer;
  MhTapService *taps;
  MhPciService *pci;
  guint in_flight;
};

/* The method table. */
const MhMethod *mh_methods_lookup (const char *name);
const MhMethod *mh_methods_get_table (gsize *n_methods);

/* Borrows everything; they must outlive the dispatcher. */
MhDispatcher *mh_dispatcher_new (MhAuthorizer *authorizer, MhTapService *taps, MhPciService *pci);
void mh_dispatcher_free (MhDispatcher *dispatcher);

void mh_dispatcher_dispatch (MhDispatcher *dispatcher, const char *method_name,
                             GVariant *parameters, const MhCaller *caller, gboolean interactive,
                             MhReplyFunc reply, gpointer reply_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhDispatcher, mh_dispatcher_free)

G_END_DECLS
