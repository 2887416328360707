/* Change notification for the VM list; see mvm-watch.h. */
#include "mvm-watch.h"

#include <string.h>

#include "mu-state.h"

#define UNIT_PATH_PREFIX "/org/freedesktop/systemd1/unit/"
/* Events of one change (a run writes several files) become one reload. */
#define RELOAD_DELAY_MS 150

struct _MvmWatch {
  MvmVmList *list;
  GDBusConnection *bus;
  GFileMonitor *root_monitor;
  GHashTable *vm_monitors; /* name -> GFileMonitor */
  guint unit_signal;
  guint reload_source;
};

static void watch_vm_directories (MvmWatch *watch);

static gboolean
on_reload_due (gpointer data)
{
  MvmWatch *watch = data;

  watch->reload_source = 0;
  watch_vm_directories (watch);
  mvm_vm_list_reload (watch->list);
  return G_SOURCE_REMOVE;
}

static void
schedule_reload (MvmWatch *watch)
{
  if (watch->reload_source == 0)
    watch->reload_source = g_timeout_add (RELOAD_DELAY_MS, on_reload_due, watch);
}

static void
on_file_changed (GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event,
                 gpointer data)
{
  schedule_reload (data);
}

static GFileMonitor *
monitor_directory (MvmWatch *watch, const char *path)
{
  g_autoptr (GFile) directory = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;
  GFileMonitor *monitor =
    g_file_monitor_directory (directory, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);

  if (monitor == NULL)
    {
      g_warning ("cannot watch %s for changes: %s", path, error->message);
      return NULL;
    }
  g_signal_connect (monitor, "changed", G_CALLBACK (on_file_changed), watch);
  return monitor;
}

/* One monitor per VM directory there is now. */
static void
watch_vm_directories (MvmWatch *watch)
{
  g_autoptr (GPtrArray) names = mu_state_list_names ();
  g_autofree char *root = mu_state_root ();
  g_autoptr (GHashTable) monitors =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      gpointer monitor = NULL;
      char *key = NULL;

      if (g_hash_table_steal_extended (watch->vm_monitors, name, (gpointer *) &key, &monitor))
        g_free (key);
      else
        {
          g_autofree char *path = g_build_filename (root, name, NULL);
          monitor = monitor_directory (watch, path);
        }
      if (monitor != NULL)
        g_hash_table_insert (monitors, g_strdup (name), monitor);
    }
  /* Those left are of VMs that are gone. */
  g_hash_table_unref (watch->vm_monitors);
  watch->vm_monitors = g_steal_pointer (&monitors);
}

char *
mvm_watch_vm_of_unit_path (const char *object_path)
{
  static const char prefix[] = "microvm@";
  static const char suffix[] = ".service";
  g_autoptr (GString) unit = g_string_new (NULL);
  const char *p;
  gsize length;

  if (!g_str_has_prefix (object_path, UNIT_PATH_PREFIX))
    return NULL;
  /* systemd escapes every byte but [A-Za-z0-9] as _XX. */
  for (p = object_path + strlen (UNIT_PATH_PREFIX); *p != '\0'; p++)
    {
      if (*p == '_' && g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]))
        {
          g_string_append_c (
            unit, (char) (g_ascii_xdigit_value (p[1]) * 16 + g_ascii_xdigit_value (p[2])));
          p += 2;
        }
      else
        g_string_append_c (unit, *p);
    }
  length = unit->len;
  if (!g_str_has_prefix (unit->str, prefix) || !g_str_has_suffix (unit->str, suffix) ||
      length <= strlen (prefix) + strlen (suffix))
    return NULL;
  return g_strndup (unit->str + strlen (prefix), length - strlen (prefix) - strlen (suffix));
}

static void
on_unit_properties_changed (GDBusConnection *bus, const char *sender, const char *path,
                            const char *interface, const char *signal, GVariant *parameters,
                            gpointer data)
{
  MvmWatch *watch = data;
  g_autofree char *name = mvm_watch_vm_of_unit_path (path);
  g_autoptr (GVariant) changed = NULL;
  const char *unit_interface = NULL;
  const char *active_state = NULL;

  if (name == NULL || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sa{sv}as)")))
    return;
  g_variant_get (parameters, "(&s@a{sv}@as)", &unit_interface, &changed, NULL);
  if (g_variant_lookup (changed, "ActiveState", "&s", &active_state))
    mvm_vm_list_set_unit_state (watch->list, name, active_state);
  schedule_reload (watch);
}

/* The states of the units there are now; later ones come as signals. */
static void
read_unit_states (MvmWatch *watch)
{
  const char *patterns[] = { "microvm@*.service", NULL };
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariantIter) units = NULL;
  const char *unit = NULL;
  const char *active = NULL;

  reply = g_dbus_connection_call_sync (
    watch->bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
    "org.freedesktop.systemd1.Manager", "ListUnitsByPatterns",
    g_variant_new ("(^as^as)", (const char *const[]){ NULL }, patterns),
    G_VARIANT_TYPE ("(a(ssssssouso))"), G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000, NULL, NULL);
  if (reply == NULL)
    return;
  g_variant_get (reply, "(a(ssssssouso))", &units);
  while (g_variant_iter_next (units, "(&s&s&s&s&s&s&ou&s&o)", &unit, NULL, NULL, &active, NULL,
                              NULL, NULL, NULL, NULL, NULL))
    {
      g_autofree char *name = NULL;

      if (!g_str_has_prefix (unit, "microvm@") || !g_str_has_suffix (unit, ".service"))
        continue;
      name = g_strndup (unit + strlen ("microvm@"),
                        strlen (unit) - strlen ("microvm@") - strlen (".service"));
      mvm_vm_list_set_unit_state (watch->list, name, active);
    }
}

static void
watch_user_manager (MvmWatch *watch)
{
  g_autoptr (GVariant) reply = NULL;

  /* Without Subscribe the manager sends unit signals to nobody. */
  reply = g_dbus_connection_call_sync (watch->bus, "org.freedesktop.systemd1",
                                       "/org/freedesktop/systemd1",
                                       "org.freedesktop.systemd1.Manager", "Subscribe", NULL, NULL,
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000, NULL, NULL);
  if (reply == NULL)
    return; /* no user manager on this bus: files only */
  watch->unit_signal = g_dbus_connection_signal_subscribe (
    watch->bus, "org.freedesktop.systemd1", "org.freedesktop.DBus.Properties", "PropertiesChanged",
    NULL, "org.freedesktop.systemd1.Unit", G_DBUS_SIGNAL_FLAGS_MATCH_ARG0_NAMESPACE,
    on_unit_properties_changed, watch, NULL);
  read_unit_states (watch);
}

MvmWatch *
mvm_watch_new (MvmVmList *list, GDBusConnection *bus)
{
  MvmWatch *watch = g_new0 (MvmWatch, 1);
  g_autofree char *root = mu_state_root ();

  watch->list = g_object_ref (list);
  watch->vm_monitors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  /* The root must exist to be watched; `run` would create it anyway. */
  g_mkdir_with_parents (root, 0700);
  watch->root_monitor = monitor_directory (watch, root);
  if (bus != NULL)
    {
      watch->bus = g_object_ref (bus);
      watch_user_manager (watch);
    }
  watch_vm_directories (watch);
  mvm_vm_list_reload (list);
  return watch;
}

void
mvm_watch_free (MvmWatch *watch)
{
  if (watch == NULL)
    return;
  if (watch->unit_signal != 0)
    g_dbus_connection_signal_unsubscribe (watch->bus, watch->unit_signal);
  g_clear_handle_id (&watch->reload_source, g_source_remove);
  g_clear_object (&watch->bus);
  /* Monitors are cancelled when freed; no event may reach @watch after. */
  if (watch->root_monitor != NULL)
    g_signal_handlers_disconnect_by_data (watch->root_monitor, watch);
  g_clear_object (&watch->root_monitor);
  {
    GHashTableIter iter;
    gpointer monitor;
    g_hash_table_iter_init (&iter, watch->vm_monitors);
    while (g_hash_table_iter_next (&iter, NULL, &monitor))
      g_signal_handlers_disconnect_by_data (monitor, watch);
  }
  g_hash_table_unref (watch->vm_monitors);
  g_object_unref (watch->list);
  g_free (watch);
}
