/* The shares phase of `microvm-user run`: one virtiofsd per share, run as
 * the user in the VM's state directory, restarted when it exits while the
 * VM needs it (with a doubling delay, given up as a crash loop after
 * MU_RUN_SHARES_MAX_RESTARTS within MU_RUN_SHARES_RESTART_WINDOW_S), and
 * waited for until its socket listens. */
#pragma once

#include "mu-run-phase.h"
#include "mu-runner.h"
#include "mu-virtiofsd.h"

G_BEGIN_DECLS

#define MU_RUN_SHARES_MAX_RESTARTS 5
#define MU_RUN_SHARES_RESTART_WINDOW_S 60

typedef struct _MuRunShares MuRunShares;

/* Takes @virtiofsd (NULL when the runner has no shares); relative paths
 * resolve in @state_dir. */
MuRunShares *mu_run_shares_new (MuRunner *runner, const char *state_dir, MuVirtiofsd *virtiofsd,
                                guint socket_timeout_s);
void mu_run_shares_free (MuRunShares *shares);

/* Starts them and reports once every socket listens (or a directory could
 * not be made, or a socket did not listen in time).  @failed is called,
 * at most once and at any time until the stop, when virtiofsd cannot be
 * kept running: it does not start, or it keeps exiting. */
void mu_run_shares_start (MuRunShares *shares, MuRunReportFunc ready, MuRunReportFunc failed,
                          gpointer user_data);

/* The VM is stopping: virtiofsd exiting from now on is expected (the
 * hypervisor closed its socket), not restarted. */
void mu_run_shares_expect_exits (MuRunShares *shares);

/* Stops every virtiofsd (SIGTERM, SIGKILL after a few seconds) and
 * reports once all are gone, always without an error. */
void mu_run_shares_stop (MuRunShares *shares, MuRunReportFunc report, gpointer user_data);

G_END_DECLS
