/* Fuzz target for the helper's method dispatch (mh_dispatcher_dispatch):
 * every method of org.microvm.Helper1 called in-process with arbitrary
 * arguments, as any local user may send them, through the real prepare,
 * authorize and run steps of the method table.
 *
 * The world is made for each input: the tap service with an in-memory
 * kernel (tests/support/mh-fake-tap-backend.c) that already has a NIC
 * "eth0" and a tap "vm-foreign" not made by the helper, the PCI service
 * over an empty sysfs tree (no device exists), leases without a bus.  The
 * caller and the answer of polkit come from the input: polkit is a stub
 * here, and only here.
 *
 * Input: up to four calls, each
 *   byte   method (index into the interface's methods; one more: an
 *          unknown method name)
 *   byte   bit 0: polkit allows; bit 1: interactive; bits 2-3: the caller
 *          (uid 1000, 1001, 0 or 65534)
 *   2 bytes little-endian length N, then N bytes: the arguments, a
 *          serialized GVariant of the method's in-arguments, loaded
 *          untrusted and put in normal form (what GDBus hands a handler).
 *
 * Checked after every call: exactly one reply; an error is in
 * MH_ERROR with a one-line printable message; a result has the method's
 * out-argument type; a privileged method denied by polkit never succeeds;
 * and the registry and the kernel agree (every recorded tap exists with
 * the recorded index and owner, every tap of a caller is recorded). */
#include <glib/gstdio.h>
#include <string.h>

#include "fuzz-common.h"
#include "mh-authorizer.h"
#include "mh-config.h"
#include "mh-dispatch.h"
#include "mh-error.h"
#include "mh-fake-tap-backend.h"
#include "mh-helper1-generated.h"
#include "mh-leases.h"
#include "mh-pci-registry.h"
#include "mh-pci-service.h"
#include "mh-pci-sysfs.h"
#include "mh-stub-authorizer.h"
#include "mh-tap-service.h"

#define MAX_CALLS 4

static char *scratch;

typedef struct {
  MhConfig *config;
  MhLeases *leases;
  MhTapBackend *backend; /* owned by the tap service */
  MhTapService *taps;
  MhPciService *pci;
  MhAuthorizer *authorizer;
  MhDispatcher *dispatcher;
  gboolean allow;
} World;

typedef struct {
  guint replies;
  GVariant *result;
  GError *error;
} Reply;

static gboolean
decide (const char *action_id, const MhCaller *caller, GHashTable *details, gpointer user_data)
{
  World *world = user_data;
  return world->allow;
}

static void
on_vanished (const char *name, gpointer user_data)
{
}

static void
world_init (World *world)
{
  g_autofree char *taps_path = g_build_filename (scratch, "taps.registry", NULL);
  g_autofree char *pci_path = g_build_filename (scratch, "pci.registry", NULL);
  g_autofree char *sys = g_build_filename (scratch, "sys", NULL);
  g_autofree char *dev = g_build_filename (scratch, "dev", NULL);

  g_unlink (taps_path);
  g_unlink (pci_path);
  memset (world, 0, sizeof *world);
  world->config = mh_config_new_default ();
  world->leases = mh_leases_new (NULL, "fuzz-bus", on_vanished, NULL);
  world->backend = mh_fake_tap_backend_new ();
  mh_fake_tap_backend_add (world->backend, "eth0", FALSE, -1);
  mh_fake_tap_backend_add (world->backend, "vm-foreign", TRUE, 1000);
  world->taps = mh_tap_service_new (world->config, mh_tap_registry_new (taps_path), world->backend,
                                    world->leases);
  world->pci = mh_pci_service_new (world->config, mh_pci_registry_new (pci_path),
                                   mh_pci_sysfs_new (sys, dev), world->leases);
  world->authorizer = mh_authorizer_new_stub (decide, world);
  world->dispatcher = mh_dispatcher_new (world->authorizer, world->taps, world->pci);
}

static void
world_clear (World *world)
{
  mh_dispatcher_free (world->dispatcher);
  mh_authorizer_free (world->authorizer);
  mh_pci_service_free (world->pci);
  mh_tap_service_free (world->taps);
  mh_leases_free (world->leases);
  mh_config_free (world->config);
}

static void
on_reply (GVariant *result, const GError *error, gpointer user_data)
{
  Reply *reply = user_data;

  reply->replies++;
  if (result != NULL)
    reply->result = g_variant_ref_sink (result);
  if (error != NULL)
    reply->error = g_error_copy (error);
}

static void
check_registry_matches_kernel (World *world)
{
  MhTapRegistry *registry = mh_tap_service_get_registry (world->taps);
  g_autoptr (GPtrArray) records = mh_tap_registry_list (registry, G_MAXUINT32);
  guint recorded = 0;

  for (guint i = 0; i < records->len; i++)
    {
      const MhTapRecord *record = records->pdata[i];
      MhTapKernelInfo info;

      g_assert_false (record->busy);
      g_assert_cmpint (record->state, ==, MH_TAP_STATE_READY);
      g_assert_true (world->backend->lookup (world->backend, record->name, &info, NULL));
      g_assert_true (info.is_tap);
      g_assert_cmpint (info.ifindex, ==, record->ifindex);
      g_assert_cmpint (info.owner, ==, (gint64) record->uid);
      recorded++;
    }
  /* eth0 and vm-foreign, plus exactly the recorded taps. */
  g_assert_cmpuint (mh_fake_tap_backend_count (world->backend), ==, recorded + 2);
  g_assert_true (mh_fake_tap_backend_has (world->backend, "vm-foreign"));
}

static GVariantType *
in_type (GDBusMethodInfo *method)
{
  g_autoptr (GPtrArray) types = g_ptr_array_new ();

  for (guint i = 0; method->in_args != NULL && method->in_args[i] != NULL; i++)
    g_ptr_array_add (types, (gpointer) G_VARIANT_TYPE (method->in_args[i]->signature));
  return g_variant_type_new_tuple ((const GVariantType *const *) types->pdata, (gint) types->len);
}

static GVariantType *
out_type (GDBusMethodInfo *method)
{
  g_autoptr (GPtrArray) types = g_ptr_array_new ();

  for (guint i = 0; method->out_args != NULL && method->out_args[i] != NULL; i++)
    g_ptr_array_add (types, (gpointer) G_VARIANT_TYPE (method->out_args[i]->signature));
  return g_variant_type_new_tuple ((const GVariantType *const *) types->pdata, (gint) types->len);
}

static void
one_call (World *world, guint8 method_byte, guint8 flags, const guint8 *args, gsize length)
{
  static const guint32 uids[] = { 1000, 1001, 0, 65534 };
  GDBusInterfaceInfo *info = mh_helper1_interface_info ();
  guint n_methods = 0;
  GDBusMethodInfo *method;
  const char *name;
  g_autoptr (GVariantType) type = NULL;
  g_autoptr (GVariant) loaded = NULL;
  g_autoptr (GVariant) parameters = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (MhCaller) caller = NULL;
  g_autofree char *sender = NULL;
  Reply reply = { 0 };
  const MhMethod *entry;

  while (info->methods[n_methods] != NULL)
    n_methods++;
  method =
    method_byte % (n_methods + 1) < n_methods ? info->methods[method_byte % (n_methods + 1)] : NULL;
  name = method != NULL ? method->name : "NotAMethod";
  type = method != NULL ? in_type (method) : g_variant_type_new ("()");
  bytes = g_bytes_new (args, length);
  loaded = g_variant_ref_sink (g_variant_new_from_bytes (type, bytes, FALSE));
  parameters = g_variant_get_normal_form (loaded);

  world->allow = (flags & 1) != 0;
  sender = g_strdup_printf (":1.%u", (flags >> 2) & 3);
  caller = mh_caller_new (sender, uids[(flags >> 2) & 3], 4242);
  mh_dispatcher_dispatch (world->dispatcher, name, parameters, caller, (flags & 2) != 0, on_reply,
                          &reply);
  while (reply.replies == 0 || world->dispatcher->in_flight > 0 ||
         !mh_tap_service_is_idle (world->taps))
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (reply.replies, ==, 1);
  entry = mh_methods_lookup (name);
  if (reply.error != NULL)
    {
      mh_fuzz_check_error (reply.error, MH_ERROR);
      g_assert_null (reply.result);
      g_error_free (reply.error);
    }
  else
    {
      g_autoptr (GVariantType) expected = out_type (method);

      g_assert_nonnull (entry);
      g_assert_nonnull (reply.result);
      g_assert_true (g_variant_is_of_type (reply.result, expected));
      /* Denied by polkit, yet it worked: only a read-only method may. */
      if (!world->allow)
        g_assert_null (entry->action_id);
      g_variant_unref (reply.result);
    }
  check_registry_matches_kernel (world);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  World world;
  gsize offset = 0;

  if (scratch == NULL)
    scratch = g_dir_make_tmp ("fuzz-dispatch-XXXXXX", NULL);
  world_init (&world);
  for (guint call = 0; call < MAX_CALLS && offset + 4 <= size; call++)
    {
      gsize length = data[offset + 2] | (gsize) data[offset + 3] << 8;

      length = MIN (length, size - offset - 4);
      one_call (&world, data[offset], data[offset + 1], data + offset + 4, length);
      offset += 4 + length;
    }
  world_clear (&world);
  return 0;
}
