/* The checks `microvm-user run` makes before it starts anything or asks
 * the helper for anything: each failure is one sentence saying what to do. */
#pragma once

#include "mu-run.h"
#include "mu-virtiofsd.h"

G_BEGIN_DECLS

/* Checks @runner can run here as this user; finds the virtiofsd its
 * shares need (*@virtiofsd stays NULL without shares). */
gboolean mu_run_preflight (MuRunner *runner, const MuRunOptions *options, MuVirtiofsd **virtiofsd,
                           GError **error);

/* Raises the soft RLIMIT_NOFILE to the hard one (children inherit it), and
 * says so when that is less than upstream's 1048576. */
void mu_raise_open_file_limit (void);

G_END_DECLS
