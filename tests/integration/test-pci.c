/* Integration tests of BindPciDevice, ReleasePciDevice, ListPciDevices and
 * SetMemlockLimit: real bus, real polkitd with the sandbox's rules, the
 * real helper activated by the bus.  The one stand-in is the PCI world
 * itself: these machines have no VFIO and their PCI devices are their
 * own, so each case mounts the fake PCI world (tests/fakepci, FUSE),
 * which behaves like the kernel when written, and starts the helper with
 * --sysfs-root/--dev-root pointing into it.  Everything else is as
 * installed.  SetMemlockLimit has its own binary, test-memlock. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mh-test-pci.h"
#include "mh-test.h"

#define NIC "0000:01:00.0"
#define NIC_NODE MH_TEST_PCI_ROOT "/dev/vfio/1"
#define GPU "0000:02:00.0"
#define GPU_AUDIO "0000:02:00.1"
#define VF "0000:04:10.0"
#define UNBOUND_NIC "0000:09:00.0"

static void
start_world (const char *extra_helper_args)
{
  g_autofree char *spec = mh_test_pci_standard_spec (TRUE);

  mh_test_pci_start (spec, extra_helper_args);
}

static char *
agent_says (MhTestAgent *agent, const char *command)
{
  return mh_test_agent_command (agent, "%s", command);
}

/* ------------------------------------------------------------------ */

static void
test_bind_release_nic (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) bob = mh_test_agent_new ("bob");
  g_autoptr (GVariant) devices = NULL;
  g_autoptr (GVariant) details = NULL;
  g_autofree char *path = NULL;
  g_autofree char *opened = NULL, *closed = NULL, *bob_open = NULL;
  g_autofree char *registry = NULL;
  const char *address, *text;
  guint16 id16;
  guint32 u32;
  gboolean flag;

  start_world (NULL);
  path = mh_test_pci_bind_ok (alice, NIC, "{}");
  g_assert_cmpstr (path, ==, NIC_NODE);
  mh_test_pci_assert_driver (NIC, "vfio-pci");
  mh_test_pci_assert_override (NIC, "vfio-pci");
  mh_test_pci_assert_node_owner (1, MH_TEST_UID_ALICE);
  mh_test_pci_assert_log_order ("driver_override of " NIC " = vfio-pci",
                                "unbound " NIC " from e1000e");
  mh_test_pci_assert_log_order ("unbound " NIC " from e1000e", "bound " NIC " to vfio-pci");

  /* alice, unprivileged, opens the group as her hypervisor would; bob
   * cannot. */
  opened = mh_test_agent_command (alice, "open-vfio %s", path);
  g_assert_cmpstr (opened, ==, "ok");
  closed = agent_says (alice, "close-vfio");
  bob_open = mh_test_agent_command (bob, "open-vfio %s", path);
  g_assert_true (g_str_has_prefix (bob_open, "errno 13 "));

  devices = mh_test_pci_list (alice);
  g_assert_cmpuint (g_variant_n_children (devices), ==, 1);
  g_variant_get_child (devices, 0, "(&s@a{sv})", &address, &details);
  g_assert_cmpstr (address, ==, NIC);
  g_assert_true (g_variant_lookup (details, "vendor", "q", &id16) && id16 == 0x8086);
  g_assert_true (g_variant_lookup (details, "device", "q", &id16) && id16 == 0x10d3);
  g_assert_true (g_variant_lookup (details, "class", "u", &u32) && u32 == 0x020000);
  g_assert_true (g_variant_lookup (details, "iommu_group", "u", &u32) && u32 == 1);
  g_assert_true (g_variant_lookup (details, "owner", "u", &u32) && u32 == MH_TEST_UID_ALICE);
  g_assert_true (g_variant_lookup (details, "vfio_group_path", "&s", &text));
  g_assert_cmpstr (text, ==, NIC_NODE);
  g_assert_true (g_variant_lookup (details, "original_driver", "&s", &text));
  g_assert_cmpstr (text, ==, "e1000e");
  g_assert_true (g_variant_lookup (details, "release_on_disconnect", "b", &flag) && !flag);
  {
    g_autoptr (GVariant) bobs = mh_test_pci_list (bob);
    g_assert_cmpuint (g_variant_n_children (bobs), ==, 0);
  }
  registry = mh_test_pci_registry ();
  g_assert_nonnull (strstr (registry, "address=" NIC "\n"));
  g_assert_nonnull (strstr (registry, "original_driver=e1000e\n"));
  g_assert_nonnull (strstr (registry, "state=bound\n"));

  mh_test_pci_release_ok (alice, NIC);
  mh_test_pci_assert_driver (NIC, "e1000e");
  mh_test_pci_assert_override (NIC, "(null)");
  g_assert_false (mh_test_pci_node_exists (1));
  mh_test_pci_assert_log_order ("driver_override of " NIC " = (null)",
                                "unbound " NIC " from vfio-pci");
  mh_test_pci_assert_log_order ("unbound " NIC " from vfio-pci", "bound " NIC " to e1000e");
  g_clear_pointer (&devices, g_variant_unref);
  devices = mh_test_pci_list (alice);
  g_assert_cmpuint (g_variant_n_children (devices), ==, 0);
  g_assert_true (mh_test_pci_wait_registry (NIC, FALSE, 0));
  mh_test_pci_assert_no_violation ();
}

static void
test_short_address_and_reuse (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) alice2 = mh_test_agent_new ("alice");
  g_autofree char *first = NULL, *again = NULL, *other = NULL, *registry = NULL;

  start_world (NULL);
  /* BB:DD.F is domain 0000, any case; replies use the canonical form. */
  first = mh_test_pci_bind_ok (alice, "01:00.0", "{}");
  g_assert_cmpstr (first, ==, NIC_NODE);
  again = mh_test_pci_bind_ok (alice, "0000:01:00.0", "{}");
  g_assert_cmpstr (again, ==, NIC_NODE);
  /* Another connection of the same user, asking for a lease: reused, the
   * lease left as it was. */
  other = mh_test_pci_bind_ok (alice2, "0000:01:00.0", "{'release_on_disconnect': <true>}");
  g_assert_cmpstr (other, ==, NIC_NODE);
  mh_test_agent_kill (alice2);
  g_usleep (300 * 1000);
  mh_test_pci_assert_driver (NIC, "vfio-pci");
  registry = mh_test_pci_registry ();
  g_assert_null (strstr (registry, "lease="));
  g_assert_cmpuint (mh_test_pci_log_count ("bound " NIC " to vfio-pci"), ==, 1);
  mh_test_pci_release_ok (alice, "0000:01:00.0");
  mh_test_pci_assert_driver (NIC, "e1000e");
}

static void
test_group_peer_on_host (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");

  start_world (NULL);
  /* Each names the other, which the host still drives. */
  mh_test_pci_assert_bind_error (alice, GPU, "Busy", GPU_AUDIO " (driver snd_hda_intel)");
  mh_test_pci_assert_bind_error (alice, GPU_AUDIO, "Busy", GPU " (driver i915)");
  mh_test_pci_assert_driver (GPU, "i915");
  mh_test_pci_assert_driver (GPU_AUDIO, "snd_hda_intel");
  mh_test_pci_assert_untouched ();
}

static void
test_group_of_one_user (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) bob = mh_test_agent_new ("bob");
  g_autofree char *gpu = NULL, *audio = NULL;

  start_world (NULL);
  /* The administrator takes the audio function away from the host. */
  mh_test_pci_sysfs_write ("bus/pci/drivers/snd_hda_intel/unbind", GPU_AUDIO);
  gpu = mh_test_pci_bind_ok (alice, GPU, "{}");
  g_assert_cmpstr (gpu, ==, MH_TEST_PCI_ROOT "/dev/vfio/2");
  /* The group is alice's now: bob cannot have its other member. */
  mh_test_pci_assert_bind_error (bob, GPU_AUDIO, "Busy", "bound for another user; a group");
  audio = mh_test_pci_bind_ok (alice, GPU_AUDIO, "{}");
  g_assert_cmpstr (audio, ==, gpu);
  mh_test_pci_assert_driver (GPU_AUDIO, "vfio-pci");
  mh_test_pci_assert_node_owner (2, MH_TEST_UID_ALICE);

  /* Giving one back leaves the group's node with alice for the other. */
  mh_test_pci_release_ok (alice, GPU);
  mh_test_pci_assert_driver (GPU, "i915");
  mh_test_pci_assert_node_owner (2, MH_TEST_UID_ALICE);
  mh_test_pci_release_ok (alice, GPU_AUDIO);
  mh_test_pci_assert_driver (GPU_AUDIO, ""); /* as it was before the bind */
  g_assert_false (mh_test_pci_node_exists (2));
  mh_test_pci_assert_no_violation ();
}

static void
test_refuse_bridge (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");

  start_world (NULL);
  mh_test_pci_assert_bind_error (alice, "0000:00:1c.0", "Refused", "is a PCI bridge");
  mh_test_pci_assert_driver ("0000:00:1c.0", "pcieport");
  mh_test_pci_assert_untouched ();
}

static void
test_refuse_sriov_pf (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autofree char *vf = NULL;

  start_world (NULL);
  mh_test_pci_assert_bind_error (alice, "0000:04:00.0", "Refused",
                                 "SR-IOV physical function with 2 virtual functions enabled");
  mh_test_pci_assert_driver ("0000:04:00.0", "igb");
  mh_test_pci_assert_untouched ();
  /* One of its virtual functions is what can be passed through. */
  vf = mh_test_pci_bind_ok (alice, VF, "{}");
  g_assert_cmpstr (vf, ==, MH_TEST_PCI_ROOT "/dev/vfio/40");
  mh_test_pci_release_ok (alice, VF);
  mh_test_pci_assert_driver (VF, "igbvf");
}

static void
test_refuse_boot_vga (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");

  start_world (NULL);
  mh_test_pci_assert_bind_error (alice, "0000:00:02.0", "Refused", "is the boot display");
  mh_test_pci_assert_driver ("0000:00:02.0", "i915");
  mh_test_pci_assert_untouched ();
}

static void
test_refuse_no_group (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");

  start_world (NULL);
  mh_test_pci_assert_bind_error (alice, "0000:05:00.0", "Refused", "has no IOMMU group");
  mh_test_pci_assert_driver ("0000:05:00.0", "e1000e");
  mh_test_pci_assert_untouched ();
}

static void
test_refuse_missing (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");

  start_world (NULL);
  mh_test_pci_assert_bind_error (alice, "0000:0a:00.0", "NotFound",
                                 "there is no PCI device 0000:0a:00.0");
  mh_test_pci_assert_release_error (alice, "0000:0a:00.0", "NotFound",
                                    "does not hold 0000:0a:00.0");
  mh_test_pci_assert_release_error (alice, NIC, "NotFound", "does not hold " NIC);
  mh_test_pci_assert_untouched ();
}

static void
test_refuse_in_use (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");

  start_world (NULL);
  mh_test_pci_assert_bind_error (alice, "0000:06:00.0", "Busy",
                                 "block device nvme0n1 is mounted on \"/run\"");
  mh_test_pci_assert_bind_error (alice, "0000:07:00.0", "Busy", "network interface enp7s0 is up");
  mh_test_pci_assert_driver ("0000:06:00.0", "nvme");
  mh_test_pci_assert_driver ("0000:07:00.0", "igc");
  mh_test_pci_assert_untouched ();
}

static void
test_no_vfio_driver (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autofree char *spec = mh_test_pci_standard_spec (FALSE);

  mh_test_pci_start (spec, NULL);
  mh_test_pci_assert_bind_error (alice, NIC, "Failed", "modprobe vfio-pci");
  mh_test_pci_assert_driver (NIC, "e1000e");
  mh_test_pci_assert_untouched ();
}

static void
test_bad_arguments (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autofree char *long_address = g_strnfill (5000, '0');
  const char *addresses[] = {
    "",
    "1:00.0",
    "0000:01:00.0 ",
    " 01:00.0",
    "0000:01:20.0",
    "0000:01:00.8",
    "00000:01:00.0",
    "0000:01:00",
    "0000-01-00.0",
    "../../../x",
    "0000:01:00.0/..",
    "g000:01:00.0",
    long_address,
  };
  const struct {
    const char *options;
    const char *message;
  } options[] = {
    { "{'colour': <'red'>}", "unknown option \"colour\"" },
    { "{'release_on_disconnect': <1>}", "must be a boolean" },
    { "{'release_on_disconnect': <'yes'>}", "must be a boolean" },
    { "{'release_on_disconnect': <true>, 'release_on_disconnect': <false>}", "given twice" },
  };

  start_world (NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (addresses); i++)
    {
      g_autoptr (GVariant) literal = g_variant_ref_sink (g_variant_new_string (addresses[i]));
      g_autofree char *quoted = g_variant_print (literal, FALSE);
      g_autofree char *bind = g_strdup_printf ("(%s, {})", quoted);
      g_autofree char *release = g_strdup_printf ("(%s,)", quoted);
      g_autofree char *m1 = NULL, *m2 = NULL;

      m1 = mh_test_assert_call_error (alice, "BindPciDevice", bind, "InvalidArgument",
                                      "invalid PCI address");
      g_assert_cmpuint (strlen (m1), <, 400); /* hostile input is cut in messages */
      m2 = mh_test_assert_call_error (alice, "ReleasePciDevice", release, "InvalidArgument",
                                      "invalid PCI address");
    }
  for (gsize i = 0; i < G_N_ELEMENTS (options); i++)
    {
      g_autofree char *args = g_strdup_printf ("('" NIC "', %s)", options[i].options);
      g_autofree char *m = mh_test_assert_call_error (alice, "BindPciDevice", args,
                                                      "InvalidArgument", options[i].message);
    }
  {
    g_autofree char *m = mh_test_assert_call_error (alice, "SetMemlockLimit", "(uint64 0,)",
                                                    "InvalidArgument", "more than 0");
  }
  mh_test_pci_assert_driver (NIC, "e1000e");
  mh_test_pci_assert_untouched ();
}

static void
test_config_allow_deny (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autofree char *nic = NULL, *unbound = NULL;

  mh_test_helper_set_config ("[PCI]\nAllow=0000:01:00.0;8086:1520;09:00.0\nDeny=8086:1520\n");
  start_world (NULL);
  mh_test_pci_assert_bind_error (alice, VF, "Refused", "matches 8086:1520 in Deny=");
  mh_test_pci_assert_bind_error (alice, "0000:04:10.4", "Refused", "matches 8086:1520 in Deny=");
  mh_test_pci_assert_bind_error (alice, UNBOUND_NIC "x", "InvalidArgument", "invalid PCI address");
  mh_test_pci_assert_bind_error (alice, GPU, "Refused",
                                 "allows binding only 0000:01:00.0, 8086:1520, "
                                 "0000:09:00.0");
  mh_test_pci_assert_untouched ();
  nic = mh_test_pci_bind_ok (alice, NIC, "{}");
  unbound = mh_test_pci_bind_ok (alice, UNBOUND_NIC, "{}");
  mh_test_pci_release_ok (alice, NIC);
  mh_test_pci_release_ok (alice, UNBOUND_NIC);
}

/* Every failing step leaves the device where it was, and nothing in the
 * registry. */
static void
assert_rolled_back (MhTestAgent *alice)
{
  g_autoptr (GVariant) devices = NULL;

  mh_test_pci_assert_driver (NIC, "e1000e");
  mh_test_pci_assert_override (NIC, "(null)");
  g_assert_false (mh_test_pci_node_exists (1));
  g_assert_true (mh_test_pci_wait_registry (NIC, FALSE, 0));
  devices = mh_test_pci_list (alice);
  g_assert_cmpuint (g_variant_n_children (devices), ==, 0);
  mh_test_pci_assert_no_violation ();
  mh_test_pci_control ("clear-failures");
}

static void
test_rollback (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");

  start_world (NULL);

  /* vfio-pci does not take it: drivers_probe succeeds anyway, and only
   * the driver link tells. */
  mh_test_pci_control ("fail-probe vfio-pci " NIC);
  mh_test_pci_assert_bind_error (alice, NIC, "Failed", "vfio-pci did not take " NIC);
  mh_test_pci_assert_bind_error (alice, NIC, "Failed", "was put back on e1000e");
  assert_rolled_back (alice);

  mh_test_pci_control ("fail unbind " NIC);
  mh_test_pci_assert_bind_error (alice, NIC, "Failed", "unbinding from e1000e");
  assert_rolled_back (alice);

  /* Reprobing fails in the rollback too: the helper binds e1000e by name. */
  mh_test_pci_control ("fail drivers_probe " NIC);
  mh_test_pci_assert_bind_error (alice, NIC, "Failed", "was put back on e1000e");
  assert_rolled_back (alice);

  mh_test_pci_control ("fail driver_override " NIC);
  mh_test_pci_assert_bind_error (alice, NIC, "Failed", "was put back on e1000e");
  assert_rolled_back (alice);

  /* A failed release leaves the device with its holder. */
  g_free (mh_test_pci_bind_ok (alice, NIC, "{}"));
  mh_test_pci_control ("fail unbind " NIC);
  mh_test_pci_assert_release_error (alice, NIC, "Failed", "stays on vfio-pci and yours");
  mh_test_pci_assert_driver (NIC, "vfio-pci");
  mh_test_pci_assert_node_owner (1, MH_TEST_UID_ALICE);
  g_assert_true (mh_test_pci_wait_registry (NIC, TRUE, 0));
  mh_test_pci_control ("clear-failures");
  mh_test_pci_release_ok (alice, NIC);
  mh_test_pci_assert_driver (NIC, "e1000e");
}

static void
test_second_user (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) bob = mh_test_agent_new ("bob");
  g_autoptr (GVariant) bobs = NULL;
  g_autofree char *path = NULL, *bob_open = NULL;

  start_world (NULL);
  path = mh_test_pci_bind_ok (alice, NIC, "{}");
  mh_test_pci_assert_bind_error (bob, NIC, "Busy", "held by another user through");
  /* Nor does a user granted nothing learn who holds it. */
  {
    g_autoptr (MhTestAgent) mallory = mh_test_agent_new ("mallory");
    g_autofree char *args = g_strdup_printf ("('%s', {})", NIC);
    g_autofree char *m = mh_test_assert_call_error (mallory, "BindPciDevice", args, "Busy",
                                                    "held by another user through");

    g_assert_null (strstr (m, "61001"));
    g_assert_null (strstr (m, "alice"));
  }
  /* Giving back another user's device needs manage-all, which bob lacks. */
  mh_test_pci_assert_release_error (bob, NIC, "NotAuthorized", "org.microvm.helper.manage-all");
  bobs = mh_test_pci_list (bob);
  g_assert_cmpuint (g_variant_n_children (bobs), ==, 0);
  bob_open = mh_test_agent_command (bob, "open-vfio %s", path);
  g_assert_true (g_str_has_prefix (bob_open, "errno 13 "));
  mh_test_pci_assert_driver (NIC, "vfio-pci");
  mh_test_pci_assert_node_owner (1, MH_TEST_UID_ALICE);
  g_assert_cmpuint (mh_test_pci_log_count ("driver_override of"), ==, 1);
}

static void
test_admin_manage_all (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) dave = mh_test_agent_new ("dave");

  start_world (NULL);
  g_free (mh_test_pci_bind_ok (alice, NIC, "{}"));
  mh_test_pci_release_ok (dave, NIC);
  mh_test_pci_assert_driver (NIC, "e1000e");
  g_assert_true (mh_test_pci_wait_registry (NIC, FALSE, 0));
}

static void
test_polkit_deny (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) mallory = mh_test_agent_new ("mallory");
  g_autoptr (MhTestAgent) carol = mh_test_agent_new ("carol");

  start_world (NULL);
  mh_test_pci_assert_bind_error (mallory, NIC, "NotAuthorized",
                                 "polkit's rules do not allow uid 61003");
  /* The rules give the microvm group Intel devices only: the vendor
   * detail reached polkit, and an admin password would be needed. */
  mh_test_pci_assert_bind_error (alice, "0000:08:00.0", "NotAuthorized", "needs authentication");
  /* carol's rule names one device exactly; this is another one. */
  mh_test_pci_assert_bind_error (carol, UNBOUND_NIC, "NotAuthorized", "needs authentication");
  mh_test_pci_assert_driver (NIC, "e1000e");
  mh_test_pci_assert_driver ("0000:08:00.0", "r8169");
  mh_test_pci_assert_untouched ();
}

static void
test_details_reach_polkit (void)
{
  g_autoptr (MhTestAgent) carol = mh_test_agent_new ("carol");
  g_autofree char *path = NULL;

  start_world (NULL);
  /* Allowed only if address, vendor, device, class, iommu_group, driver
   * and device_name (from pci.ids) are all what the rule expects. */
  path = mh_test_pci_bind_ok (carol, NIC, "{}");
  mh_test_pci_assert_node_owner (1, MH_TEST_UID_CAROL);
  mh_test_pci_release_ok (carol, NIC);
  mh_test_pci_assert_driver (NIC, "e1000e");
}

static void
test_helper_restart (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) leasing = mh_test_agent_new ("alice");
  g_autoptr (GVariant) devices = NULL;
  const char *address;

  start_world (NULL);
  g_free (mh_test_pci_bind_ok (alice, NIC, "{}"));
  g_free (mh_test_pci_bind_ok (leasing, VF, "{'release_on_disconnect': <true>}"));
  mh_test_helper_kill ();
  /* While no helper runs, the leasing client goes away. */
  mh_test_agent_kill (leasing);
  mh_test_pci_assert_driver (VF, "vfio-pci");

  /* The next call starts a new helper: it gives the VF back, and still
   * knows that the NIC is alice's and where it came from. */
  devices = mh_test_pci_list (alice);
  g_assert_cmpint (mh_test_helper_pid (), >, 0);
  g_assert_true (mh_test_pci_wait_driver (VF, "igbvf", 10000));
  g_assert_true (mh_test_pci_wait_registry (VF, FALSE, 5000));
  g_assert_cmpuint (g_variant_n_children (devices), ==, 1);
  g_variant_get_child (devices, 0, "(&s@a{sv})", &address, NULL);
  g_assert_cmpstr (address, ==, NIC);
  mh_test_pci_assert_node_owner (1, MH_TEST_UID_ALICE);
  mh_test_pci_release_ok (alice, NIC);
  mh_test_pci_assert_driver (NIC, "e1000e");
  mh_test_pci_assert_no_violation ();
}

static void
test_restart_after_interrupted_bind (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (GVariant) devices = NULL;
  g_autoptr (GError) error = NULL;

  start_world (NULL);
  /* A helper died in the middle of a bind: its record says "binding", the
   * device is on vfio-pci, the node is still root's. */
  mh_test_pci_sysfs_write ("bus/pci/devices/" NIC "/driver_override", "vfio-pci");
  mh_test_pci_sysfs_write ("bus/pci/drivers/e1000e/unbind", NIC);
  mh_test_pci_sysfs_write ("bus/pci/drivers_probe", NIC);
  mh_test_pci_assert_driver (NIC, "vfio-pci");
  g_assert_cmpint (g_mkdir_with_parents ("/run/microvm-helper", 0700), ==, 0);
  g_file_set_contents ("/run/microvm-helper/pci.registry",
                       "[device0]\naddress=" NIC "\nuid=61001\niommu_group=1\n"
                       "original_driver=e1000e\nstate=binding\n",
                       -1, &error);
  g_assert_no_error (error);

  devices = mh_test_pci_list (alice);
  g_assert_cmpuint (g_variant_n_children (devices), ==, 0);
  g_assert_true (mh_test_pci_wait_driver (NIC, "e1000e", 10000));
  mh_test_pci_assert_override (NIC, "(null)");
  g_assert_true (mh_test_pci_wait_registry (NIC, FALSE, 5000));
}

static void
test_release_on_disconnect (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) keeper = mh_test_agent_new ("alice");
  g_autofree char *path = NULL, *opened = NULL;
  g_autoptr (GVariant) devices = NULL;
  gboolean leased = FALSE;

  start_world (NULL);
  path = mh_test_pci_bind_ok (alice, NIC, "{'release_on_disconnect': <true>}");
  g_free (mh_test_pci_bind_ok (keeper, UNBOUND_NIC, "{}"));
  devices = mh_test_pci_list (alice);
  {
    g_autoptr (GVariant) details = NULL;
    g_variant_get_child (devices, 0, "(&s@a{sv})", NULL, &details);
    g_assert_true (g_variant_lookup (details, "release_on_disconnect", "b", &leased) && leased);
  }
  /* alice is the hypervisor too: the group is open when she is killed. */
  opened = mh_test_agent_command (alice, "open-vfio %s", path);
  g_assert_cmpstr (opened, ==, "ok");
  mh_test_agent_kill (alice);

  g_assert_true (mh_test_pci_wait_driver (NIC, "e1000e", 10000));
  g_assert_true (mh_test_pci_wait_registry (NIC, FALSE, 5000));
  mh_test_pci_assert_override (NIC, "(null)");
  g_assert_false (mh_test_pci_node_exists (1));
  /* What was not leased stays. */
  mh_test_pci_assert_driver (UNBOUND_NIC, "vfio-pci");
  g_assert_true (mh_test_pci_wait_registry (UNBOUND_NIC, TRUE, 0));
  mh_test_pci_assert_no_violation ();
}

static void
test_release_busy (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autofree char *path = NULL, *opened = NULL, *closed = NULL;

  start_world (NULL);
  path = mh_test_pci_bind_ok (alice, NIC, "{}");
  opened = mh_test_agent_command (alice, "open-vfio %s", path);
  g_assert_cmpstr (opened, ==, "ok");
  mh_test_pci_assert_release_error (alice, NIC, "Busy", "is still in use");
  mh_test_pci_assert_driver (NIC, "vfio-pci");
  mh_test_pci_assert_node_owner (1, MH_TEST_UID_ALICE); /* given back after the check */
  g_assert_cmpuint (mh_test_pci_log_count ("from vfio-pci"), ==, 0);
  closed = agent_says (alice, "close-vfio");

  /* The world's own switch: the group is held by someone else. */
  mh_test_pci_control ("busy 1 1");
  mh_test_pci_assert_release_error (alice, NIC, "Busy", "is still in use");
  mh_test_pci_assert_driver (NIC, "vfio-pci");
  mh_test_pci_control ("busy 1 0");

  mh_test_pci_release_ok (alice, NIC);
  mh_test_pci_assert_driver (NIC, "e1000e");
  mh_test_pci_assert_no_violation ();
}

static void
test_no_original_driver (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (GVariant) devices = NULL;
  g_autoptr (GVariant) details = NULL;
  const char *original;

  start_world (NULL);
  g_free (mh_test_pci_bind_ok (alice, UNBOUND_NIC, "{}"));
  devices = mh_test_pci_list (alice);
  g_variant_get_child (devices, 0, "(&s@a{sv})", NULL, &details);
  g_assert_true (g_variant_lookup (details, "original_driver", "&s", &original));
  g_assert_cmpstr (original, ==, "");
  mh_test_pci_release_ok (alice, UNBOUND_NIC);
  /* e1000e would take it on a probe: the helper did not probe. */
  mh_test_pci_assert_driver (UNBOUND_NIC, "");
  mh_test_pci_assert_override (UNBOUND_NIC, "(null)");
  g_assert_cmpuint (mh_test_pci_log_count ("bound " UNBOUND_NIC " to e1000e"), ==, 0);
}

static void
test_parked_on_pci_stub (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autofree char *registry = NULL;
  const char *parked = "0000:0b:00.0";

  start_world (NULL);
  g_free (mh_test_pci_bind_ok (alice, parked, "{}"));
  mh_test_pci_assert_driver (parked, "vfio-pci");
  mh_test_pci_assert_override (parked, "vfio-pci");
  registry = mh_test_pci_registry ();
  g_assert_nonnull (strstr (registry, "original_override=pci-stub\n"));
  /* The administrator's override comes back, and with it pci-stub. */
  mh_test_pci_release_ok (alice, parked);
  mh_test_pci_assert_driver (parked, "pci-stub");
  mh_test_pci_assert_override (parked, "pci-stub");
}

static void
give_back_by_hand (const char *address)
{
  mh_test_pci_sysfs_write ("bus/pci/devices/" NIC "/driver_override", "\n");
  mh_test_pci_sysfs_write ("bus/pci/drivers/vfio-pci/unbind", address);
  mh_test_pci_sysfs_write ("bus/pci/drivers_probe", address);
  mh_test_pci_assert_driver (address, "e1000e");
}

static void
test_changed_outside (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (GVariant) devices = NULL;
  g_autofree char *again = NULL;

  start_world (NULL);
  g_free (mh_test_pci_bind_ok (alice, NIC, "{}"));
  give_back_by_hand (NIC);
  devices = mh_test_pci_list (alice);
  g_assert_cmpuint (g_variant_n_children (devices), ==, 0);
  mh_test_pci_assert_release_error (alice, NIC, "NotFound", "is no longer on vfio-pci");
  g_assert_true (mh_test_pci_wait_registry (NIC, FALSE, 0));
  mh_test_pci_assert_driver (NIC, "e1000e");

  /* Binding again while a stale record exists binds anew. */
  g_free (mh_test_pci_bind_ok (alice, NIC, "{}"));
  give_back_by_hand (NIC);
  again = mh_test_pci_bind_ok (alice, NIC, "{}");
  g_assert_cmpstr (again, ==, NIC_NODE);
  mh_test_pci_assert_driver (NIC, "vfio-pci");
  mh_test_pci_assert_node_owner (1, MH_TEST_UID_ALICE);
  mh_test_pci_release_ok (alice, NIC);
  mh_test_pci_assert_driver (NIC, "e1000e");

  /* A held device that is hot-unplugged is forgotten. */
  g_free (mh_test_pci_bind_ok (alice, VF, "{}"));
  mh_test_pci_control ("remove " VF);
  g_clear_pointer (&devices, g_variant_unref);
  devices = mh_test_pci_list (alice);
  g_assert_cmpuint (g_variant_n_children (devices), ==, 0);
  mh_test_pci_assert_release_error (alice, VF, "NotFound", "no longer exists");
  g_assert_true (mh_test_pci_wait_registry (VF, FALSE, 0));
}

static void
test_idle_with_lease (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  gint64 deadline;

  start_world ("--idle-timeout=1");
  g_free (mh_test_pci_bind_ok (alice, NIC, "{'release_on_disconnect': <true>}"));
  /* A PCI lease keeps the helper alive past its idle timeout... */
  g_usleep (2500 * 1000);
  g_assert_cmpint (mh_test_helper_pid (), >, 0);
  mh_test_pci_release_ok (alice, NIC);
  /* ...and without one it exits. */
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (mh_test_helper_pid () != 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50 * 1000);
    }
}

/* The stand-in answers like the kernel; if it did not, the tests above
 * would prove little. */
static void
test_fake_world_behaves (void)
{
  g_autofree char *spec = mh_test_pci_standard_spec (TRUE);
  g_autofree char *config = NULL;
  g_autofree char *group_link = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autofree char *first = NULL, *second = NULL;
  gsize length;

  mh_test_pci_start (spec, NULL);
  /* drivers_probe honours driver_override, and succeeds when nothing
   * binds. */
  mh_test_pci_sysfs_write ("bus/pci/devices/" NIC "/driver_override", "pci-stub\n");
  mh_test_pci_sysfs_write ("bus/pci/drivers/e1000e/unbind", NIC);
  mh_test_pci_assert_driver (NIC, "");
  mh_test_pci_sysfs_write ("bus/pci/drivers_probe", NIC);
  mh_test_pci_assert_driver (NIC, "pci-stub");
  mh_test_pci_sysfs_write ("bus/pci/drivers/pci-stub/unbind", NIC);
  mh_test_pci_sysfs_write ("bus/pci/devices/" NIC "/driver_override", "no-such-driver");
  mh_test_pci_sysfs_write ("bus/pci/drivers_probe", NIC);
  mh_test_pci_assert_driver (NIC, "");
  /* An empty line clears the override; then the id table decides. */
  mh_test_pci_sysfs_write ("bus/pci/devices/" NIC "/driver_override", "\n");
  mh_test_pci_assert_override (NIC, "(null)");
  mh_test_pci_sysfs_write ("bus/pci/drivers_probe", NIC);
  mh_test_pci_assert_driver (NIC, "e1000e");

  /* vfio-pci refuses a bridge; the node comes and goes with the group. */
  mh_test_pci_sysfs_write ("bus/pci/devices/0000:00:1c.0/driver_override", "vfio-pci");
  mh_test_pci_sysfs_write ("bus/pci/drivers/pcieport/unbind", "0000:00:1c.0");
  mh_test_pci_sysfs_write ("bus/pci/drivers_probe", "0000:00:1c.0");
  mh_test_pci_assert_driver ("0000:00:1c.0", "");
  g_assert_false (mh_test_pci_node_exists (3));
  mh_test_pci_sysfs_write ("bus/pci/devices/" UNBOUND_NIC "/driver_override", "vfio-pci");
  mh_test_pci_sysfs_write ("bus/pci/drivers_probe", UNBOUND_NIC);
  mh_test_pci_assert_driver (UNBOUND_NIC, "vfio-pci");
  mh_test_pci_assert_node_owner (9, 0);

  /* The node is exclusive, and permissions are the kernel's. */
  first = mh_test_agent_command (alice, "open-vfio " MH_TEST_PCI_ROOT "/dev/vfio/9");
  g_assert_true (g_str_has_prefix (first, "errno 13 "));
  g_assert_cmpint (chown (MH_TEST_PCI_ROOT "/dev/vfio/9", MH_TEST_UID_ALICE, 0), ==, 0);
  g_free (first);
  first = mh_test_agent_command (alice, "open-vfio " MH_TEST_PCI_ROOT "/dev/vfio/9");
  g_assert_cmpstr (first, ==, "ok");
  second = mh_test_agent_command (alice, "open-vfio " MH_TEST_PCI_ROOT "/dev/vfio/9");
  g_assert_true (g_str_has_prefix (second, "errno 16 "));

  /* What libpci reads. */
  g_assert_true (g_file_get_contents (MH_TEST_PCI_ROOT "/sys/bus/pci/devices/0000:00:1c.0/config",
                                      &config, &length, &error));
  g_assert_cmpuint (length, ==, 256);
  g_assert_cmphex ((guint8) config[0x0e], ==, 0x01);
  group_link = g_file_read_link (MH_TEST_PCI_ROOT "/sys/bus/pci/devices/" NIC "/iommu_group", NULL);
  g_assert_cmpstr (group_link, ==, "../../../kernel/iommu_groups/1");
  g_assert_true (g_file_test (MH_TEST_PCI_ROOT "/sys/kernel/iommu_groups/2/devices/" GPU_AUDIO,
                              G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  mh_test_init (&argc, &argv);

  g_test_add_func ("/pci/bind-release-nic", test_bind_release_nic);
  g_test_add_func ("/pci/short-address-and-reuse", test_short_address_and_reuse);
  g_test_add_func ("/pci/group-peer-on-host", test_group_peer_on_host);
  g_test_add_func ("/pci/group-of-one-user", test_group_of_one_user);
  g_test_add_func ("/pci/refuse-bridge", test_refuse_bridge);
  g_test_add_func ("/pci/refuse-sriov-pf", test_refuse_sriov_pf);
  g_test_add_func ("/pci/refuse-boot-vga", test_refuse_boot_vga);
  g_test_add_func ("/pci/refuse-no-group", test_refuse_no_group);
  g_test_add_func ("/pci/refuse-missing", test_refuse_missing);
  g_test_add_func ("/pci/refuse-in-use", test_refuse_in_use);
  g_test_add_func ("/pci/no-vfio-driver", test_no_vfio_driver);
  g_test_add_func ("/pci/bad-arguments", test_bad_arguments);
  g_test_add_func ("/pci/config-allow-deny", test_config_allow_deny);
  g_test_add_func ("/pci/rollback", test_rollback);
  g_test_add_func ("/pci/second-user", test_second_user);
  g_test_add_func ("/pci/admin-manage-all", test_admin_manage_all);
  g_test_add_func ("/pci/polkit-deny", test_polkit_deny);
  g_test_add_func ("/pci/details-reach-polkit", test_details_reach_polkit);
  g_test_add_func ("/pci/helper-restart", test_helper_restart);
  g_test_add_func ("/pci/restart-after-interrupted-bind", test_restart_after_interrupted_bind);
  g_test_add_func ("/pci/release-on-disconnect", test_release_on_disconnect);
  g_test_add_func ("/pci/release-busy", test_release_busy);
  g_test_add_func ("/pci/no-original-driver", test_no_original_driver);
  g_test_add_func ("/pci/parked-on-pci-stub", test_parked_on_pci_stub);
  g_test_add_func ("/pci/changed-outside", test_changed_outside);
  g_test_add_func ("/pci/idle-with-lease", test_idle_with_lease);
  g_test_add_func ("/pci/fake-world-behaves", test_fake_world_behaves);

  return g_test_run ();
}
