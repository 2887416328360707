/* How a phase of `microvm-user run` reports back to the sequencer
 * (mu-run.c).  A phase is handed such a function when it is asked to do
 * something (start, give back what it holds) and calls it exactly once
 * when that is done: with NULL, or with the error that stopped it, whose
 * ownership passes to the sequencer.  A phase never calls the next phase
 * nor decides what a failure means for the run: the sequencer does. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef void (*MuRunReportFunc) (GError *error, gpointer user_data);

/* Calls *@func once and forgets it, so that a phase cannot report twice;
 * with nobody to report to any more, @error is dropped. */
static inline void
mu_run_report (MuRunReportFunc *func, gpointer user_data, GError *error)
{
  MuRunReportFunc report = *func;

  *func = NULL;
  if (report != NULL)
    report (error, user_data);
  else if (error != NULL)
    g_error_free (error);
}

G_END_DECLS
