/* `microvm-user run`: the life of one VM.
 *
 * Start: taps (one CreateTaps, leased to our bus connection) -> PCI devices
 * -> one virtiofsd per share, supervised -> wait until every socket
 * listens -> bin/microvm-run with the terminal attached, in the state
 * directory.
 * Stop (SIGINT, SIGTERM, SIGHUP, `microvm-user stop`, or the bus going
 * away): bin/microvm-shutdown, wait, SIGTERM, wait, SIGKILL -> stop
 * virtiofsd -> delete the taps.  The exit status is the hypervisor's. */
#pragma once

#include <glib.h>

#include "mu-runner.h"

G_BEGIN_DECLS

typedef struct {
  gboolean interactive; /* polkit may ask for a password */
  gboolean allow_root;
  guint shutdown_timeout_s;         /* after microvm-shutdown, before SIGTERM */
  guint kill_timeout_s;             /* after SIGTERM, before SIGKILL */
  guint socket_timeout_s;           /* for every virtiofsd socket to listen */
  const char *virtiofsd;            /* --virtiofsd, may be NULL */
  const char *configured_virtiofsd; /* from the user's config, may be NULL */
  guint64 memlock;                  /* RLIMIT_MEMLOCK for PCI passthrough, 0 = not given */
  const char *bridge;               /* the taps are made ports of it; NULL: standalone */
  const char *bridge_origin;        /* where it came from, for messages */
} MuRunOptions;

void mu_run_options_init (MuRunOptions *options);

/* Runs @runner under @name; returns the exit status for the shell, or -1
 * with @error set when it could not start. */
int mu_run (MuRunner *runner, const char *name, const MuRunOptions *options, GError **error);

G_END_DECLS
