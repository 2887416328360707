/* virtiofsd for `microvm-user run`: one per share, restarted when it
 * exits while the VM runs (with a doubling delay, and given up as a crash
 * loop after MAX_RESTARTS within RESTART_WINDOW_S), and waited for until
 * its socket listens. */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mu-child.h"
#include "mu-error.h"
#include "mu-output.h"
#include "mu-run-private.h"

static void spawn_virtiofsd (Share *share);

static void on_virtiofsd_exited (GObject *source, GAsyncResult *result, gpointer user_data);

static gboolean
on_restart_due (gpointer user_data)
{
  Share *share = user_data;

  share->restart_source = 0;
  if (share->run->phase == PHASE_STARTING || share->run->phase == PHASE_RUNNING)
    spawn_virtiofsd (share);
  return G_SOURCE_REMOVE;
}

static void
on_virtiofsd_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Share *share = user_data;
  Run *run = share->run;
  g_autofree char *how = NULL;
  gint64 now = g_get_monotonic_time ();
  guint delay_ms;

  if (!g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL))
    return; /* cancelled: teardown owns the process now */
  if (share->process != G_SUBPROCESS (source))
    return;
  how = mu_child_describe_status (g_subprocess_get_status (share->process));
  g_clear_object (&share->process);
  /* Expected once the hypervisor is gone or going: it closed the socket. */
  if (run->phase != PHASE_STARTING && run->phase != PHASE_RUNNING)
    return;

  if (now - share->window_start > (gint64) RESTART_WINDOW_S * G_USEC_PER_SEC)
    {
      share->window_start = now;
      share->restarts = 0;
    }
  if (share->restarts >= MAX_RESTARTS)
    {
      mu_run_fail (run,
                   g_error_new (MU_ERROR, MU_ERROR_CHILD,
                                "virtiofsd for the share %s keeps exiting (it %s, %u restarts in "
                                "%d s); see its messages above; stopping the VM",
                                share->share->tag, how, share->restarts, RESTART_WINDOW_S));
      mu_run_request_stop (run, "virtiofsd failed");
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
  Run *run = share->run;
  g_auto (GStrv) argv = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *source = NULL;
  g_autofree char *socket_path =
    g_path_is_absolute (share->share->socket)
      ? g_strdup (share->share->socket)
      : g_build_filename (run->state->state_dir, share->share->socket, NULL);
  struct stat st;

  /* A socket left by a previous run would look ready before virtiofsd
   * binds its own. */
  if (lstat (socket_path, &st) == 0 && S_ISSOCK (st.st_mode))
    unlink (socket_path);

  /* The source as an absolute path: the C virtiofsd bind-mounts it inside
   * its sandbox after changing directory, where a relative one is lost.
   * The socket stays as written, since the hypervisor uses the same
   * string from the same directory. */
  source = g_path_is_absolute (share->share->source)
             ? g_strdup (share->share->source)
             : g_build_filename (run->state->state_dir, share->share->source, NULL);
  argv = mu_virtiofsd_argv (run->virtiofsd, share->share->socket, source);
  share->process = mu_child_spawn ((const char *const *) argv, run->state->state_dir,
                                   mu_virtiofsd_child_flags (run->virtiofsd), &error);
  if (share->process == NULL)
    {
      mu_run_fail (run, g_error_new (MU_ERROR, MU_ERROR_CHILD,
                                     "cannot start virtiofsd for the share %s: %s",
                                     share->share->tag, error->message));
      mu_run_request_stop (run, "virtiofsd failed");
      return;
    }
  g_clear_object (&share->cancellable);
  share->cancellable = g_cancellable_new ();
  g_subprocess_wait_async (share->process, share->cancellable, on_virtiofsd_exited, share);
}

/* virtiofsd usually listens within a few milliseconds: look after 1 ms,
 * then less and less often, up to every 20 ms. */
static gboolean on_ready_poll (gpointer user_data);

static void
schedule_ready_poll (Run *run)
{
  run->ready_poll = g_timeout_add (run->ready_interval_ms, on_ready_poll, run);
  run->ready_interval_ms = MIN (run->ready_interval_ms * 2, 20);
}

static gboolean
on_ready_poll (gpointer user_data)
{
  Run *run = user_data;

  for (guint i = 0; i < run->shares->len; i++)
    {
      Share *share = run->shares->pdata[i];

      if (mu_socket_is_listening (run->state->state_dir, share->share->socket))
        continue;
      if (g_get_monotonic_time () < run->ready_deadline)
        {
          schedule_ready_poll (run);
          return G_SOURCE_REMOVE;
        }
      run->ready_poll = 0;
      mu_run_fail (
        run, g_error_new (MU_ERROR, MU_ERROR_CHILD,
                          "virtiofsd for the share %s did not open its socket %s within %u "
                          "s; see its messages above",
                          share->share->tag, share->share->socket, run->options->socket_timeout_s));
      mu_run_begin_teardown (run);
      return G_SOURCE_REMOVE;
    }
  run->ready_poll = 0;
  if (run->shares->len > 0)
    mu_progress ("every virtiofsd socket is listening");
  mu_run_start_hypervisor (run);
  return G_SOURCE_REMOVE;
}

void
mu_run_share_free (gpointer data)
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

void
mu_run_start_shares (Run *run)
{
  if (run->phase != PHASE_STARTING)
    return;
  for (guint i = 0; i < run->runner->shares->len; i++)
    {
      const MuShare *spec = run->runner->shares->pdata[i];
      g_autofree char *source = g_path_is_absolute (spec->source)
                                  ? g_strdup (spec->source)
                                  : g_build_filename (run->state->state_dir, spec->source, NULL);
      Share *share = g_new0 (Share, 1);

      share->run = run;
      share->share = spec;
      share->window_start = g_get_monotonic_time ();
      g_ptr_array_add (run->shares, share);
      if (g_mkdir_with_parents (source, 0755) < 0)
        {
          mu_run_fail (run, g_error_new (MU_ERROR, MU_ERROR_ENVIRONMENT,
                                         "cannot create the directory %s shared as %s: %s", source,
                                         spec->tag, g_strerror (errno)));
          mu_run_begin_teardown (run);
          return;
        }
      mu_progress ("starting virtiofsd (%s) for the share %s: %s",
                   mu_virtiofsd_flavour_name (run->virtiofsd->flavour), spec->tag, source);
      spawn_virtiofsd (share);
      if (run->phase != PHASE_STARTING)
        return;
    }
  run->ready_deadline =
    g_get_monotonic_time () + (gint64) run->options->socket_timeout_s * G_USEC_PER_SEC;
  run->ready_interval_ms = 1;
  on_ready_poll (run);
}
