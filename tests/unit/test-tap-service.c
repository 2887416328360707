/* The tap service's logic against an in-memory kernel: rollback, leases,
 * reconcile, ownership.  The same paths run against the real kernel in the
 * integration tests; here the failures can be placed exactly. */
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "mh-error.h"
#include "mh-fake-tap-backend.h"
#include "mh-tap-request.h"
#include "mh-tap-service.h"

typedef struct {
  char *dir;
  MhConfig *config;
  MhTapBackend *backend; /* owned by the service */
  MhLeases *leases;
  MhTapService *service;
  MhCaller *alice;
  MhCaller *bob;
  GAsyncResult *result;
} Fixture;

static void
on_vanished (const char *name, gpointer user_data)
{
  Fixture *f = user_data;
  mh_tap_service_release_lease (f->service, name);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("mh-service-XXXXXX", NULL);
  path = g_build_filename (f->dir, "taps.registry", NULL);
  f->config = mh_config_new_default ();
  f->backend = mh_fake_tap_backend_new ();
  f->leases = mh_leases_new (NULL, "bus-test", on_vanished, f);
  f->service = mh_tap_service_new (f->config, mh_tap_registry_new (path), f->backend, f->leases);
  f->alice = mh_caller_new (":1.10", 1000, 10);
  f->bob = mh_caller_new (":1.20", 1001, 20);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "taps.registry", NULL);

  mh_tap_service_free (f->service);
  mh_leases_free (f->leases);
  mh_config_free (f->config);
  mh_caller_free (f->alice);
  mh_caller_free (f->bob);
  g_unlink (path);
  g_rmdir (f->dir);
  g_free (f->dir);
}

static void
on_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fixture *f = user_data;
  f->result = g_object_ref (result);
}

static GAsyncResult *
wait_result (Fixture *f)
{
  while (f->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return f->result;
}

static void
wait_idle (Fixture *f)
{
  while (!mh_tap_service_is_idle (f->service))
    g_main_context_iteration (NULL, TRUE);
}

static GPtrArray *
requests_from (const char *text)
{
  g_autoptr (GVariant) taps =
    g_variant_parse (G_VARIANT_TYPE ("a(sa{sv})"), text, NULL, NULL, NULL);
  g_autoptr (GError) error = NULL;
  GPtrArray *requests;

  g_assert_nonnull (taps);
  requests = mh_tap_request_parse_batch (taps, &error);
  g_assert_no_error (error);
  return requests;
}

static GPtrArray *
create (Fixture *f, MhCaller *caller, const char *text, GError **error)
{
  g_autoptr (GPtrArray) requests = requests_from (text);
  g_autoptr (GAsyncResult) result = NULL;

  f->result = NULL;
  mh_tap_service_create_async (f->service, caller, requests, on_done, f);
  result = wait_result (f);
  return mh_tap_service_create_finish (f->service, result, error);
}

static gboolean delete (Fixture *f, MhCaller *caller, const char *name, gboolean as_admin,
                        GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  f->result = NULL;
  mh_tap_service_delete_async (f->service, caller, name, as_admin, on_done, f);
  result = wait_result (f);
  return mh_tap_service_delete_finish (f->service, result, error);
}

static MhTapRegistry *
registry (Fixture *f)
{
  return mh_tap_service_get_registry (f->service);
}

static void
test_create_reuse_delete (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) first = create (f, f->alice, "[('vm-a', {'multi_queue': <true>})]", &error);
  g_autoptr (GPtrArray) again = NULL;
  MhTapResult *one;

  g_assert_no_error (error);
  one = first->pdata[0];
  g_assert_false (one->reused);
  g_assert_true (mh_fake_tap_backend_has (f->backend, "vm-a"));
  g_assert_cmpint (mh_tap_registry_lookup (registry (f), "vm-a")->state, ==, MH_TAP_STATE_READY);

  again = create (f, f->alice, "[('vm-a', {'multi_queue': <true>})]", &error);
  g_assert_no_error (error);
  g_assert_true (((MhTapResult *) again->pdata[0])->reused);
  g_assert_cmpint (((MhTapResult *) again->pdata[0])->ifindex, ==, one->ifindex);
  g_assert_cmpuint (mh_fake_tap_backend_n_creates (f->backend), ==, 1);

  g_assert_false (delete (f, f->bob, "vm-a", FALSE, &error));
  g_assert_error (error, MH_ERROR, MH_ERROR_REFUSED);
  g_clear_error (&error);
  g_assert_true (delete (f, f->bob, "vm-a", TRUE, &error)); /* manage-all */
  g_assert_no_error (error);
  g_assert_false (mh_fake_tap_backend_has (f->backend, "vm-a"));
  g_assert_null (mh_tap_registry_lookup (registry (f), "vm-a"));
}

static void
test_batch_rollback (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  G_GNUC_UNUSED g_autoptr (GPtrArray) kept =
    create (f, f->alice, "[('vm-kept', @a{sv} {})]", &error);
  g_autoptr (GPtrArray) failed = NULL;

  g_assert_no_error (error);
  mh_fake_tap_backend_fail_create (f->backend, "vm-3", EIO);
  failed = create (f, f->alice,
                   "[('vm-1', @a{sv} {}), ('vm-kept', @a{sv} {}), ('vm-2', @a{sv} {}), "
                   "('vm-3', @a{sv} {}), ('vm-4', @a{sv} {})]",
                   &error);
  g_assert_null (failed);
  g_assert_error (error, MH_ERROR, MH_ERROR_FAILED);
  g_assert_true (g_str_has_prefix (error->message, "vm-3: "));
  /* What this call made is gone; what existed before stays. */
  g_assert_false (mh_fake_tap_backend_has (f->backend, "vm-1"));
  g_assert_false (mh_fake_tap_backend_has (f->backend, "vm-2"));
  g_assert_false (mh_fake_tap_backend_has (f->backend, "vm-4"));
  g_assert_true (mh_fake_tap_backend_has (f->backend, "vm-kept"));
  g_assert_cmpuint (mh_tap_registry_count (registry (f)), ==, 1);
  g_assert_false (mh_tap_registry_lookup (registry (f), "vm-kept")->busy);
}

static void
test_existing_interface_in_batch (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) failed = NULL;

  mh_fake_tap_backend_add (f->backend, "eth0", FALSE, -1);
  failed = create (f, f->alice, "[('vm-1', @a{sv} {}), ('eth0', @a{sv} {})]", &error);
  g_assert_null (failed);
  g_assert_error (error, MH_ERROR, MH_ERROR_BUSY);
  g_assert_true (g_str_has_prefix (error->message, "eth0: "));
  g_assert_false (mh_fake_tap_backend_has (f->backend, "vm-1"));
  g_assert_true (mh_fake_tap_backend_has (f->backend, "eth0"));
  g_assert_cmpuint (mh_tap_registry_count (registry (f)), ==, 0);
}

static void
test_checks_before_work (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  G_GNUC_UNUSED g_autoptr (GPtrArray) bobs = create (f, f->bob, "[('vm-bob', @a{sv} {})]", &error);
  g_autoptr (GPtrArray) taken = NULL;
  g_autoptr (GPtrArray) over = NULL;
  g_autoptr (GPtrArray) requests = requests_from ("[('vm-x', @a{sv} {}), ('vm-bob', @a{sv} {})]");

  g_assert_no_error (error);
  g_assert_false (mh_tap_service_check_create (f->service, f->alice->uid, requests, &error));
  g_assert_error (error, MH_ERROR, MH_ERROR_BUSY);
  g_clear_error (&error);
  taken = create (f, f->alice, "[('vm-x', @a{sv} {}), ('vm-bob', @a{sv} {})]", &error);
  g_assert_null (taken);
  g_assert_error (error, MH_ERROR, MH_ERROR_BUSY);
  g_clear_error (&error);
  g_assert_cmpuint (mh_fake_tap_backend_n_creates (f->backend), ==, 1);

  f->config->max_taps_per_user = 1;
  over = create (f, f->bob, "[('vm-bob2', @a{sv} {})]", &error);
  g_assert_null (over);
  g_assert_error (error, MH_ERROR, MH_ERROR_LIMIT_EXCEEDED);
}

/* A bridged tap: refused before any kernel work when the administrator
 * has not allowed the bridge, when it is missing or not a bridge, or when
 * its MTU would move the bridge's; made with the bridge's MTU otherwise,
 * and reused only on the same bridge. */
static void
test_bridges (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) made = NULL;
  g_autoptr (GPtrArray) again = NULL;
  struct {
    const char *batch;
    int code;
    const char *part;
  } refused[] = {
    { "[('vm-a', {'bridge': <'br-no'>})]", MH_ERROR_REFUSED, "AllowedBridges=" },
    { "[('vm-a', {'bridge': <'br-gone'>})]", MH_ERROR_NOT_FOUND, "does not exist" },
    { "[('vm-a', {'bridge': <'eth0'>})]", MH_ERROR_REFUSED, "eth0 is not a bridge" },
    { "[('vm-a', @a{sv} {}), ('vm-b', {'bridge': <'br0'>, 'mtu': <uint32 1500>})]",
      MH_ERROR_REFUSED, "vm-b: MTU 1500 differs from the MTU 9000 of the bridge br0" },
  };
  MhTapKernelInfo info;

  mh_fake_tap_backend_add_bridge (f->backend, "br0", 9000);
  mh_fake_tap_backend_add_bridge (f->backend, "br-no", 1500);
  mh_fake_tap_backend_add (f->backend, "eth0", FALSE, -1);
  f->config->allowed_bridges = g_strsplit ("br0;br-gone;eth0", ";", -1);
  for (guint i = 0; f->config->allowed_bridges[i] != NULL; i++)
    g_ptr_array_add (f->config->allowed_bridge_specs,
                     g_pattern_spec_new (f->config->allowed_bridges[i]));

  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr (GPtrArray) none = create (f, f->alice, refused[i].batch, &error);

      g_assert_null (none);
      g_assert_error (error, MH_ERROR, refused[i].code);
      if (strstr (error->message, refused[i].part) == NULL)
        g_error ("\"%s\" lacks \"%s\"", error->message, refused[i].part);
      g_clear_error (&error);
    }
  g_assert_cmpuint (mh_fake_tap_backend_n_creates (f->backend), ==, 0);
  g_assert_cmpuint (mh_tap_registry_count (registry (f)), ==, 0);

  made = create (f, f->alice, "[('vm-a', {'bridge': <'br0'>}), ('vm-b', @a{sv} {})]", &error);
  g_assert_no_error (error);
  g_assert_true (f->backend->lookup (f->backend, "vm-a", &info, NULL));
  g_assert_cmpstr (info.master, ==, "br0");
  g_assert_cmpuint (info.mtu, ==, 9000);
  g_assert_cmpuint (mh_tap_registry_lookup (registry (f), "vm-a")->mtu, ==, 9000);
  g_assert_true (f->backend->lookup (f->backend, "vm-b", &info, NULL));
  g_assert_cmpint (info.master_ifindex, ==, 0);

  again = create (f, f->alice, "[('vm-a', @a{sv} {})]", &error);
  g_assert_null (again);
  g_assert_error (error, MH_ERROR, MH_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "exists on the bridge br0 with MTU 9000"));
}

static void
test_registry_unwritable (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) failed = NULL;

  /* Point the service at a registry it cannot write. */
  mh_tap_service_free (f->service);
  f->backend = mh_fake_tap_backend_new ();
  f->service = mh_tap_service_new (
    f->config, mh_tap_registry_new ("/nonexistent/dir/taps.registry"), f->backend, f->leases);
  failed = create (f, f->alice, "[('vm-a', @a{sv} {})]", &error);
  g_assert_null (failed);
  g_assert_error (error, MH_ERROR, MH_ERROR_FAILED);
  g_assert_true (g_str_has_prefix (error->message, "nothing was created: "));
  g_assert_cmpuint (mh_fake_tap_backend_n_creates (f->backend), ==, 0);
  g_assert_cmpuint (mh_tap_registry_count (registry (f)), ==, 0);
}

static void
test_lease_release (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  G_GNUC_UNUSED g_autoptr (GPtrArray) leased = create (
    f, f->alice,
    "[('vm-l1', {'release_on_disconnect': <true>}), ('vm-l2', {'release_on_disconnect': <true>})]",
    &error);
  G_GNUC_UNUSED g_autoptr (GPtrArray) kept = create (f, f->alice, "[('vm-k', @a{sv} {})]", &error);

  g_assert_no_error (error);
  if (data != NULL) /* a kernel without group deletion */
    mh_fake_tap_backend_fail_group_delete (f->backend);
  g_assert_cmpuint (mh_leases_count (f->leases), ==, 1);
  mh_leases_vanish (f->leases, f->alice->sender);
  wait_idle (f);
  g_assert_false (mh_fake_tap_backend_has (f->backend, "vm-l1"));
  g_assert_false (mh_fake_tap_backend_has (f->backend, "vm-l2"));
  g_assert_true (mh_fake_tap_backend_has (f->backend, "vm-k"));
  g_assert_cmpuint (mh_leases_count (f->leases), ==, 0);
  g_assert_cmpuint (mh_tap_registry_count (registry (f)), ==, 1);
  /* The lease's two taps went in one group deletion, or one by one after
   * it failed. */
  g_assert_cmpuint (mh_fake_tap_backend_n_group_deletes (f->backend), ==, data != NULL ? 0 : 1);
}

static void
test_owner_changed (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  G_GNUC_UNUSED g_autoptr (GPtrArray) made = create (
    f, f->alice, "[('vm-a', {'release_on_disconnect': <true>}), ('vm-b', @a{sv} {})]", &error);

  g_assert_no_error (error);
  mh_fake_tap_backend_set_owner (f->backend, "vm-a", 4242);
  mh_fake_tap_backend_set_owner (f->backend, "vm-b", 4242);
  g_assert_false (delete (f, f->alice, "vm-b", FALSE, &error));
  g_assert_error (error, MH_ERROR, MH_ERROR_REFUSED);
  g_assert_true (mh_fake_tap_backend_has (f->backend, "vm-b"));
  g_assert_nonnull (mh_tap_registry_lookup (registry (f), "vm-b"));

  /* When the lease ends, a given-away tap is forgotten, not deleted. */
  mh_leases_vanish (f->leases, f->alice->sender);
  wait_idle (f);
  g_assert_true (mh_fake_tap_backend_has (f->backend, "vm-a"));
  g_assert_null (mh_tap_registry_lookup (registry (f), "vm-a"));
}

static gboolean
alive_if_listed (const char *name, const char *bus_id, gpointer data)
{
  return g_strcmp0 (bus_id, "bus-test") == 0 && g_strv_contains (data, name);
}

static void
test_reconcile (Fixture *f, gconstpointer data)
{
  const char *alive[] = { ":1.50", NULL };
  MhTapRegistry *reg = registry (f);
  MhTapRecord *record;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) made = NULL;

  /* Kernel: vm-done (persistent, alice's), vm-ready, vm-dead-lease, vm-live-lease. */
  made = create (f, f->alice,
                 "[('vm-ready', @a{sv} {}), ('vm-dead-lease', @a{sv} {}), ('vm-live-lease', @a{sv} "
                 "{}), ('vm-old-bus', @a{sv} {})]",
                 &error);
  g_assert_no_error (error);
  mh_fake_tap_backend_add (f->backend, "vm-done", TRUE, 1000);

  record = mh_tap_record_new ("vm-done", 1000); /* made, reply never sent */
  mh_tap_registry_insert (reg, record);
  record = mh_tap_record_new ("vm-half", 1000); /* died before persist */
  mh_tap_registry_insert (reg, record);
  record = mh_tap_record_new ("vm-gone", 1000);
  record->state = MH_TAP_STATE_READY;
  record->ifindex = 9999;
  mh_tap_registry_insert (reg, record);
  mh_tap_record_set_lease (mh_tap_registry_lookup (reg, "vm-dead-lease"), ":1.49", "bus-test");
  mh_tap_record_set_lease (mh_tap_registry_lookup (reg, "vm-live-lease"), ":1.50", "bus-test");
  mh_tap_record_set_lease (mh_tap_registry_lookup (reg, "vm-old-bus"), ":1.50", "old-bus");

  mh_tap_service_reconcile (f->service, alive_if_listed, (gpointer) alive);

  g_assert_cmpint (mh_tap_registry_lookup (reg, "vm-done")->state, ==, MH_TAP_STATE_READY);
  g_assert_null (mh_tap_registry_lookup (reg, "vm-half"));
  g_assert_null (mh_tap_registry_lookup (reg, "vm-gone"));
  g_assert_null (mh_tap_registry_lookup (reg, "vm-dead-lease"));
  g_assert_false (mh_fake_tap_backend_has (f->backend, "vm-dead-lease"));
  g_assert_null (mh_tap_registry_lookup (reg, "vm-old-bus"));
  g_assert_false (mh_fake_tap_backend_has (f->backend, "vm-old-bus"));
  g_assert_nonnull (mh_tap_registry_lookup (reg, "vm-live-lease"));
  g_assert_nonnull (mh_tap_registry_lookup (reg, "vm-ready"));
  g_assert_cmpuint (mh_leases_count (f->leases), ==, 1);
}

static void
test_list (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  G_GNUC_UNUSED g_autoptr (GPtrArray) made =
    create (f, f->alice, "[('vm-b', @a{sv} {}), ('vm-a', {'multi_queue': <true>})]", &error);
  G_GNUC_UNUSED g_autoptr (GPtrArray) bobs = create (f, f->bob, "[('vm-c', @a{sv} {})]", &error);
  g_autoptr (GVariant) listed = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree char *printed = NULL;

  mh_fake_tap_backend_drop (f->backend, "vm-b");
  f->result = NULL;
  mh_tap_service_list_async (f->service, f->alice->uid, on_done, f);
  result = wait_result (f);
  listed = mh_tap_service_list_finish (f->service, result, &error);
  g_assert_no_error (error);
  printed = g_variant_print (listed, FALSE);
  g_assert_nonnull (strstr (printed, "'vm-a'"));
  g_assert_null (strstr (printed, "'vm-b'"));
  g_assert_null (strstr (printed, "'vm-c'"));
  g_assert_nonnull (strstr (printed, "'multi_queue': <true>"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/tap-service/create-reuse-delete", test_create_reuse_delete);
  ADD ("/tap-service/batch-rollback", test_batch_rollback);
  ADD ("/tap-service/existing-interface-in-batch", test_existing_interface_in_batch);
  ADD ("/tap-service/checks-before-work", test_checks_before_work);
  ADD ("/tap-service/bridges", test_bridges);
  ADD ("/tap-service/registry-unwritable", test_registry_unwritable);
  ADD ("/tap-service/lease-release", test_lease_release);
  g_test_add ("/tap-service/lease-release-one-by-one", Fixture, "no group deletion", fixture_set_up,
              test_lease_release, fixture_tear_down);
  ADD ("/tap-service/owner-changed", test_owner_changed);
  ADD ("/tap-service/reconcile", test_reconcile);
  ADD ("/tap-service/list", test_list);
  return g_test_run ();
}
