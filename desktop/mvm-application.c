/* The MicroVMs application; see mvm-application.h. */
#include "mvm-application.h"

#include "mu-state.h"
#include "mu-vm-actions.h"
#include "mvm-config.h"
#include "mvm-vm-list.h"
#include "mvm-watch.h"
#include "mvm-window.h"

/* What `microvm-user stop` waits by default. */
#define STOP_TIMEOUT_S 120

struct _MvmApplication {
  AdwApplication parent_instance;

  MvmVmList *vms;
  MvmWatch *watch;
  /* Names of the VMs this app is stopping or restarting: their stop is
   * no surprise worth a notification. */
  GHashTable *stopping;
};

G_DEFINE_FINAL_TYPE (MvmApplication, mvm_application, ADW_TYPE_APPLICATION)

typedef struct {
  MvmAction action;
  char *name;
} ActionData;

static void
action_data_free (gpointer data)
{
  ActionData *action = data;

  g_free (action->name);
  g_free (action);
}

static char *
microvm_user_path (void)
{
  char *found = g_find_program_in_path ("microvm-user");

  return found != NULL ? found : g_strdup (MVM_MICROVM_USER);
}

static void
run_action_in_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  ActionData *action = data;
  g_autofree char *microvm_user = microvm_user_path ();
  g_autoptr (GError) error = NULL;
  gboolean ok = TRUE;

  if (action->action == MVM_ACTION_STOP ||
      (action->action == MVM_ACTION_RESTART && mu_vm_is_running (action->name)))
    ok = mu_vm_stop (action->name, STOP_TIMEOUT_S, &error);
  /* The app runs in the user's desktop session, whose polkit agent can
   * ask for a password: the detached run may ask (a unit cannot). */
  if (ok && action->action != MVM_ACTION_STOP)
    ok = mu_vm_start (action->name, microvm_user, TRUE, NULL, &error);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static void
on_action_done (GObject *source, GAsyncResult *result, gpointer data)
{
  MvmApplication *app = MVM_APPLICATION (source);
  ActionData *action = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;

  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  g_task_propagate_boolean (G_TASK (result), &error);
  /* Reloaded while the VM still counts as stopped from here: its stop
   * is no surprise. */
  mvm_vm_list_reload (app->vms);
  g_hash_table_remove (app->stopping, action->name);
  if (!MVM_IS_WINDOW (window))
    return;
  if (error != NULL)
    {
      static const char *const verbs[] = {
        [MVM_ACTION_START] = "start",
        [MVM_ACTION_STOP] = "stop",
        [MVM_ACTION_RESTART] = "restart",
      };
      g_autofree char *heading =
        g_strdup_printf ("Could not %s %s", verbs[action->action], action->name);
      mvm_window_show_error (MVM_WINDOW (window), heading, error->message);
    }
  else
    {
      static const char *const done[] = {
        [MVM_ACTION_START] = "Started",
        [MVM_ACTION_STOP] = "Stopped",
        [MVM_ACTION_RESTART] = "Restarted",
      };
      g_autofree char *text = g_strdup_printf ("%s %s", done[action->action], action->name);
      mvm_window_show_toast (MVM_WINDOW (window), text);
    }
}

static void
run_action (MvmApplication *app, MvmAction action, const char *name)
{
  g_autoptr (GTask) task = g_task_new (app, NULL, on_action_done, NULL);
  ActionData *data = g_new0 (ActionData, 1);

  data->action = action;
  data->name = g_strdup (name);
  g_task_set_task_data (task, data, action_data_free);
  if (action != MVM_ACTION_START)
    g_hash_table_add (app->stopping, g_strdup (name));
  g_task_run_in_thread (task, run_action_in_thread);
}

static void
on_window_action (MvmWindow *window, int action, const char *name, gpointer data)
{
  run_action (MVM_APPLICATION (data), (MvmAction) action, name);
}

/* A VM that fails, or stops without this app asking, is said by a
 * notification: it may run in the background with no window open. */
static void
on_state_changed (MvmVmList *vms, const char *name, int old_state, int new_state, gpointer data)
{
  MvmApplication *app = data;
  g_autoptr (GNotification) notification = NULL;
  g_autofree char *title = NULL;
  g_autofree char *id = g_strdup_printf ("vm-%s", name);
  gboolean was_running = old_state == MVM_VM_RUNNING || old_state == MVM_VM_STALE;

  if (new_state == MVM_VM_FAILED)
    title = g_strdup_printf ("The VM %s failed", name);
  else if (was_running && new_state == MVM_VM_STOPPED &&
           !g_hash_table_contains (app->stopping, name))
    title = g_strdup_printf ("The VM %s stopped", name);
  else
    return;
  notification = g_notification_new (title);
  g_notification_set_body (notification, "Its log may say why: open MicroVMs and choose Logs.");
  g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
  g_application_send_notification (G_APPLICATION (app), id, notification);
}

static void
on_quit (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  g_application_quit (G_APPLICATION (data));
}

static void
on_about (GSimpleAction *action, GVariant *parameter, gpointer data)
{
  GtkApplication *app = GTK_APPLICATION (data);
  GtkWidget *about = adw_about_window_new ();

  g_object_set (about, "application-name", "MicroVMs", "application-icon", MVM_APP_ID, "version",
                MVM_VERSION, "comments", "See, start and stop your microVMs", "license-type",
                GTK_LICENSE_LGPL_2_1, "transient-for", gtk_application_get_active_window (app),
                NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
mvm_application_startup (GApplication *application)
{
  MvmApplication *app = MVM_APPLICATION (application);
  static const GActionEntry actions[] = {
    { "quit", on_quit, NULL, NULL, NULL },
    { "about", on_about, NULL, NULL, NULL },
  };
  static const char *quit_accels[] = { "<Control>q", NULL };
  g_autoptr (GDBusConnection) bus = NULL;

  G_APPLICATION_CLASS (mvm_application_parent_class)->startup (application);
  g_action_map_add_action_entries (G_ACTION_MAP (app), actions, G_N_ELEMENTS (actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);

  app->vms = mvm_vm_list_new ();
  g_signal_connect (app->vms, "state-changed", G_CALLBACK (on_state_changed), app);
  /* The systemd user manager is on the session bus (/run/user/UID/bus). */
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  app->watch = mvm_watch_new (app->vms, bus);
}

static void
mvm_application_activate (GApplication *application)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (application));

  if (window == NULL)
    {
      MvmApplication *app = MVM_APPLICATION (application);
      window = GTK_WINDOW (mvm_window_new (GTK_APPLICATION (app), app->vms));
      g_signal_connect (window, "action", G_CALLBACK (on_window_action), app);
    }
  gtk_window_present (window);
}

static void
mvm_application_shutdown (GApplication *application)
{
  MvmApplication *app = MVM_APPLICATION (application);

  g_clear_pointer (&app->watch, mvm_watch_free);
  G_APPLICATION_CLASS (mvm_application_parent_class)->shutdown (application);
}

static void
mvm_application_finalize (GObject *object)
{
  MvmApplication *app = MVM_APPLICATION (object);

  g_clear_object (&app->vms);
  g_hash_table_unref (app->stopping);
  G_OBJECT_CLASS (mvm_application_parent_class)->finalize (object);
}

static int
mvm_application_handle_local_options (GApplication *application, GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("microvms %s\n", MVM_VERSION);
      return 0;
    }
  return -1;
}

static void
mvm_application_class_init (MvmApplicationClass *klass)
{
  G_APPLICATION_CLASS (klass)->handle_local_options = mvm_application_handle_local_options;
  G_OBJECT_CLASS (klass)->finalize = mvm_application_finalize;
  G_APPLICATION_CLASS (klass)->startup = mvm_application_startup;
  G_APPLICATION_CLASS (klass)->activate = mvm_application_activate;
  G_APPLICATION_CLASS (klass)->shutdown = mvm_application_shutdown;
}

static void
mvm_application_init (MvmApplication *app)
{
  app->stopping = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_application_add_main_option (G_APPLICATION (app), "version", 0, G_OPTION_FLAG_NONE,
                                 G_OPTION_ARG_NONE, "Print the version and exit", NULL);
  g_application_set_option_context_summary (
    G_APPLICATION (app), "MicroVMs: see, start and stop the microVMs microvm-user runs for you.");
}

MvmApplication *
mvm_application_new (void)
{
  return g_object_new (MVM_TYPE_APPLICATION, "application-id", MVM_APP_ID, "flags",
                       G_APPLICATION_DEFAULT_FLAGS, NULL);
}
