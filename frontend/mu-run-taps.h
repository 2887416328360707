/* The taps phase of `microvm-user run`: the runner's taps, all asked for
 * in one CreateTaps and leased to the run's bus connection, so that the
 * helper deletes them if the frontend dies.  Taps the user had already
 * are reused and left as they were; the ones made for this run are
 * deleted at the end. */
#pragma once

#include "mu-helper-client.h"
#include "mu-run-phase.h"
#include "mu-runner.h"

G_BEGIN_DECLS

typedef struct _MuRunTaps MuRunTaps;

/* @helper may be NULL when the runner has no taps. */
/* @bridge (may be NULL): the bridge the taps are made ports of, said to
 * come from @bridge_origin; both borrowed, outliving the phase. */
MuRunTaps *mu_run_taps_new (MuRunner *runner, MuHelperClient *helper, const char *bridge,
                            const char *bridge_origin);
void mu_run_taps_free (MuRunTaps *taps);

/* Reports once every tap exists, or why it could not be made. */
void mu_run_taps_start (MuRunTaps *taps, MuRunReportFunc report, gpointer user_data);

/* Deletes the taps made for this run and reports (always without an
 * error: what cannot be deleted is left to the lease, with a warning).
 * The result of a start still under way is dropped from now on.
 * Normally by closing the run's connection (the helper's own lease end
 * deletes them): every other use of the connection must be over.
 * @bus_lost: the helper's bus went away with the run's connection; the
 * taps are deleted through a new connection once the bus is back. */
void mu_run_taps_release (MuRunTaps *taps, gboolean bus_lost, MuRunReportFunc report,
                          gpointer user_data);

G_END_DECLS
