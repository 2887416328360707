#include <glib/gstdio.h>
#include <string.h>

#include "mh-error.h"
#include "mh-tap-registry.h"

static void
test_round_trip (void)
{
  g_autoptr (MhTapRegistry) registry = mh_tap_registry_new ("/unused");
  g_autoptr (MhTapRegistry) reread = mh_tap_registry_new ("/unused");
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  g_autoptr (GPtrArray) alice = NULL;
  g_autoptr (GPtrArray) leased = NULL;
  MhTapRecord *record;
  gsize length;

  record = mh_tap_record_new ("vm-b", 1000);
  record->ifindex = 7;
  record->state = MH_TAP_STATE_READY;
  record->multi_queue = TRUE;
  mh_tap_record_set_lease (record, ":1.42", "bus-1");
  mh_tap_registry_insert (registry, record);
  /* Names a key file group could not hold are fine as values, and a
   * backslash survives the round trip. */
  record = mh_tap_record_new ("[a]#=x\\y", 1001);
  mh_tap_registry_insert (registry, record);

  data = mh_tap_registry_to_data (registry, &length);
  g_assert_true (mh_tap_registry_load_from_data (reread, data, length, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mh_tap_registry_count (reread), ==, 2);
  g_assert_cmpuint (mh_tap_registry_count_for_uid (reread, 1000), ==, 1);

  record = mh_tap_registry_lookup (reread, "vm-b");
  g_assert_nonnull (record);
  g_assert_cmpint (record->ifindex, ==, 7);
  g_assert_cmpint (record->state, ==, MH_TAP_STATE_READY);
  g_assert_true (record->multi_queue);
  g_assert_true (record->vnet_hdr);
  g_assert_cmpstr (record->lease_name, ==, ":1.42");
  g_assert_cmpstr (record->lease_bus_id, ==, "bus-1");

  record = mh_tap_registry_lookup (reread, "[a]#=x\\y");
  g_assert_nonnull (record);
  g_assert_cmpint (record->state, ==, MH_TAP_STATE_CREATING);
  g_assert_null (record->lease_name);

  alice = mh_tap_registry_list (reread, 1000);
  g_assert_cmpuint (alice->len, ==, 1);
  leased = mh_tap_registry_list_leased_by (reread, ":1.42");
  g_assert_cmpuint (leased->len, ==, 1);
}

/* The network fields: a bridged tap and a macvtap read back as written,
 * and a file of an older version (without them) still loads. */
static void
test_network_round_trip (void)
{
  g_autoptr (MhTapRegistry) registry = mh_tap_registry_new ("/unused");
  g_autoptr (MhTapRegistry) reread = mh_tap_registry_new ("/unused");
  g_autoptr (MhTapRegistry) old = mh_tap_registry_new ("/unused");
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  const char *old_text = "[tap0]\nname=vm-old\nuid=5\nifindex=3\nstate=ready\n"
                         "multi_queue=false\nvnet_hdr=true\n";
  MhTapRecord *record;
  gsize length;

  record = mh_tap_record_new ("vm-br", 1000);
  record->state = MH_TAP_STATE_READY;
  record->bridge = g_strdup ("br0");
  record->mtu = 9000;
  mh_tap_registry_insert (registry, record);
  record = mh_tap_record_new ("vm-mv", 1000);
  record->state = MH_TAP_STATE_READY;
  record->macvtap = TRUE;
  record->link = g_strdup ("eth0");
  record->mode = g_strdup ("vepa");
  record->mac = g_strdup ("02:00:00:00:00:01");
  mh_tap_registry_insert (registry, record);

  data = mh_tap_registry_to_data (registry, &length);
  g_assert_true (mh_tap_registry_load_from_data (reread, data, length, &error));
  g_assert_no_error (error);
  record = mh_tap_registry_lookup (reread, "vm-br");
  g_assert_false (record->macvtap);
  g_assert_cmpstr (record->bridge, ==, "br0");
  g_assert_cmpuint (record->mtu, ==, 9000);
  record = mh_tap_registry_lookup (reread, "vm-mv");
  g_assert_true (record->macvtap);
  g_assert_cmpstr (record->link, ==, "eth0");
  g_assert_cmpstr (record->mode, ==, "vepa");
  g_assert_cmpstr (record->mac, ==, "02:00:00:00:00:01");
  g_assert_null (record->bridge);

  g_assert_true (mh_tap_registry_load_from_data (old, old_text, strlen (old_text), &error));
  record = mh_tap_registry_lookup (old, "vm-old");
  g_assert_false (record->macvtap);
  g_assert_null (record->bridge);
  g_assert_cmpuint (record->mtu, ==, 0);
}

/* Whatever a record holds is written so that it reads back the same (the
 * registry is written directly, not through GKeyFile; found by
 * fuzz-tap-registry). */
static void
test_values_round_trip (void)
{
  const char *values[] = { " \tx\n", "x ", "  two leading", "a\\b", "c\rd", "\\s", "end\\" };

  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr (MhTapRegistry) registry = mh_tap_registry_new ("/unused");
      g_autoptr (MhTapRegistry) reread = mh_tap_registry_new ("/unused");
      g_autoptr (GError) error = NULL;
      g_autofree char *data = NULL;
      MhTapRecord *record = mh_tap_record_new ("vm-a", 1);
      gsize length;

      mh_tap_record_set_lease (record, ":1.7", values[i]);
      mh_tap_registry_insert (registry, record);
      data = mh_tap_registry_to_data (registry, &length);
      g_assert_true (mh_tap_registry_load_from_data (reread, data, length, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (mh_tap_registry_lookup (reread, "vm-a")->lease_bus_id, ==, values[i]);
    }
}

static void
check_corrupt (const char *text, const char *message_part)
{
  g_autoptr (MhTapRegistry) registry = mh_tap_registry_new ("/run/x/taps.registry");
  g_autoptr (GError) error = NULL;

  mh_tap_registry_insert (registry, mh_tap_record_new ("vm-keep", 1));
  g_assert_false (mh_tap_registry_load_from_data (registry, text, strlen (text), &error));
  g_assert_error (error, MH_ERROR, MH_ERROR_FAILED);
  if (strstr (error->message, message_part) == NULL)
    g_error ("\"%s\" lacks \"%s\"", error->message, message_part);
  /* A failed load leaves the registry as it was. */
  g_assert_nonnull (mh_tap_registry_lookup (registry, "vm-keep"));
}

static void
test_corrupt (void)
{
  const char *good = "name=vm-a\nuid=1\nifindex=2\nstate=ready\nmulti_queue=false\nvnet_hdr=true\n";
  g_autofree char *dup = g_strdup_printf ("[tap0]\n%s[tap1]\n%s", good, good);

  check_corrupt ("garbage", "/run/x/taps.registry");
  check_corrupt ("[tap0]\nname=a/b\n", "invalid name");
  check_corrupt ("[tap0]\nname=vm-a\nuid=-4\n", "invalid uid");
  check_corrupt ("[tap0]\nname=vm-a\nuid=1\nifindex=x\n", "invalid ifindex");
  check_corrupt ("[tap0]\nname=vm-a\nuid=1\nifindex=2\nstate=odd\n", "state");
  check_corrupt (dup, "recorded twice");
  check_corrupt ("[tap0]\nname=vm-a\nuid=1\nifindex=2\nstate=ready\nmulti_queue=false\n"
                 "vnet_hdr=true\nlease=not-unique\nlease_bus=x\n",
                 "invalid lease");
}

static void
test_save_and_load (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mh-registry-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "taps.registry", NULL);
  g_autoptr (MhTapRegistry) registry = mh_tap_registry_new (path);
  g_autoptr (MhTapRegistry) reread = mh_tap_registry_new (path);
  g_autoptr (MhTapRegistry) missing = mh_tap_registry_new ("/nonexistent/taps.registry");
  g_autoptr (GError) error = NULL;
  GStatBuf st;

  g_assert_true (mh_tap_registry_load (missing, &error));
  g_assert_cmpuint (mh_tap_registry_count (missing), ==, 0);

  mh_tap_registry_insert (registry, mh_tap_record_new ("vm-a", 5));
  g_assert_true (mh_tap_registry_save (registry, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (mh_tap_registry_load (reread, &error));
  g_assert_nonnull (mh_tap_registry_lookup (reread, "vm-a"));

  /* A save that cannot happen reports it and keeps the old file. */
  g_assert_false (mh_tap_registry_save (missing, &error));
  g_assert_error (error, MH_ERROR, MH_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "cannot record taps"));

  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/registry/round-trip", test_round_trip);
  g_test_add_func ("/registry/network-round-trip", test_network_round_trip);
  g_test_add_func ("/registry/corrupt", test_corrupt);
  g_test_add_func ("/registry/values-round-trip", test_values_round_trip);
  g_test_add_func ("/registry/save-and-load", test_save_and_load);
  return g_test_run ();
}
