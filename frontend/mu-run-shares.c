#include "mu-run-shares.h"

#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mu-child.h"
#include "mu-error.h"
#include "mu-output.h"

#define VIRTIOFSD_STOP_TIMEOUT_S 3

typedef struct {
  MuRunShares *shares;
  const MuShare *share;
  GSubprocess *process;
  GCancellable *cancellable; /* for the wait on the current process */
  guint restarts;
  gint64 window_start;
  guint restart_source;
} Share;

struct _MuRunShares {
  MuRunner *runner;
  char *state_dir;
  MuVirtiofsd *virtiofsd;
  guint socket_timeout_s;
  GPtrArray *shares; /* Share */
  gboolean exits_expected;
  guint ready_poll;
  guint ready_interval_ms;
  gint64 ready_deadline;
  MuRunReport ready;
  MuRunReport failed;
  /* The stop: virtiofsd processes still exiting. */
  MuRunCountdown stopped;
};

static void
share_free (gpointer data)
{
  Share *share = data;

  if (share->restart_source != 0)
    g_source_remove (share->restart_source);
  if (share->cancellable != NULL)
    g_cancellable_cancel (share->cancellable);
  g_clear_object (&share->cancellable);
  g_clear_object (&share->process);
  g_free (share);
}

MuRunShares *
mu_run_shares_new (MuRunner *runner, const char *state_dir, MuVirtiofsd *virtiofsd,
                   guint socket_timeout_s)
{
  MuRunShares *shares = g_new0 (MuRunShares, 1);

  shares->runner = runner;
  shares->state_dir = g_strdup (state_dir);
  shares->virtiofsd = virtiofsd;
  shares->socket_timeout_s = socket_timeout_s;
  shares->shares = g_ptr_array_new_with_free_func (share_free);
  return shares;
}

void
mu_run_shares_free (MuRunShares *shares)
{
  if (shares == NULL)
    return;
  if (shares->ready_poll != 0)
    g_source_remove (shares->ready_poll);
  g_clear_pointer (&shares->shares, g_ptr_array_unref);
  g_clear_pointer (&shares->virtiofsd, mu_virtiofsd_free);
  g_free (shares->state_dir);
  g_free (shares);
}

static char *
in_state_dir (MuRunShares *shares, const char *path)
{
  return g_path_is_absolute (path) ? g_strdup (path)
                                   : g_build_filename (shares->state_dir, path, NULL);
}

/* ------------------------------------------------------------------ */
/* Supervision */

static void spawn_virtiofsd (Share *share);

static gboolean
on_restart_due (gpointer user_data)
{
  Share *share = user_data;

  share->restart_source = 0;
  if (!share->shares->exits_expected)
    spawn_virtiofsd (share);
  return G_SOURCE_REMOVE;
}

static void
on_virtiofsd_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Share *share = user_data;
  MuRunShares *shares = share->shares;
  g_autofree char *how = NULL;
  gint64 now = g_get_monotonic_time ();
  guint delay_ms;

  if (!g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL))
    return; /* cancelled: the stop owns the process now */
  if (share->process != G_SUBPROCESS (source))
    return;
  how = mu_child_describe_status (g_subprocess_get_status (share->process));
  g_clear_object (&share->process);
  /* Expected once the hypervisor is gone or going: it closed the socket. */
  if (shares->exits_expected)
    return;

  if (now - share->window_start > (gint64) MU_RUN_SHARES_RESTART_WINDOW_S * G_USEC_PER_SEC)
    {
      share->window_start = now;
      share->restarts = 0;
    }
  if (share->restarts >= MU_RUN_SHARES_MAX_RESTARTS)
    {
      mu_run_report (&shares->failed,
                     g_error_new (MU_ERROR, MU_ERROR_CHILD,
                                  "virtiofsd for the share %s keeps exiting (it %s, %u "
                                  "restarts in %d s); see its messages above; stopping "
                                  "the VM",
                                  share->share->tag, how, share->restarts,
                                  MU_RUN_SHARES_RESTART_WINDOW_S));
      return;
    }
  delay_ms = 250u << share->restarts;
  share->restarts++;
  mu_warning ("virtiofsd for the share %s %s; restarting it in %u ms", share->share->tag, how,
              delay_ms);
  share->restart_source = g_timeout_add (delay_ms, on_restart_due, share);
}

static void
spawn_virtiofsd (Share *share)
{
  MuRunShares *shares = share->shares;
  g_auto (GStrv) argv = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *source = NULL;
  g_autofree char *socket_path = in_state_dir (shares, share->share->socket);
  struct stat st;

  /* A socket left by a previous run would look ready before virtiofsd
   * binds its own. */
  if (lstat (socket_path, &st) == 0 && S_ISSOCK (st.st_mode))
    unlink (socket_path);

  /* The source as an absolute path: the C virtiofsd bind-mounts it inside
   * its sandbox after changing directory, where a relative one is lost.
   * The socket stays as written, since the hypervisor uses the same
   * string from the same directory. */
  source = in_state_dir (shares, share->share->source);
  argv = mu_virtiofsd_argv (shares->virtiofsd, share->share->tag, share->share->socket, source,
                            share->share->options, &error);
  if (argv != NULL)
    share->process = mu_child_spawn_read_only (
      (const char *const *) argv, shares->state_dir, mu_virtiofsd_child_flags (shares->virtiofsd),
      mu_virtiofsd_read_only_dir (shares->virtiofsd, share->share->options, source), &error);
  if (share->process == NULL)
    {
      mu_run_report (&shares->failed, g_error_new (MU_ERROR, MU_ERROR_CHILD,
                                                   "cannot start virtiofsd for the share %s: %s",
                                                   share->share->tag, error->message));
      return;
    }
  g_clear_object (&share->cancellable);
  share->cancellable = g_cancellable_new ();
  g_subprocess_wait_async (share->process, share->cancellable, on_virtiofsd_exited, share);
}

/* ------------------------------------------------------------------ */
/* Start */

/* virtiofsd usually listens within a few milliseconds: look after 1 ms,
 * then less and less often, up to every 20 ms. */
static gboolean on_ready_poll (gpointer user_data);

static void
schedule_ready_poll (MuRunShares *shares)
{
  shares->ready_poll = g_timeout_add (shares->ready_interval_ms, on_ready_poll, shares);
  shares->ready_interval_ms = MIN (shares->ready_interval_ms * 2, 20);
}

static gboolean
on_ready_poll (gpointer user_data)
{
  MuRunShares *shares = user_data;

  shares->ready_poll = 0;
  for (guint i = 0; i < shares->shares->len; i++)
    {
      Share *share = shares->shares->pdata[i];

      if (mu_socket_is_listening (shares->state_dir, share->share->socket))
        continue;
      if (g_get_monotonic_time () < shares->ready_deadline)
        {
          schedule_ready_poll (shares);
          return G_SOURCE_REMOVE;
        }
      mu_run_report (&shares->ready,
                     g_error_new (MU_ERROR, MU_ERROR_CHILD,
                                  "virtiofsd for the share %s did not open its socket %s "
                                  "within %u s; see its messages above",
                                  share->share->tag, share->share->socket,
                                  shares->socket_timeout_s));
      return G_SOURCE_REMOVE;
    }
  if (shares->shares->len > 0)
    mu_progress ("every virtiofsd socket is listening");
  mu_run_report (&shares->ready, NULL);
  return G_SOURCE_REMOVE;
}

void
mu_run_shares_start (MuRunShares *shares, MuRunReportFunc ready, MuRunReportFunc failed,
                     gpointer user_data)
{
  mu_run_report_to (&shares->ready, ready, user_data);
  mu_run_report_to (&shares->failed, failed, user_data);
  for (guint i = 0; i < shares->runner->shares->len; i++)
    {
      const MuShare *spec = shares->runner->shares->pdata[i];
      g_autofree char *source = in_state_dir (shares, spec->source);
      Share *share = g_new0 (Share, 1);

      share->shares = shares;
      share->share = spec;
      share->window_start = g_get_monotonic_time ();
      g_ptr_array_add (shares->shares, share);
      if (g_mkdir_with_parents (source, 0755) < 0)
        {
          mu_run_report (&shares->ready,
                         g_error_new (MU_ERROR, MU_ERROR_ENVIRONMENT,
                                      "cannot create the directory %s shared as %s: %s", source,
                                      spec->tag, g_strerror (errno)));
          return;
        }
      {
        g_autofree char *described = mu_share_options_describe (spec->options);
        mu_progress ("starting virtiofsd (%s) for the share %s: %s%s%s%s",
                     mu_virtiofsd_flavour_name (shares->virtiofsd->flavour), spec->tag, source,
                     described[0] != '\0' ? " (" : "", described, described[0] != '\0' ? ")" : "");
      }
      spawn_virtiofsd (share);
      if (shares->exits_expected)
        return; /* it could not start: the run is being stopped */
    }
  shares->ready_deadline =
    g_get_monotonic_time () + (gint64) shares->socket_timeout_s * G_USEC_PER_SEC;
  shares->ready_interval_ms = 1;
  on_ready_poll (shares);
}

void
mu_run_shares_expect_exits (MuRunShares *shares)
{
  shares->exits_expected = TRUE;
}

/* ------------------------------------------------------------------ */
/* Stop */

typedef struct {
  MuRunShares *shares;
  GSubprocess *process;
  guint kill_source;
} Stopping;

static gboolean
on_virtiofsd_stop_timeout (gpointer user_data)
{
  Stopping *stopping = user_data;

  stopping->kill_source = 0;
  g_subprocess_force_exit (stopping->process);
  return G_SOURCE_REMOVE;
}

static void
on_virtiofsd_stopped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Stopping *stopping = user_data;
  MuRunShares *shares = stopping->shares;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  if (stopping->kill_source != 0)
    g_source_remove (stopping->kill_source);
  g_object_unref (stopping->process);
  g_free (stopping);
  mu_run_countdown_step_done (&shares->stopped);
}

static void
stop_virtiofsd (MuRunShares *shares, Share *share)
{
  Stopping *stopping;

  if (share->restart_source != 0)
    g_source_remove (share->restart_source);
  share->restart_source = 0;
  if (share->process == NULL)
    return;
  g_cancellable_cancel (share->cancellable);
  mu_run_countdown_add (&shares->stopped);
  stopping = g_new0 (Stopping, 1);
  stopping->shares = shares;
  stopping->process = g_steal_pointer (&share->process);
  g_subprocess_send_signal (stopping->process, SIGTERM);
  stopping->kill_source =
    g_timeout_add_seconds (VIRTIOFSD_STOP_TIMEOUT_S, on_virtiofsd_stop_timeout, stopping);
  g_subprocess_wait_async (stopping->process, NULL, on_virtiofsd_stopped, stopping);
}

void
mu_run_shares_stop (MuRunShares *shares, MuRunReportFunc report, gpointer user_data)
{
  shares->exits_expected = TRUE;
  mu_run_report_to (&shares->ready, NULL, NULL);
  mu_run_report_to (&shares->failed, NULL, NULL);
  if (shares->ready_poll != 0)
    g_source_remove (shares->ready_poll);
  shares->ready_poll = 0;
  mu_run_countdown_begin (&shares->stopped, report, user_data);
  for (guint i = 0; i < shares->shares->len; i++)
    stop_virtiofsd (shares, shares->shares->pdata[i]);
  mu_run_countdown_step_done (&shares->stopped);
}
