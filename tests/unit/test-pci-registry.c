/* pci.registry: what a restarted helper needs to give devices back. */
#include <glib/gstdio.h>
#include <string.h>

#include "mh-error.h"
#include "mh-pci-registry.h"

static void
test_round_trip (void)
{
  g_autoptr (MhPciRegistry) registry = mh_pci_registry_new ("/unused");
  g_autoptr (MhPciRegistry) reread = mh_pci_registry_new ("/unused");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) alice = NULL;
  g_autoptr (GPtrArray) leased = NULL;
  g_autoptr (GHashTable) holders = NULL;
  g_autofree char *data = NULL;
  MhPciRecord *record;
  gsize length;

  record = mh_pci_record_new ("0000:02:00.1", 1000);
  record->iommu_group = 2;
  record->vendor = 0x8086;
  record->device = 0x4f90;
  record->class_code = 0x040300;
  record->state = MH_PCI_STATE_BOUND;
  mh_pci_record_set_lease (record, ":1.7", "bus-1");
  record->busy = TRUE; /* in memory only */
  mh_pci_registry_insert (registry, record);
  record = mh_pci_record_new ("0000:01:00.0", 1001);
  record->iommu_group = 1;
  g_free (record->original_driver);
  record->original_driver = g_strdup ("pci-stub");
  g_free (record->original_override);
  record->original_override = g_strdup ("pci-stub");
  mh_pci_registry_insert (registry, record);
  record = mh_pci_record_new ("0000:03:00.0", 1001);
  record->state = MH_PCI_STATE_RELEASING;
  mh_pci_registry_insert (registry, record);

  data = mh_pci_registry_to_data (registry, &length);
  g_assert_true (mh_pci_registry_load_from_data (reread, data, length, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mh_pci_registry_count (reread), ==, 3);
  g_assert_cmpint (mh_pci_registry_lookup (reread, "0000:03:00.0")->state, ==,
                   MH_PCI_STATE_RELEASING);

  record = mh_pci_registry_lookup (reread, "0000:02:00.1");
  g_assert_nonnull (record);
  g_assert_cmpuint (record->uid, ==, 1000);
  g_assert_cmpuint (record->iommu_group, ==, 2);
  g_assert_cmphex (record->vendor, ==, 0x8086);
  g_assert_cmphex (record->device, ==, 0x4f90);
  g_assert_cmphex (record->class_code, ==, 0x040300);
  g_assert_cmpstr (record->original_driver, ==, "");
  g_assert_cmpstr (record->original_override, ==, "");
  g_assert_cmpint (record->state, ==, MH_PCI_STATE_BOUND);
  g_assert_cmpstr (record->lease_name, ==, ":1.7");
  g_assert_cmpstr (record->lease_bus_id, ==, "bus-1");
  g_assert_false (record->busy);

  record = mh_pci_registry_lookup (reread, "0000:01:00.0");
  g_assert_cmpstr (record->original_driver, ==, "pci-stub");
  g_assert_cmpstr (record->original_override, ==, "pci-stub");
  g_assert_cmpint (record->state, ==, MH_PCI_STATE_BINDING);
  g_assert_null (record->lease_name);

  alice = mh_pci_registry_list (reread, 1000);
  g_assert_cmpuint (alice->len, ==, 1);
  leased = mh_pci_registry_list_leased_by (reread, ":1.7");
  g_assert_cmpuint (leased->len, ==, 1);
  holders = mh_pci_registry_snapshot_holders (reread);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (holders, "0000:01:00.0")), ==, 1001);
}

static void
check_corrupt (const char *text, const char *message_part)
{
  g_autoptr (MhPciRegistry) registry = mh_pci_registry_new ("/run/x/pci.registry");
  g_autoptr (GError) error = NULL;

  mh_pci_registry_insert (registry, mh_pci_record_new ("0000:07:00.0", 1));
  g_assert_false (mh_pci_registry_load_from_data (registry, text, strlen (text), &error));
  g_assert_error (error, MH_ERROR, MH_ERROR_FAILED);
  if (strstr (error->message, message_part) == NULL)
    g_error ("\"%s\" lacks \"%s\"", error->message, message_part);
  g_assert_nonnull (mh_pci_registry_lookup (registry, "0000:07:00.0"));
}

static void
test_corrupt (void)
{
  const char *good =
    "address=0000:01:00.0\nuid=1\niommu_group=1\noriginal_driver=e1000e\nstate=bound\n";
  g_autofree char *dup = g_strdup_printf ("[device0]\n%s[device1]\n%s", good, good);

  check_corrupt ("garbage", "/run/x/pci.registry");
  check_corrupt ("[device0]\naddress=01:00.0\n", "invalid address");
  check_corrupt ("[device0]\naddress=0000:01:00.0/..\n", "invalid address");
  check_corrupt ("[device0]\naddress=0000:01:00.0\nuid=-1\n", "invalid uid");
  check_corrupt ("[device0]\naddress=0000:01:00.0\nuid=1\niommu_group=x\n", "invalid iommu_group");
  /* The original driver becomes part of a sysfs path when giving back. */
  check_corrupt ("[device0]\naddress=0000:01:00.0\nuid=1\niommu_group=1\n"
                 "original_driver=../../x\nstate=bound\n",
                 "invalid original_driver");
  check_corrupt ("[device0]\naddress=0000:01:00.0\nuid=1\niommu_group=1\noriginal_driver=\n"
                 "state=odd\n",
                 "not bound, binding or releasing");
  check_corrupt ("[device0]\naddress=0000:01:00.0\nuid=1\niommu_group=1\noriginal_driver=\n"
                 "original_override=a/b\nstate=bound\n",
                 "invalid original_override");
  check_corrupt (dup, "recorded twice");
}

static void
test_save_and_load (void)
{
  g_autofree char *dir = g_dir_make_tmp ("mh-pci-registry-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "pci.registry", NULL);
  g_autoptr (MhPciRegistry) registry = mh_pci_registry_new (path);
  g_autoptr (MhPciRegistry) reread = mh_pci_registry_new (path);
  g_autoptr (MhPciRegistry) missing = mh_pci_registry_new ("/nonexistent/pci.registry");
  g_autoptr (GError) error = NULL;
  GStatBuf st;

  g_assert_true (mh_pci_registry_load (missing, &error));
  g_assert_cmpuint (mh_pci_registry_count (missing), ==, 0);
  mh_pci_registry_insert (registry, mh_pci_record_new ("0000:01:00.0", 5));
  g_assert_true (mh_pci_registry_save (registry, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (mh_pci_registry_load (reread, &error));
  g_assert_nonnull (mh_pci_registry_lookup (reread, "0000:01:00.0"));
  g_assert_false (mh_pci_registry_save (missing, &error));
  g_assert_error (error, MH_ERROR, MH_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "cannot record PCI devices"));
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/pci-registry/round-trip", test_round_trip);
  g_test_add_func ("/pci-registry/corrupt", test_corrupt);
  g_test_add_func ("/pci-registry/save-and-load", test_save_and_load);
  return g_test_run ();
}
