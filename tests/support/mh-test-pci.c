#include "mh-test-pci.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mh-test.h"

/* Every device a refusal is about, and a few that can be bound:
 *
 *   00:02.0  boot display (boot_vga 1)               refused
 *   00:1c.0  PCIe root port (bridge, header type 1)  refused
 *   01:00.0  NIC on e1000e, alone in group 1         bindable
 *   02:00.0  GPU on i915   } sharing group 2         refused while the
 *   02:00.1  its audio     }                         other is on the host
 *   04:00.0  SR-IOV PF on igb with 2 VFs enabled     refused
 *   04:10.0  VF on igbvf, alone in group 40          bindable
 *   05:00.0  NIC without IOMMU group                 refused
 *   06:00.0  NVMe disk, its nvme0n1 is mounted       refused (busy)
 *   07:00.0  NIC whose interface is up               refused (busy)
 *   08:00.0  Realtek NIC (vendor 10ec)               the test rules give the
 *                                                    microvm group Intel only
 *   09:00.0  NIC without driver, group 9             bindable; stays unbound
 *                                                    when given back
 *   0b:00.0  NIC parked on pci-stub by the admin     bindable; goes back to
 *            (driver_override pci-stub)              pci-stub
 *
 * The NVMe disk's dev numbers are those of the sandbox's /run, which is
 * mounted in the helper's mount namespace: the helper finds it in its own
 * mount table, as it would a real disk. */
char *
mh_test_pci_standard_spec (gboolean with_vfio)
{
  struct stat st;

  g_assert_cmpint (stat ("/run", &st), ==, 0);
  return g_strdup_printf (
    "driver e1000e 8086:10d3 8086:1533\n"
    "driver igb 8086:1521\n"
    "driver igbvf 8086:1520\n"
    "driver igc 8086:15f3\n"
    "driver i915 8086:4680 8086:56a0\n"
    "driver snd_hda_intel 8086:4f90\n"
    "driver nvme class:0108\n"
    "driver r8169 10ec:8168\n"
    "driver pcieport class:0604\n"
    "driver pci-stub\n"
    "%s"
    "device 0000:00:02.0 vendor=8086 device=4680 class=030000 group=0 driver=i915 boot_vga=1\n"
    "device 0000:00:1c.0 vendor=8086 device=7ab8 class=060400 header=1 group=3 "
    "driver=pcieport\n"
    "device 0000:01:00.0 vendor=8086 device=10d3 class=020000 group=1 driver=e1000e "
    "subsys=8086:a01f net=enp1s0 net_up=0\n"
    "device 0000:02:00.0 vendor=8086 device=56a0 class=030000 group=2 driver=i915 "
    "multifunction=1 boot_vga=0\n"
    "device 0000:02:00.1 vendor=8086 device=4f90 class=040300 group=2 driver=snd_hda_intel\n"
    "device 0000:04:00.0 vendor=8086 device=1521 class=020000 group=4 driver=igb "
    "sriov_total=7 sriov_num=2 net=enp4s0f0\n"
    "device 0000:04:10.0 vendor=8086 device=1520 class=020000 group=40 driver=igbvf "
    "physfn=0000:04:00.0\n"
    "device 0000:04:10.4 vendor=8086 device=1520 class=020000 group=41 driver=igbvf "
    "physfn=0000:04:00.0\n"
    "device 0000:05:00.0 vendor=8086 device=1533 class=020000 driver=e1000e\n"
    "device 0000:06:00.0 vendor=8086 device=f1a8 class=010802 group=6 driver=nvme "
    "block=nvme0n1 block_dev=%u:%u\n"
    "device 0000:07:00.0 vendor=8086 device=15f3 class=020000 group=7 driver=igc net=enp7s0 "
    "net_up=1\n"
    "device 0000:08:00.0 vendor=10ec device=8168 class=020000 group=8 driver=r8169\n"
    "device 0000:09:00.0 vendor=8086 device=1533 class=020000 group=9\n"
    "device 0000:0b:00.0 vendor=8086 device=10d3 class=020000 group=11 driver=pci-stub "
    "override=pci-stub\n",
    with_vfio ? "driver vfio-pci\n" : "", major (st.st_dev), minor (st.st_dev));
}

void
mh_test_pci_start (const char *spec, const char *extra_helper_args)
{
  g_autofree char *spec_path = g_build_filename (g_getenv ("MH_SANDBOX_DIR"), "pci.spec", NULL);
  g_autofree char *program =
    g_build_filename (g_getenv ("MH_BUILD_ROOT"), "tests", "mh-fakepci", NULL);
  g_autofree char *args = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) fake = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  const char *ready = MH_TEST_PCI_ROOT "/sys/bus/pci/drivers_probe";

  g_assert_true (g_str_has_prefix (MH_TEST_PCI_ROOT, "/run/"));
  g_file_set_contents (spec_path, spec, -1, &error);
  g_assert_no_error (error);
  /* It lives as long as the sandbox: the pid namespace ends it. */
  fake = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, program, "--spec", spec_path,
                           MH_TEST_PCI_ROOT, NULL);
  g_assert_no_error (error);
  while (!g_file_test (ready, G_FILE_TEST_EXISTS))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("the fake PCI world did not come up at %s", MH_TEST_PCI_ROOT);
      g_usleep (10 * 1000);
    }
  args =
    g_strdup_printf ("--sysfs-root " MH_TEST_PCI_ROOT "/sys --dev-root " MH_TEST_PCI_ROOT "/dev %s",
                     extra_helper_args != NULL ? extra_helper_args : "");
  mh_test_helper_set_args (args);
}

static char *
device_path (const char *address, const char *attribute)
{
  return g_build_filename (MH_TEST_PCI_ROOT, "sys", "bus", "pci", "devices", address, attribute,
                           NULL);
}

char *
mh_test_pci_driver (const char *address)
{
  g_autofree char *link = device_path (address, "driver");
  g_autofree char *target = g_file_read_link (link, NULL);

  return target != NULL ? g_path_get_basename (target) : g_strdup ("");
}

char *
mh_test_pci_override (const char *address)
{
  g_autofree char *path = device_path (address, "driver_override");
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return g_strdup (g_strstrip (text));
}

char *
mh_test_pci_node (guint group)
{
  return g_strdup_printf (MH_TEST_PCI_ROOT "/dev/vfio/%u", group);
}

gboolean
mh_test_pci_node_exists (guint group)
{
  g_autofree char *node = mh_test_pci_node (group);

  return g_file_test (node, G_FILE_TEST_EXISTS);
}

void
mh_test_pci_node_owner (guint group, uid_t *uid, mode_t *mode)
{
  g_autofree char *node = mh_test_pci_node (group);
  struct stat st;

  if (stat (node, &st) < 0)
    g_error ("%s: %s", node, g_strerror (errno));
  *uid = st.st_uid;
  *mode = st.st_mode & 07777;
}

static void
write_once (const char *path, const char *value)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  ssize_t n;

  if (fd < 0)
    g_error ("open %s: %s", path, g_strerror (errno));
  n = write (fd, value, strlen (value));
  if (n != (ssize_t) strlen (value))
    g_error ("write %s to %s: %s", value, path, g_strerror (errno));
  close (fd);
}

void
mh_test_pci_sysfs_write (const char *relative, const char *value)
{
  g_autofree char *path = g_build_filename (MH_TEST_PCI_ROOT, "sys", relative, NULL);

  write_once (path, value);
}

void
mh_test_pci_control (const char *command)
{
  write_once (MH_TEST_PCI_ROOT "/control", command);
}

char *
mh_test_pci_log (void)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (MH_TEST_PCI_ROOT "/log", &text, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&text);
}

guint
mh_test_pci_log_count (const char *needle)
{
  g_autofree char *log = mh_test_pci_log ();
  g_auto (GStrv) lines = g_strsplit (log, "\n", -1);
  guint n = 0;

  for (gsize i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], needle) != NULL)
      n++;
  return n;
}

gboolean
mh_test_pci_wait_driver (const char *address, const char *driver, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      g_autofree char *now = mh_test_pci_driver (address);
      if (strcmp (now, driver) == 0)
        return TRUE;
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (10 * 1000);
    }
}

char *
mh_test_pci_registry (void)
{
  char *text = NULL;

  if (!g_file_get_contents ("/run/microvm-helper/pci.registry", &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

gboolean
mh_test_pci_wait_registry (const char *address, gboolean present, guint timeout_ms)
{
  g_autofree char *needle = g_strdup_printf ("address=%s\n", address);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      g_autofree char *registry = mh_test_pci_registry ();
      if ((strstr (registry, needle) != NULL) == present)
        return TRUE;
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (10 * 1000);
    }
}

/* ------------------------------------------------------------------ */
/* Assertions */

void
mh_test_pci_assert_driver (const char *address, const char *driver)
{
  g_autofree char *now = mh_test_pci_driver (address);

  if (strcmp (now, driver) != 0)
    {
      g_autofree char *log = mh_test_pci_log ();
      g_error ("%s is on \"%s\", expected \"%s\"; the fake world's log:\n%s", address, now, driver,
               log);
    }
}

void
mh_test_pci_assert_override (const char *address, const char *expected)
{
  g_autofree char *now = mh_test_pci_override (address);

  g_assert_cmpstr (now, ==, expected);
}

void
mh_test_pci_assert_node_owner (guint group, uid_t uid)
{
  uid_t owner;
  mode_t mode;

  mh_test_pci_node_owner (group, &owner, &mode);
  g_assert_cmpuint (owner, ==, uid);
  g_assert_cmpuint (mode, ==, 0600);
}

/* Nothing was ever written to change a driver, and nothing unsafe
 * happened. */
void
mh_test_pci_assert_untouched (void)
{
  g_assert_cmpuint (mh_test_pci_log_count ("driver_override of"), ==, 0);
  g_assert_cmpuint (mh_test_pci_log_count ("unbound"), ==, 0);
  g_assert_cmpuint (mh_test_pci_log_count ("VIOLATION"), ==, 0);
}

void
mh_test_pci_assert_no_violation (void)
{
  g_autofree char *log = mh_test_pci_log ();

  if (strstr (log, "VIOLATION") != NULL)
    g_error ("the helper did something the kernel would block on:\n%s", log);
}

/* The log has @first before @second. */
void
mh_test_pci_assert_log_order (const char *first, const char *second)
{
  g_autofree char *log = mh_test_pci_log ();
  const char *a = strstr (log, first);
  const char *b = strstr (log, second);

  if (a == NULL || b == NULL || a > b)
    g_error ("expected \"%s\" before \"%s\" in the fake world's log:\n%s", first, second, log);
}

char *
mh_test_pci_bind_ok (MhTestAgent *agent, const char *address, const char *options)
{
  g_autofree char *args = g_strdup_printf ("('%s', %s)", address, options);
  g_autoptr (GVariant) result = mh_test_assert_call_ok (agent, "BindPciDevice", args);
  const char *path;

  g_variant_get (result, "(&s)", &path);
  return g_strdup (path);
}

void
mh_test_pci_release_ok (MhTestAgent *agent, const char *address)
{
  g_autofree char *args = g_strdup_printf ("('%s',)", address);

  g_variant_unref (mh_test_assert_call_ok (agent, "ReleasePciDevice", args));
}

void
mh_test_pci_assert_bind_error (MhTestAgent *agent, const char *address, const char *error_name,
                               const char *message_part)
{
  g_autofree char *args = g_strdup_printf ("('%s', {})", address);
  g_autofree char *message =
    mh_test_assert_call_error (agent, "BindPciDevice", args, error_name, message_part);
}

void
mh_test_pci_assert_release_error (MhTestAgent *agent, const char *address, const char *error_name,
                                  const char *message_part)
{
  g_autofree char *args = g_strdup_printf ("('%s',)", address);
  g_autofree char *message =
    mh_test_assert_call_error (agent, "ReleasePciDevice", args, error_name, message_part);
}

/* The caller's devices: address -> details. */
GVariant *
mh_test_pci_list (MhTestAgent *agent)
{
  g_autoptr (GVariant) result = mh_test_assert_call_ok (agent, "ListPciDevices", "()");

  return g_variant_get_child_value (result, 0);
}
