#include "mu-run-taps.h"

#include "mu-link-watch.h"
#include "mu-output.h"

/* How long a run whose bus went away waits for it to come back to delete
 * its taps. */
#define RECONNECT_TIMEOUT_S 10

/* How long a stop waits for the helper to delete the taps whose lease it
 * ended.  The helper retries a failed deletion after 1 s, 2 s, ...; a tap
 * still there after this is reported and left to those retries. */
#define LEASE_END_TIMEOUT_MS 5000

struct _MuRunTaps {
  MuRunner *runner;
  const char *bridge;          /* borrowed from the run's options */
  const char *bridge_origin;   /* likewise */
  GPtrArray *names;            /* the taps' and the macvtaps' names, in the call's order */
  MuHelperClient *helper;      /* the run's, borrowed */
  MuHelperClient *reconnected; /* ours, after the bus came back */
  GPtrArray *existing;         /* the user's already: left as they were */
  GPtrArray *created;          /* ours: deleted at the end */
  GArray *created_ifindexes;   /* gint32, parallel to created */
  MuLinkWatch *lease_end;      /* waits for them to go after the lease ended */
  gboolean releasing;
  MuRunReport started;
  /* The release: deletions under way, and the wait for the bus. */
  MuRunCountdown released;
  guint reconnect_source;
  gint64 reconnect_deadline;
};

MuRunTaps *
mu_run_taps_new (MuRunner *runner, MuHelperClient *helper, const char *bridge,
                 const char *bridge_origin)
{
  MuRunTaps *taps = g_new0 (MuRunTaps, 1);

  taps->runner = runner;
  taps->bridge = bridge;
  taps->bridge_origin = bridge_origin;
  taps->names = g_ptr_array_new ();
  for (guint i = 0; i < runner->taps->len; i++)
    g_ptr_array_add (taps->names, runner->taps->pdata[i]);
  for (guint i = 0; i < runner->macvtaps->len; i++)
    g_ptr_array_add (taps->names, ((MuMacvtap *) runner->macvtaps->pdata[i])->id);
  taps->helper = helper;
  taps->created = g_ptr_array_new_with_free_func (g_free);
  taps->created_ifindexes = g_array_new (FALSE, FALSE, sizeof (gint32));
  return taps;
}

void
mu_run_taps_free (MuRunTaps *taps)
{
  if (taps == NULL)
    return;
  if (taps->reconnect_source != 0)
    g_source_remove (taps->reconnect_source);
  g_clear_pointer (&taps->names, g_ptr_array_unref);
  g_clear_pointer (&taps->existing, g_ptr_array_unref);
  g_clear_pointer (&taps->created, g_ptr_array_unref);
  g_clear_pointer (&taps->created_ifindexes, g_array_unref);
  g_clear_pointer (&taps->lease_end, mu_link_watch_free);
  g_clear_pointer (&taps->reconnected, mu_helper_client_free);
  g_free (taps);
}

/* ------------------------------------------------------------------ */
/* Start */

static void
on_taps_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MuRunTaps *taps = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ifindexes = NULL;

  ifindexes = mu_helper_client_create_taps_finish (taps->helper, result, &error);
  if (taps->releasing)
    return; /* abandoned meanwhile; the lease removes whatever was made */
  if (ifindexes == NULL)
    {
      mu_run_report (&taps->started, g_steal_pointer (&error));
      return;
    }
  for (guint i = 0; i < taps->names->len; i++)
    if (!g_ptr_array_find_with_equal_func (taps->existing, taps->names->pdata[i], g_str_equal,
                                           NULL))
      {
        g_ptr_array_add (taps->created, g_strdup (taps->names->pdata[i]));
        g_array_append_val (taps->created_ifindexes, g_array_index (ifindexes, gint32, i));
      }
  mu_progress ("network interfaces ready: %u made for this run, %u of yours reused",
               taps->created->len, taps->names->len - taps->created->len);
  mu_run_report (&taps->started, NULL);
}

static void
on_taps_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MuRunTaps *taps = user_data;
  MuRunner *runner = taps->runner;
  g_autoptr (GError) error = NULL;
  g_autofree char *names = NULL;

  taps->existing = mu_helper_client_list_taps_finish (taps->helper, result, &error);
  if (taps->releasing)
    return;
  if (taps->existing == NULL)
    {
      mu_run_report (&taps->started, g_steal_pointer (&error));
      return;
    }
  names = mu_join_names (taps->names);
  if (taps->bridge != NULL && runner->taps->len > 0)
    mu_progress ("asking microvm-helperd for %s, the taps on the bridge %s (from %s)", names,
                 taps->bridge, taps->bridge_origin);
  else
    mu_progress ("asking microvm-helperd for %s", names);
  mu_helper_client_create_taps_async (taps->helper, runner, taps->bridge, on_taps_created, taps);
}

void
mu_run_taps_start (MuRunTaps *taps, MuRunReportFunc func, gpointer user_data)
{
  mu_run_report_to (&taps->started, func, user_data);
  if (taps->names->len == 0)
    {
      mu_run_report (&taps->started, NULL);
      return;
    }
  mu_helper_client_list_taps_async (taps->helper, on_taps_listed, taps);
}

/* ------------------------------------------------------------------ */
/* Release */

static void
on_tap_deleted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MuRunTaps *taps = user_data;
  MuHelperClient *client = taps->reconnected != NULL ? taps->reconnected : taps->helper;
  g_autoptr (GError) error = NULL;

  if (!mu_helper_client_delete_tap_finish (client, result, &error))
    mu_warning ("%s; the helper removes it when this program exits", error->message);
  else if (taps->reconnected != NULL)
    mu_progress ("the taps are gone");
  mu_run_countdown_step_done (&taps->released);
}

static void
delete_created (MuRunTaps *taps, MuHelperClient *client)
{
  g_autofree char *names = mu_join_names (taps->created);

  mu_progress ("deleting the taps made for this run (%s)", names);
  for (guint i = 0; i < taps->created->len; i++)
    {
      mu_run_countdown_add (&taps->released);
      mu_helper_client_delete_tap_async (client, taps->created->pdata[i], on_tap_deleted, taps);
    }
}

static void
on_lease_ended (GPtrArray *left, gpointer user_data)
{
  MuRunTaps *taps = user_data;

  if (left->len == 0)
    mu_progress ("the taps are gone");
  else
    {
      g_autofree char *names = mu_join_names (left);

      mu_warning ("the helper has not deleted %s within %d s of the lease's end; it keeps "
                  "trying (`busctl call org.microvm.Helper1 /org/microvm/Helper1 "
                  "org.microvm.Helper1 ListTaps` shows why)",
                  names, LEASE_END_TIMEOUT_MS / 1000);
    }
  mu_run_countdown_step_done (&taps->released);
}

/* The taps made for this run are leased to the run's connection: closing
 * it has the helper delete them all at once, in one kernel batch (one RCU
 * grace period) and without a polkit check each, which a DeleteTap per
 * tap would need.  FALSE (with a warning) if the kernel's notifications,
 * which tell when they are gone, cannot be had. */
static gboolean
end_the_lease (MuRunTaps *taps)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *names = mu_join_names (taps->created);

  taps->lease_end = mu_link_watch_new (taps->created, taps->created_ifindexes, &error);
  if (taps->lease_end == NULL)
    {
      mu_warning ("%s; deleting the taps one by one instead", error->message);
      return FALSE;
    }
  mu_progress ("deleting the taps made for this run (%s) by ending their lease", names);
  mu_helper_client_close (taps->helper);
  mu_run_countdown_add (&taps->released);
  mu_link_watch_wait (taps->lease_end, LEASE_END_TIMEOUT_MS, on_lease_ended, taps);
  return TRUE;
}

static gboolean
on_reconnect_attempt (gpointer user_data)
{
  MuRunTaps *taps = user_data;
  g_autoptr (GError) error = NULL;
  MuHelperClient *client = mu_helper_client_new (FALSE, &error);

  if (client == NULL && g_get_monotonic_time () < taps->reconnect_deadline)
    return G_SOURCE_CONTINUE;
  taps->reconnect_source = 0;
  if (client == NULL)
    mu_warning ("the system bus did not come back within %d s (%s); the helper deletes this VM's "
                "taps when it next starts",
                RECONNECT_TIMEOUT_S, error->message);
  else
    {
      mu_progress ("the system bus is back");
      taps->reconnected = client;
      delete_created (taps, client);
    }
  mu_run_countdown_step_done (&taps->released);
  return G_SOURCE_REMOVE;
}

void
mu_run_taps_release (MuRunTaps *taps, gboolean bus_lost, MuRunReportFunc func, gpointer user_data)
{
  taps->releasing = TRUE;
  mu_run_countdown_begin (&taps->released, func, user_data);
  if (taps->created->len > 0)
    {
      if (bus_lost)
        {
          /* Our connection is gone with the old bus; a new helper deletes
           * leases of the old bus when it starts, and asking for the taps
           * on the new bus is what starts it. */
          mu_run_countdown_add (&taps->released);
          taps->reconnect_deadline = g_get_monotonic_time () + RECONNECT_TIMEOUT_S * G_USEC_PER_SEC;
          taps->reconnect_source = g_timeout_add (100, on_reconnect_attempt, taps);
        }
      else if (!end_the_lease (taps))
        delete_created (taps, taps->helper);
    }
  mu_run_countdown_step_done (&taps->released);
}
