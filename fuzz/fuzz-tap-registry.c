/* Fuzz target for mh_tap_registry_load_from_data, the helper's record of
 * the taps it made, read back at start-up.  Besides crashes and leaks, it
 * checks that every record loaded is well-formed and that writing the
 * registry and reading it again gives the same records. */
#include <gio/gio.h>
#include <string.h>

#include "fuzz-common.h"
#include "mh-error.h"
#include "mh-ifname.h"
#include "mh-tap-registry.h"

static void
check_record (const MhTapRecord *record)
{
  g_assert_true (mh_ifname_validate (record->name, NULL));
  g_assert_cmpint (record->ifindex, >=, 0);
  g_assert_true (record->state == MH_TAP_STATE_READY || record->state == MH_TAP_STATE_CREATING);
  if (record->lease_name != NULL)
    {
      g_assert_true (g_dbus_is_unique_name (record->lease_name));
      g_assert_nonnull (record->lease_bus_id);
    }
  else
    g_assert_null (record->lease_bus_id);
  g_assert_false (record->busy);
  g_assert_false (record->release_pending);
}

static void
assert_same_record (const MhTapRecord *a, const MhTapRecord *b)
{
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpuint (a->uid, ==, b->uid);
  g_assert_cmpint (a->ifindex, ==, b->ifindex);
  g_assert_cmpint (a->state, ==, b->state);
  g_assert_cmpint (a->multi_queue, ==, b->multi_queue);
  g_assert_cmpint (a->vnet_hdr, ==, b->vnet_hdr);
  g_assert_cmpstr (a->lease_name, ==, b->lease_name);
  g_assert_cmpstr (a->lease_bus_id, ==, b->lease_bus_id);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (MhTapRegistry) registry = mh_tap_registry_new ("fuzz.registry");
  g_autoptr (MhTapRegistry) again = mh_tap_registry_new ("fuzz.registry (written back)");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (GPtrArray) records_again = NULL;
  g_autofree char *written = NULL;
  gsize written_length = 0;

  if (!mh_tap_registry_load_from_data (registry, size > 0 ? (const char *) data : "", size, &error))
    {
      /* Written by the helper itself: raw text in the message is fine. */
      g_assert_error (error, MH_ERROR, MH_ERROR_FAILED);
      g_assert_true (g_str_has_prefix (error->message, "fuzz.registry: "));
      g_assert_cmpuint (mh_tap_registry_count (registry), ==, 0);
      return 0;
    }
  g_assert_no_error (error);

  records = mh_tap_registry_list (registry, G_MAXUINT32);
  g_assert_cmpuint (records->len, ==, mh_tap_registry_count (registry));
  for (guint i = 0; i < records->len; i++)
    {
      const MhTapRecord *record = records->pdata[i];
      check_record (record);
      g_assert_true (mh_tap_registry_lookup (registry, record->name) == record);
      g_assert_cmpuint (mh_tap_registry_count_for_uid (registry, record->uid), >=, 1);
    }

  written = mh_tap_registry_to_data (registry, &written_length);
  if (!mh_tap_registry_load_from_data (again, written, written_length, &error))
    g_error ("a registry written by the helper does not load again: %s\n--- input\n%.*s\n"
             "--- written\n%s",
             error->message, (int) size, (const char *) data, written);
  records_again = mh_tap_registry_list (again, G_MAXUINT32);
  g_assert_cmpuint (records_again->len, ==, records->len);
  for (guint i = 0; i < records->len; i++)
    assert_same_record (records->pdata[i], records_again->pdata[i]);
  return 0;
}
