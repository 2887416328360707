/* Unit tests of the desktop app's model (desktop/mvm-vm*.c, mvm-watch.c)
 * against a state directory made here: the VM list, its states and what
 * it shows of each VM, the signals a change gives, and the file watch
 * that reloads it without polling.  GIO only: no display needed. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mu-state.h"
#include "mu-tap-hold.h"
#include "mvm-vm-list.h"
#include "mvm-watch.h"

static char *scratch;

/* A runner with a hypervisor, taps and a system link. */
static char *
make_runner (const char *name, const char *system)
{
  g_autofree char *dir = g_build_filename (scratch, "runners", name, NULL);
  g_autofree char *bin = g_build_filename (dir, "bin", NULL);
  g_autofree char *share = g_build_filename (dir, "share", "microvm", NULL);
  g_autofree char *run = g_build_filename (bin, "microvm-run", NULL);
  g_autofree char *hypervisor = g_build_filename (share, "hypervisor", NULL);
  g_autofree char *taps = g_build_filename (share, "tap-interfaces", NULL);
  g_autofree char *system_link = g_build_filename (share, "system", NULL);

  g_assert_cmpint (g_mkdir_with_parents (bin, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (share, 0755), ==, 0);
  g_assert_true (g_file_set_contents (run, "#!/bin/sh\nexit 0\n", -1, NULL));
  g_assert_cmpint (g_chmod (run, 0755), ==, 0);
  g_assert_true (g_file_set_contents (hypervisor, "cloud-hypervisor\n", -1, NULL));
  g_assert_true (g_file_set_contents (taps, "vm-a\nvm-b\n", -1, NULL));
  g_assert_cmpint (symlink (system, system_link), ==, 0);
  return g_steal_pointer (&dir);
}

static void
install (const char *name, const char *runner)
{
  g_autoptr (MuVmState) state = mu_vm_state_new (name);

  g_assert_true (mu_vm_state_prepare (state, NULL));
  g_assert_true (mu_vm_state_set_link (state, "current", runner, NULL));
}

/* What a run does when its hypervisor starts: lock, held taps, booted. */
static MuVmState *
fake_run (const char *name, const char *booted)
{
  MuVmState *state = mu_vm_state_new (name);
  g_autoptr (GPtrArray) taps = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (taps, "vm-a");
  g_ptr_array_add (taps, "vm-b");
  g_assert_true (mu_tap_hold_claim (state, taps, &error));
  g_assert_no_error (error);
  g_assert_true (mu_vm_state_set_link (state, "booted", booted, NULL));
  return state;
}

static void
fake_stop (MuVmState *state)
{
  mu_vm_state_remove_link (state, "booted");
  mu_tap_hold_release (state);
  mu_vm_state_free (state);
}

static void
remove_all_vms (void)
{
  g_autofree char *root = mu_state_root ();
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", root);

  g_assert_cmpint (system (command), ==, 0);
}

typedef struct {
  guint items_changed;
  guint position, removed, added;
  GPtrArray *changes; /* "name:old>new" */
} Seen;

static void
on_items_changed (GListModel *model, guint position, guint removed, guint added, gpointer data)
{
  Seen *seen = data;

  seen->items_changed++;
  seen->position = position;
  seen->removed = removed;
  seen->added = added;
}

static void
on_state_changed (MvmVmList *list, const char *name, int from, int to, gpointer data)
{
  Seen *seen = data;

  g_ptr_array_add (seen->changes, g_strdup_printf ("%s:%s>%s", name, mvm_vm_state_to_string (from),
                                                   mvm_vm_state_to_string (to)));
}

static MvmVm *
item (MvmVmList *list, guint position)
{
  /* The list keeps a reference; the test's is dropped at once. */
  MvmVm *vm = g_list_model_get_item (G_LIST_MODEL (list), position);

  g_object_unref (vm);
  return vm;
}

static void
test_states (void)
{
  g_autofree char *runner = make_runner ("states", "/nix/store/aaa-nixos-system");
  g_autofree char *rebuilt = make_runner ("states-rebuilt", "/nix/store/bbb-nixos-system");
  g_autoptr (MvmVmList) list = mvm_vm_list_new ();
  Seen seen = { .changes = g_ptr_array_new_with_free_func (g_free) };
  MuVmState *run;
  MvmVm *web;
  g_autofree char *line = NULL;
  g_autofree char *uptime = NULL;

  remove_all_vms ();
  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed), &seen);
  g_signal_connect (list, "state-changed", G_CALLBACK (on_state_changed), &seen);
  mvm_vm_list_reload (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  g_assert_cmpuint (seen.items_changed, ==, 0);

  /* Two installed VMs, stopped: sorted by name, nothing held. */
  install ("web", runner);
  install ("db", runner);
  mvm_vm_list_reload (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);
  g_assert_cmpuint (seen.items_changed, ==, 1);
  g_assert_cmpuint (seen.added, ==, 2);
  web = item (list, 1);
  g_assert_cmpstr (mvm_vm_get_name (item (list, 0)), ==, "db");
  g_assert_cmpstr (mvm_vm_get_name (web), ==, "web");
  g_assert_cmpint (mvm_vm_get_state (web), ==, MVM_VM_STOPPED);
  g_assert_cmpstr (mvm_vm_get_hypervisor (web), ==, "cloud-hypervisor");
  g_assert_cmpstr (mvm_vm_get_runner (web), ==, runner);
  g_assert_cmpstr (mvm_vm_get_taps (web), ==, "");
  g_assert_cmpint (mvm_vm_get_booted_at (web), ==, 0);
  g_assert_null (mvm_vm_format_uptime (web, 1000));
  g_assert_cmpuint (seen.changes->len, ==, 0);

  /* web runs: only its row changes, and the change is signalled. */
  run = fake_run ("web", runner);
  mvm_vm_list_reload (list);
  g_assert_cmpuint (seen.items_changed, ==, 2);
  g_assert_cmpuint (seen.position, ==, 1);
  g_assert_cmpuint (seen.removed, ==, 1);
  g_assert_cmpuint (seen.added, ==, 1);
  g_assert_cmpuint (seen.changes->len, ==, 1);
  g_assert_cmpstr (seen.changes->pdata[0], ==, "web:stopped>running");
  web = item (list, 1);
  g_assert_cmpint (mvm_vm_get_state (web), ==, MVM_VM_RUNNING);
  g_assert_true (mvm_vm_is_running (web));
  g_assert_cmpstr (mvm_vm_get_taps (web), ==, "vm-a, vm-b");
  g_assert_cmpint (ABS (mvm_vm_get_booted_at (web) - g_get_real_time () / G_USEC_PER_SEC), <=, 5);
  uptime = mvm_vm_format_uptime (web, mvm_vm_get_booted_at (web) + 3 * 3600 + 4 * 60 + 5);
  g_assert_cmpstr (uptime, ==, "3 h 04 min");
  line = mvm_vm_describe (web, mvm_vm_get_booted_at (web) + 42);
  g_assert_cmpstr (line, ==, "running · cloud-hypervisor · vm-a, vm-b · up 42 s");

  /* Nothing changed: no signal at all. */
  mvm_vm_list_reload (list);
  g_assert_cmpuint (seen.items_changed, ==, 2);

  /* `current` re-pointed to a rebuilt system while it runs: stale. */
  install ("web", rebuilt);
  mvm_vm_list_reload (list);
  g_assert_cmpint (mvm_vm_get_state (item (list, 1)), ==, MVM_VM_STALE);
  g_assert_cmpstr (seen.changes->pdata[1], ==, "web:running>stale");

  /* It stops, and its unit says it failed. */
  mvm_vm_list_set_unit_state (list, "web", "failed");
  fake_stop (run);
  mvm_vm_list_reload (list);
  web = item (list, 1);
  g_assert_cmpint (mvm_vm_get_state (web), ==, MVM_VM_FAILED);
  g_assert_cmpstr (seen.changes->pdata[2], ==, "web:stale>failed");
  g_assert_cmpstr (mvm_vm_get_taps (web), ==, "");
  g_assert_null (mvm_vm_format_uptime (web, 1000));

  /* Started again by its unit: the unit state does not hide that it runs. */
  mvm_vm_list_set_unit_state (list, "web", "active");
  run = fake_run ("web", rebuilt);
  mvm_vm_list_reload (list);
  g_assert_cmpint (mvm_vm_get_state (item (list, 1)), ==, MVM_VM_RUNNING);
  fake_stop (run);

  /* db is removed: its row goes. */
  {
    g_autofree char *root = mu_state_root ();
    g_autofree char *command = g_strdup_printf ("rm -rf '%s/db'", root);
    g_assert_cmpint (system (command), ==, 0);
  }
  mvm_vm_list_reload (list);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
  g_assert_cmpuint (seen.position, ==, 0);
  g_assert_nonnull (mvm_vm_list_lookup (list, "web"));
  g_assert_null (mvm_vm_list_lookup (list, "db"));
  g_ptr_array_unref (seen.changes);
}

/* A VM whose runner is gone still shows, and says so. */
static void
test_runner_gone (void)
{
  g_autoptr (MvmVmList) list = mvm_vm_list_new ();
  g_autofree char *gone = g_build_filename (scratch, "runners", "gone", NULL);
  g_autofree char *line = NULL;

  remove_all_vms ();
  install ("old", gone);
  {
    g_autoptr (MuVmState) state = mu_vm_state_new ("oneoff");
    g_assert_true (mu_vm_state_prepare (state, NULL));
  }
  mvm_vm_list_reload (list);
  line = mvm_vm_describe (item (list, 0), 0);
  g_assert_cmpstr (line, ==, "stopped · runner unreadable");
  g_free (line);
  line = mvm_vm_describe (item (list, 1), 0);
  g_assert_cmpstr (line, ==, "stopped · no runner recorded");
}

static void
test_uptime_format (void)
{
  g_autofree char *runner = make_runner ("uptime", "/nix/store/ccc-nixos-system");
  g_autoptr (MvmVmList) list = mvm_vm_list_new ();
  MuVmState *run;
  MvmVm *vm;
  static const struct {
    gint64 seconds;
    const char *text;
  } cases[] = {
    { 0, "0 s" },
    { 59, "59 s" },
    { 60, "1 min" },
    { 3599, "59 min" },
    { 3600, "1 h 00 min" },
    { 86399, "23 h 59 min" },
    { 86400, "1 d 0 h" },
    { 200000, "2 d 7 h" },
    /* A clock set back must not show a negative uptime. */
    { -30, "0 s" },
  };

  remove_all_vms ();
  install ("up", runner);
  run = fake_run ("up", runner);
  mvm_vm_list_reload (list);
  vm = item (list, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text =
        mvm_vm_format_uptime (vm, mvm_vm_get_booted_at (vm) + cases[i].seconds);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
  fake_stop (run);
}

static void
test_unit_paths (void)
{
  static const struct {
    const char *path;
    const char *name;
  } cases[] = {
    { "/org/freedesktop/systemd1/unit/microvm_40web_2eservice", "web" },
    { "/org/freedesktop/systemd1/unit/microvm_40my_2dvm_2e2_2eservice", "my-vm.2" },
    { "/org/freedesktop/systemd1/unit/microvm_2eservice", NULL },
    { "/org/freedesktop/systemd1/unit/microvm_40_2eservice", NULL },
    { "/org/freedesktop/systemd1/unit/dbus_2eservice", NULL },
    { "/org/freedesktop/systemd1/unit/microvm_40web_2esocket", NULL },
    { "/org/freedesktop/systemd1", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = mvm_watch_vm_of_unit_path (cases[i].path);
      g_assert_cmpstr (name, ==, cases[i].name);
    }
}

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits until @list has @n items, the main loop running the watch. */
static void
wait_for_items (MvmVmList *list, guint n)
{
  gboolean timed_out = FALSE;
  guint timeout = g_timeout_add_seconds (10, on_timeout, &timed_out);

  while (g_list_model_get_n_items (G_LIST_MODEL (list)) != n && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (timeout);
}

static void
wait_for_state (MvmVmList *list, const char *name, MvmVmState state)
{
  gboolean timed_out = FALSE;
  guint timeout = g_timeout_add_seconds (10, on_timeout, &timed_out);

  while (!timed_out)
    {
      MvmVm *vm = mvm_vm_list_lookup (list, name);
      if (vm != NULL && mvm_vm_get_state (vm) == state)
        break;
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_false (timed_out);
  g_source_remove (timeout);
}

/* The watch reloads on its own when a VM appears, starts, stops and goes;
 * no bus here, so the files alone must tell. */
static void
test_watch (void)
{
  g_autofree char *runner = make_runner ("watch", "/nix/store/ddd-nixos-system");
  g_autoptr (MvmVmList) list = mvm_vm_list_new ();
  g_autoptr (MvmWatch) watch = NULL;
  MuVmState *run;

  remove_all_vms ();
  watch = mvm_watch_new (list, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  install ("seen", runner);
  wait_for_items (list, 1);
  run = fake_run ("seen", runner);
  wait_for_state (list, "seen", MVM_VM_RUNNING);
  fake_stop (run);
  wait_for_state (list, "seen", MVM_VM_STOPPED);
  {
    g_autofree char *root = mu_state_root ();
    g_autofree char *command = g_strdup_printf ("rm -rf '%s/seen'", root);
    g_assert_cmpint (system (command), ==, 0);
  }
  wait_for_items (list, 0);
}

int
main (int argc, char **argv)
{
  g_autofree char *state_home = NULL;
  int status;

  scratch = g_dir_make_tmp ("test-vm-model-XXXXXX", NULL);
  g_assert_nonnull (scratch);
  /* Before GLib reads it (g_get_user_state_dir caches it). */
  state_home = g_build_filename (scratch, "state", NULL);
  g_setenv ("XDG_STATE_HOME", state_home, TRUE);
  g_setenv ("XDG_RUNTIME_DIR", scratch, TRUE);

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vm-model/states", test_states);
  g_test_add_func ("/vm-model/runner-gone", test_runner_gone);
  g_test_add_func ("/vm-model/uptime-format", test_uptime_format);
  g_test_add_func ("/vm-model/unit-paths", test_unit_paths);
  g_test_add_func ("/vm-model/watch", test_watch);
  status = g_test_run ();
  {
    g_autofree char *command = g_strdup_printf ("rm -rf '%s'", scratch);
    if (system (command) != 0)
      g_printerr ("could not remove %s\n", scratch);
  }
  return status;
}
