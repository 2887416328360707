/* The dispatcher's log line for a call stays short whatever the call
 * carries: a batch of thousands of taps (as many as MaxPerUser= allows)
 * is logged with its first names and a count. */
#include <glib/gstdio.h>
#include <string.h>

#include "mh-dispatch.h"
#include "mh-fake-tap-backend.h"
#include "mh-leases.h"
#include "mh-stub-authorizer.h"

static GPtrArray *lines; /* the log lines that name CreateTaps */

static GLogWriterOutput
capture (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, "MESSAGE") == 0 && strstr (fields[i].value, "CreateTaps") != NULL)
      g_ptr_array_add (lines, g_strdup (fields[i].value));
  return G_LOG_WRITER_HANDLED;
}

static gboolean
allow_all (const char *action_id, const MhCaller *caller, GHashTable *details, gpointer user_data)
{
  return TRUE;
}

static void
on_reply (GVariant *result, const GError *error, gpointer user_data)
{
  gboolean *done = user_data;

  if (result != NULL)
    g_variant_unref (g_variant_ref_sink (result));
  *done = TRUE;
}

static GVariant *
batch (guint n)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sa{sv})"));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("vm-%05u", i);
      g_variant_builder_add (&builder, "(s@a{sv})", name,
                             g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
    }
  return g_variant_new ("(a(sa{sv}))", &builder);
}

static void
call_and_wait (MhDispatcher *dispatcher, const MhCaller *caller, GVariant *parameters)
{
  gboolean done = FALSE;

  mh_dispatcher_dispatch (dispatcher, "CreateTaps", parameters, caller, FALSE, on_reply, &done);
  while (!done || dispatcher->in_flight > 0 || !mh_tap_service_is_idle (dispatcher->taps))
    g_main_context_iteration (NULL, TRUE);
}

static void
test_long_batch_logged_short (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mh-audit-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "taps.registry", NULL);
  g_autoptr (MhConfig) config = mh_config_new_default ();
  g_autoptr (MhLeases) leases = mh_leases_new (NULL, "bus-test", NULL, NULL);
  g_autoptr (MhAuthorizer) authorizer = mh_authorizer_new_stub (allow_all, NULL);
  g_autoptr (MhCaller) alice = mh_caller_new (":1.10", 1000, 10);
  MhTapService *taps;
  MhDispatcher *dispatcher;

  config->max_taps_per_user = 5000;
  config->max_taps_total = 3000;
  taps =
    mh_tap_service_new (config, mh_tap_registry_new (path), mh_fake_tap_backend_new (), leases);
  dispatcher = mh_dispatcher_new (authorizer, taps, NULL);

  /* Made, and refused over MaxTotal=: both logged in a short line. */
  call_and_wait (dispatcher, alice, batch (2000));
  call_and_wait (dispatcher, alice, batch (4000));
  g_assert_cmpuint (lines->len, ==, 2);
  for (guint i = 0; i < lines->len; i++)
    {
      const char *line = lines->pdata[i];
      g_test_message ("%s", line);
      g_assert_cmpuint (strlen (line), <, 600);
      g_assert_nonnull (strstr (line, "vm-00000 vm-00001 "));
    }
  g_assert_nonnull (
    strstr (lines->pdata[0], " and 1978 more (org.microvm.helper.manage-taps): ok"));
  g_assert_nonnull (strstr (lines->pdata[1], " and 3978 more (org.microvm.helper.manage-taps): "
                                             "LimitExceeded"));

  mh_dispatcher_free (dispatcher);
  mh_tap_service_free (taps);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  lines = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (capture, NULL, NULL);
  g_test_add_func ("/dispatch/long-batch-logged-short", test_long_batch_logged_short);
  return g_test_run ();
}
