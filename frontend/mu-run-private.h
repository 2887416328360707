/* Internals shared by the parts of `microvm-user run` (mu-run.c: phases,
 * stopping, teardown, the hypervisor; mu-run-shares.c: virtiofsd;
 * mu-preflight.c: checks before anything starts). */
#pragma once

#include <gio/gio.h>
#include <termios.h>

#include "mu-control.h"
#include "mu-helper-client.h"
#include "mu-run.h"
#include "mu-state.h"
#include "mu-virtiofsd.h"

G_BEGIN_DECLS

/* virtiofsd restarts: the delay doubles from 250 ms; more than this many
 * restarts within RESTART_WINDOW_S seconds is a crash loop. */
#define MAX_RESTARTS 5
#define RESTART_WINDOW_S 60
#define VIRTIOFSD_STOP_TIMEOUT_S 3

typedef enum {
  PHASE_STARTING,
  PHASE_RUNNING,
  PHASE_STOPPING,
  PHASE_TEARDOWN,
  PHASE_DONE,
} Phase;

typedef struct _Run Run;

typedef struct {
  Run *run;
  const MuShare *share;
  GSubprocess *process;
  GCancellable *cancellable; /* for the wait on the current process */
  guint restarts;
  gint64 window_start;
  guint restart_source;
} Share;

struct _Run {
  MuRunner *runner;
  MuVmState *state;
  const MuRunOptions *options;
  GMainLoop *loop;
  Phase phase;

  MuHelperClient *helper;
  gboolean bus_lost; /* the helper's connection closed under us */
  guint reconnect_source;
  gint64 reconnect_deadline;
  GPtrArray *taps_existing; /* reused: left as they were */
  GPtrArray *taps_created;  /* ours: deleted at the end */
  GPtrArray *devices_held;  /* the user's already: left as they were */
  GPtrArray *devices_bound; /* ours: given back at the end */
  guint next_device;

  MuVirtiofsd *virtiofsd;
  GPtrArray *shares; /* Share */
  guint ready_poll;
  guint ready_interval_ms;
  gint64 ready_deadline;

  GSubprocess *hypervisor;
  gboolean hypervisor_exited;
  int hypervisor_status;
  GSubprocess *shutdown_command;
  guint escalation;
  gboolean sigterm_sent;

  MuControlServer *control;
  guint signal_sources[3];
  struct termios saved_tty;
  gboolean tty_saved;

  int pending; /* teardown steps still running */
  int exit_code;
  GError *error;
};

void mu_run_fail (Run *run, GError *error);
void mu_run_request_stop (Run *run, const char *why);
void mu_run_begin_teardown (Run *run);
void mu_run_start_hypervisor (Run *run);
void mu_run_start_shares (Run *run);
void mu_run_share_free (gpointer data);
void mu_run_start_devices (Run *run);
void mu_run_release_devices (Run *run);
/* Marks one teardown step done (pair of run->pending++). */
void mu_run_teardown_step_done (Run *run);
gboolean mu_run_preflight (Run *run, GError **error);

G_END_DECLS
