/* How a phase of `microvm-user run` reports back to the sequencer
 * (mu-run.c).  A phase is handed a MuRunReportFunc when it is asked to do
 * something (start, give back what it holds) and calls it exactly once
 * when that is done: with NULL, or with the error that stopped it, whose
 * ownership passes to the sequencer.  A phase never calls the next phase
 * nor decides what a failure means for the run: the sequencer does. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef void (*MuRunReportFunc) (GError *error, gpointer user_data);

/* Whom to report to; reporting forgets it, so that nobody is told twice. */
typedef struct {
  MuRunReportFunc func;
  gpointer user_data;
} MuRunReport;

static inline void
mu_run_report_to (MuRunReport *report, MuRunReportFunc func, gpointer user_data)
{
  report->func = func;
  report->user_data = user_data;
}

/* With nobody to report to any more, @error is dropped. */
static inline void
mu_run_report (MuRunReport *report, GError *error)
{
  MuRunReportFunc func = report->func;

  report->func = NULL;
  if (func != NULL)
    func (error, report->user_data);
  else if (error != NULL)
    g_error_free (error);
}

/* Work made of steps that run at once (a deletion per tap, a process per
 * share), reported when the last one is done.  The count starts at one,
 * for the code that starts the steps: it calls mu_run_countdown_step_done
 * too once it has started them all, so that steps finishing at once
 * cannot report before the others have begun. */
typedef struct {
  MuRunReport report;
  int pending;
} MuRunCountdown;

static inline void
mu_run_countdown_begin (MuRunCountdown *countdown, MuRunReportFunc func, gpointer user_data)
{
  mu_run_report_to (&countdown->report, func, user_data);
  countdown->pending = 1;
}

static inline void
mu_run_countdown_add (MuRunCountdown *countdown)
{
  countdown->pending++;
}

static inline void
mu_run_countdown_step_done (MuRunCountdown *countdown)
{
  if (--countdown->pending == 0)
    mu_run_report (&countdown->report, NULL);
}

G_END_DECLS
