/* Reading a device with libpci and the bind rules, on a plain directory
 * tree: only reading happens here (writes are the integration tests'
 * business, against the fake PCI world).  Covers what the integration
 * world does not: libpci failing (its error callback must not exit the
 * helper), unknown ids, and group peers the host may keep (bridges,
 * pci-stub, unbound). */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "mh-error.h"
#include "mh-pci-checks.h"

typedef struct {
  char *root;
  MhPciSysfs *sysfs;
  MhConfig *config;
  GHashTable *holders;
} Fixture;

static void
write_file (Fixture *f, const char *relative, const char *text)
{
  g_autofree char *path = g_build_filename (f->root, relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
make_link (Fixture *f, const char *relative, const char *target)
{
  g_autofree char *path = g_build_filename (f->root, relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_cmpint (symlink (target, path), ==, 0);
}

/* A device directory as sysfs has it (flat, under devices/pci0000:00). */
static void
add_device (Fixture *f, const char *address, guint16 vendor, guint16 device, guint32 class_code,
            guint8 header_type, int group, const char *driver)
{
  g_autofree char *dir = g_strdup_printf ("devices/pci0000:00/%s", address);
  g_autofree char *text = NULL;
  guint8 config[64] = { 0 };
  g_autofree char *config_path = g_strdup_printf ("%s/%s/config", f->root, dir);

#define FILE_IN_DIR(name, ...)                                   \
  G_STMT_START                                                   \
  {                                                              \
    g_autofree char *rel = g_strdup_printf ("%s/%s", dir, name); \
    g_autofree char *content = g_strdup_printf (__VA_ARGS__);    \
    write_file (f, rel, content);                                \
  }                                                              \
  G_STMT_END
  FILE_IN_DIR ("vendor", "0x%04x\n", vendor);
  FILE_IN_DIR ("device", "0x%04x\n", device);
  FILE_IN_DIR ("class", "0x%06x\n", class_code);
  FILE_IN_DIR ("revision", "0x01\n");
  FILE_IN_DIR ("driver_override", "(null)\n");
#undef FILE_IN_DIR
  config[0x0e] = header_type;
  g_assert_true (g_file_set_contents (config_path, (const char *) config, sizeof config, NULL));
  {
    g_autofree char *bus_link = g_strdup_printf ("bus/pci/devices/%s", address);
    g_autofree char *target = g_strdup_printf ("../../../devices/pci0000:00/%s", address);
    make_link (f, bus_link, target);
  }
  if (driver != NULL)
    {
      g_autofree char *link = g_strdup_printf ("%s/driver", dir);
      g_autofree char *target = g_strdup_printf ("../../../bus/pci/drivers/%s", driver);
      g_autofree char *driver_dir = g_strdup_printf ("%s/bus/pci/drivers/%s", f->root, driver);
      g_assert_cmpint (g_mkdir_with_parents (driver_dir, 0755), ==, 0);
      make_link (f, link, target);
    }
  if (group >= 0)
    {
      g_autofree char *link = g_strdup_printf ("%s/iommu_group", dir);
      g_autofree char *target = g_strdup_printf ("../../../kernel/iommu_groups/%d", group);
      g_autofree char *member =
        g_strdup_printf ("kernel/iommu_groups/%d/devices/%s", group, address);
      g_autofree char *member_target =
        g_strdup_printf ("../../../../devices/pci0000:00/%s", address);
      make_link (f, link, target);
      make_link (f, member, member_target);
    }
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autofree char *vfio = NULL;

  f->root = g_dir_make_tmp ("mh-pci-checks-XXXXXX", NULL);
  vfio = g_build_filename (f->root, "bus", "pci", "drivers", "vfio-pci", NULL);
  g_assert_cmpint (g_mkdir_with_parents (vfio, 0755), ==, 0);
  f->sysfs = mh_pci_sysfs_new (f->root, "/nonexistent-dev");
  f->config = mh_config_new_default ();
  f->holders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autofree char *quoted = g_shell_quote (f->root);
  g_autofree char *command = g_strdup_printf ("rm -rf %s", quoted);

  g_assert_true (g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL));
  mh_pci_sysfs_free (f->sysfs);
  mh_config_free (f->config);
  g_hash_table_unref (f->holders);
  g_free (f->root);
}

static void
test_read_device (Fixture *f, gconstpointer data)
{
  g_autoptr (MhPciDevice) device = NULL;
  g_autoptr (MhPciDevice) unknown = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *class_text = NULL;

  add_device (f, "0000:01:00.0", 0x8086, 0x10d3, 0x020000, 0, 1, "e1000e");
  add_device (f, "0000:03:00.0", 0xabcd, 0x1234, 0x020000, 0, -1, NULL);

  device = mh_pci_sysfs_read_device (f->sysfs, "0000:01:00.0", TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmphex (device->vendor, ==, 0x8086);
  g_assert_cmphex (device->device, ==, 0x10d3);
  g_assert_cmphex (device->class_code, ==, 0x020000);
  class_text = mh_pci_device_class_text (device);
  g_assert_cmpstr (class_text, ==, "0x020000");
  g_assert_cmpint (device->header_type, ==, 0);
  g_assert_cmpint (device->iommu_group, ==, 1);
  g_assert_cmpstr (device->driver, ==, "e1000e");
  g_assert_cmpstr (device->driver_override, ==, "");
  g_assert_false (device->boot_vga);
  g_assert_cmpuint (device->sriov_numvfs, ==, 0);
  g_assert_cmpstr (device->name, ==, "Intel Corporation 82574L Gigabit Network Connection");

  /* Ids pci.ids does not know are shown as numbers. */
  unknown = mh_pci_sysfs_read_device (f->sysfs, "0000:03:00.0", TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (unknown->name, ==, "abcd:1234");
  g_assert_cmpint (unknown->iommu_group, ==, -1);
  g_assert_cmpstr (unknown->driver, ==, "");
}

static void
test_libpci_failure (Fixture *f, gconstpointer data)
{
  g_autofree char *class_path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MhPciDevice) device = NULL;
  g_autoptr (MhPciDevice) again = NULL;

  add_device (f, "0000:01:00.0", 0x8086, 0x10d3, 0x020000, 0, 1, "e1000e");
  class_path = g_build_filename (f->root, "devices", "pci0000:00", "0000:01:00.0", "class", NULL);
  g_assert_cmpint (g_unlink (class_path), ==, 0);

  /* libpci calls its error callback for a missing mandatory attribute;
   * the helper turns that into an error and goes on living. */
  device = mh_pci_sysfs_read_device (f->sysfs, "0000:01:00.0", FALSE, &error);
  g_assert_null (device);
  g_assert_error (error, MH_ERROR, MH_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "cannot read PCI device 0000:01:00.0"));
  g_assert_nonnull (strstr (error->message, "class"));
  g_clear_error (&error);
  again = mh_pci_sysfs_read_device (f->sysfs, "0000:01:00.0", FALSE, &error);
  g_assert_null (again);
  g_assert_error (error, MH_ERROR, MH_ERROR_FAILED);
  g_clear_error (&error);

  g_assert_null (mh_pci_sysfs_read_device (f->sysfs, "0000:0f:00.0", FALSE, &error));
  g_assert_error (error, MH_ERROR, MH_ERROR_NOT_FOUND);
}

static gboolean
check (Fixture *f, const char *address, guint32 uid, MhPciBindKind *kind, GError **error)
{
  g_autoptr (MhPciInspection) inspection = mh_pci_inspect (f->sysfs, address, FALSE, error);

  if (inspection == NULL)
    return FALSE;
  return mh_pci_check_bind (inspection, f->config, f->holders, uid, kind, error);
}

static void
test_group_peers (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  MhPciBindKind kind;

  /* Group 5: the device, a bridge on pcieport, a device on pci-stub and an
   * unbound one: all fine. */
  add_device (f, "0000:05:00.0", 0x8086, 0x10d3, 0x020000, 0, 5, "e1000e");
  add_device (f, "0000:00:1c.0", 0x8086, 0x7ab8, 0x060400, 1, 5, "pcieport");
  add_device (f, "0000:05:00.1", 0x8086, 0x10d3, 0x020000, 0, 5, "pci-stub");
  add_device (f, "0000:05:00.2", 0x8086, 0x10d3, 0x020000, 0, 5, NULL);
  g_assert_true (check (f, "0000:05:00.0", 1000, &kind, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kind, ==, MH_PCI_BIND_NEW);

  /* A peer on vfio-pci: fine if the helper bound it for the same user. */
  add_device (f, "0000:05:00.3", 0x8086, 0x10d3, 0x020000, 0, 5, "vfio-pci");
  g_assert_false (check (f, "0000:05:00.0", 1000, &kind, &error));
  g_assert_error (error, MH_ERROR, MH_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "was not bound by microvm-helper"));
  g_clear_error (&error);
  g_hash_table_insert (f->holders, g_strdup ("0000:05:00.3"), GUINT_TO_POINTER (1001));
  g_assert_false (check (f, "0000:05:00.0", 1000, &kind, &error));
  g_assert_nonnull (strstr (error->message, "bound for another user; a group"));
  g_assert_null (strstr (error->message, "1001"));
  g_clear_error (&error);
  g_hash_table_insert (f->holders, g_strdup ("0000:05:00.3"), GUINT_TO_POINTER (1000));
  g_assert_true (check (f, "0000:05:00.0", 1000, &kind, &error));
  g_assert_no_error (error);

  /* The device itself, already on vfio-pci for this user: reused. */
  g_assert_true (check (f, "0000:05:00.3", 1000, &kind, &error));
  g_assert_cmpint (kind, ==, MH_PCI_BIND_REUSE);
  g_assert_false (check (f, "0000:05:00.3", 1001, &kind, &error));
  g_assert_error (error, MH_ERROR, MH_ERROR_BUSY);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/pci-checks/read-device", Fixture, NULL, fixture_set_up, test_read_device,
              fixture_tear_down);
  g_test_add ("/pci-checks/libpci-failure", Fixture, NULL, fixture_set_up, test_libpci_failure,
              fixture_tear_down);
  g_test_add ("/pci-checks/group-peers", Fixture, NULL, fixture_set_up, test_group_peers,
              fixture_tear_down);
  return g_test_run ();
}
