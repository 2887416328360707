/* Integration tests of taps on a bridge and of their MTU: real bridges in
 * the sandbox's own network namespace (one the administrator allows, one
 * not), the real helper, real polkitd.  Every refusal must leave the
 * kernel, the bridges and the registry exactly as they were. */
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>

#include "mh-test-runner.h"
#include "mh-test.h"

/* Asserts that Python, given the JSON output as d, evaluates CODE to
 * EXPECTED (repr). */
#define ASSERT_JSON(output, code, expected) assert_json (output, code, expected)

static void
assert_json (const char *output, const char *code, const char *expected)
{
  g_autofree char *script = g_strdup_printf ("import json, sys; d = json.load(sys.stdin); "
                                             "print(repr(%s))",
                                             code);
  /* The distribution's python: a shim first on PATH can take seconds. */
  g_autoptr (GSubprocess) python = g_subprocess_new (
    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, NULL,
    g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE) ? "/usr/bin/python3" : "python3",
    "-c", script, NULL);
  g_autofree char *out = NULL;

  g_assert_nonnull (python);
  g_assert_true (g_subprocess_communicate_utf8 (python, output, NULL, &out, NULL, NULL));
  g_assert_cmpstr (g_strstrip (out), ==, expected);
}

#define CONFIG_ALLOWS_BR_OK "[Network]\nAllowedBridges=br-ok\n"

/* Two real bridges; br-ok at MTU 1400 so that "the bridge's MTU" cannot
 * be mistaken for the kernel's default 1500, with an uplink port (one end
 * of a veth pair) as a bridge on a host has: without any port the kernel
 * puts a bridge back to 1500 whenever its last port leaves. */
static void
make_bridges (void)
{
  MH_TEST_RUN ("ip", "link", "add", "br-ok", "mtu", "1400", "type", "bridge");
  MH_TEST_RUN ("ip", "link", "add", "up-ok", "mtu", "1400", "type", "veth", "peer", "name",
               "up-peer", "mtu", "1400");
  MH_TEST_RUN ("ip", "link", "set", "up-ok", "master", "br-ok");
  MH_TEST_RUN ("ip", "link", "add", "br-no", "type", "bridge");
  MH_TEST_RUN ("ip", "link", "set", "br-ok", "up");
}

/* The bridge @name is a port of, "" for none. */
static char *
master_of (const char *name)
{
  g_autofree char *path = g_build_filename ("/sys/class/net", name, "master", NULL);
  g_autofree char *target = g_file_read_link (path, NULL);

  return target != NULL ? g_path_get_basename (target) : g_strdup ("");
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The ports of a bridge, sorted, space separated. */
static char *
ports_of (const char *bridge)
{
  g_autofree char *path = g_build_filename ("/sys/class/net", bridge, "brif", NULL);
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *entry;

  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (entry));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static gint64
ipv6_disabled (const char *name)
{
  g_autofree char *path = g_build_filename ("/proc/sys/net/ipv6/conf", name, "disable_ipv6", NULL);
  g_autofree char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return g_ascii_strtoll (text, NULL, 10);
}

/* What `ip -d link show NAME` says, in the test log (for the record). */
static void
log_ip_link (const char *name)
{
  g_autofree char *out = NULL;
  const char *argv[] = { "ip", "-d", "link", "show", name, NULL };

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               NULL, NULL, NULL));
  g_test_message ("ip -d link show %s:\n%s", name, out);
}

/* Everything a refusal must not change. */
typedef struct {
  char *interfaces;
  char *ports_ok;
  char *ports_no;
  char *registry;
  gint64 mtu_ok;
} World;

static void
world_take (World *world)
{
  world->interfaces = mh_test_iface_list ();
  world->ports_ok = ports_of ("br-ok");
  world->ports_no = ports_of ("br-no");
  world->registry = mh_test_helper_registry ();
  world->mtu_ok = mh_test_iface_attr_int ("br-ok", "mtu");
}

static void
world_clear (World *world)
{
  g_free (world->interfaces);
  g_free (world->ports_ok);
  g_free (world->ports_no);
  g_free (world->registry);
}

static void
assert_unchanged (const World *before)
{
  World now;

  world_take (&now);
  g_assert_cmpstr (now.interfaces, ==, before->interfaces);
  g_assert_cmpstr (now.ports_ok, ==, before->ports_ok);
  g_assert_cmpstr (now.ports_no, ==, before->ports_no);
  g_assert_cmpstr (now.registry, ==, before->registry);
  g_assert_cmpint (now.mtu_ok, ==, before->mtu_ok);
  world_clear (&now);
}

/* @args must fail with @short_name and a message holding @part, changing
 * nothing. */
static void
assert_refused (MhTestAgent *agent, const char *method, const char *args, const char *short_name,
                const char *part)
{
  World before;
  g_autofree char *message = NULL;

  /* The helper running, so the snapshot has its registry file. */
  g_variant_unref (mh_test_assert_call_ok (agent, "ListTaps", "()"));
  world_take (&before);
  message = mh_test_assert_call_error (agent, method, args, short_name, part);
  assert_unchanged (&before);
  world_clear (&before);
}

static GVariant *
details_of (MhTestAgent *agent, const char *name)
{
  g_autoptr (GVariant) listed = mh_test_assert_call_ok (agent, "ListTaps", "()");
  g_autoptr (GVariant) taps = g_variant_get_child_value (listed, 0);

  for (gsize i = 0; i < g_variant_n_children (taps); i++)
    {
      const char *entry_name;
      gint32 ifindex;
      GVariant *details;

      g_variant_get_child (taps, i, "(&si@a{sv})", &entry_name, &ifindex, &details);
      if (strcmp (entry_name, name) == 0)
        return details;
      g_variant_unref (details);
    }
  g_error ("ListTaps has no %s", name);
  return NULL;
}

static void
test_bridged_tap (void)
{
  g_autoptr (MhTestAgent) alice = NULL;
  g_autoptr (GVariant) details = NULL;
  g_autofree char *master = NULL;
  g_autofree char *attach = NULL;
  g_autofree char *ports = NULL;
  const char *text;
  guint32 mtu;

  make_bridges ();
  mh_test_helper_set_config (CONFIG_ALLOWS_BR_OK);
  alice = mh_test_agent_new ("alice");

  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-br', {'bridge': <'br-ok'>})"));
  log_ip_link ("vm-br");
  log_ip_link ("br-ok");
  master = master_of ("vm-br");
  g_assert_cmpstr (master, ==, "br-ok");
  g_assert_cmpint (mh_test_iface_attr_int ("vm-br", "owner"), ==, MH_TEST_UID_ALICE);
  g_assert_cmphex (mh_test_iface_attr_int ("vm-br", "tun_flags"), ==,
                   IFF_TAP | IFF_NO_PI | IFF_PERSIST | IFF_VNET_HDR);
  g_assert_cmphex (mh_test_iface_attr_int ("vm-br", "flags") & IFF_UP, ==, IFF_UP);
  /* The bridge's MTU, and the bridge's MTU unchanged by its new port. */
  g_assert_cmpint (mh_test_iface_attr_int ("vm-br", "mtu"), ==, 1400);
  g_assert_cmpint (mh_test_iface_attr_int ("br-ok", "mtu"), ==, 1400);
  /* A port is layer 2 only: no IPv6 of the host on it. */
  g_assert_cmpint (ipv6_disabled ("vm-br"), ==, 1);

  /* Its user's hypervisor attaches to it as to any tap. */
  attach = mh_test_agent_command (alice, "open-tap vm-br single");
  g_assert_cmpstr (attach, ==, "ok");

  details = details_of (alice, "vm-br");
  g_assert_true (g_variant_lookup (details, "type", "&s", &text));
  g_assert_cmpstr (text, ==, "tap");
  g_assert_true (g_variant_lookup (details, "bridge", "&s", &text));
  g_assert_cmpstr (text, ==, "br-ok");
  g_assert_true (g_variant_lookup (details, "mtu", "u", &mtu));
  g_assert_cmpuint (mtu, ==, 1400);

  /* The same request again reuses it; another bridge for it is Busy. */
  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-br', {'bridge': <'br-ok'>})"));
  assert_refused (alice, "CreateTap", "('vm-br', @a{sv} {})", "Busy", "on the bridge br-ok");

  g_variant_unref (mh_test_assert_call_ok (alice, "DeleteTap", "('vm-br',)"));
  g_assert_false (mh_test_iface_exists ("vm-br"));
  ports = ports_of ("br-ok");
  g_assert_cmpstr (ports, ==, "up-ok");
  g_assert_true (mh_test_iface_exists ("br-ok"));
  g_assert_cmpint (mh_test_iface_attr_int ("br-ok", "mtu"), ==, 1400);
}

static void
test_bridge_consent (void)
{
  g_autoptr (MhTestAgent) alice = NULL;

  make_bridges ();
  /* No [Network] at all: no bridge, and the message says what to set. */
  alice = mh_test_agent_new ("alice");
  assert_refused (alice, "CreateTap", "('vm-x', {'bridge': <'br-ok'>})", "Refused",
                  "allows no bridge for virtual machines; to allow br-ok, add it to "
                  "AllowedBridges= in the [Network] group of /run/mh-sandbox/helper.conf");

  mh_test_helper_kill ();
  mh_test_helper_wait_gone ();
  mh_test_helper_set_config (CONFIG_ALLOWS_BR_OK);
  assert_refused (alice, "CreateTap", "('vm-x', {'bridge': <'br-no'>})", "Refused",
                  "allows only the bridges br-ok (AllowedBridges= in the [Network] group of "
                  "/run/mh-sandbox/helper.conf); br-no is not one of them");
  /* The plain tap needs no consent. */
  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-x', @a{sv} {})"));
}

static void
test_not_a_bridge (void)
{
  g_autoptr (MhTestAgent) alice = NULL;
  g_autoptr (MhTestAgent) bob = NULL;

  make_bridges ();
  /* The administrator's pattern is wide; the kind of link still counts. */
  mh_test_helper_set_config ("[Network]\nAllowedBridges=br-*;up-*;vm-*\n");
  alice = mh_test_agent_new ("alice");
  bob = mh_test_agent_new ("bob");

  assert_refused (alice, "CreateTap", "('vm-x', {'bridge': <'br-gone'>})", "NotFound",
                  "vm-x: the bridge br-gone does not exist");
  assert_refused (alice, "CreateTap", "('vm-x', {'bridge': <'up-peer'>})", "Refused",
                  "vm-x: up-peer is not a bridge; a tap can only be made a port of a bridge");
  /* A user's tap is not a bridge either. */
  g_variant_unref (mh_test_assert_call_ok (bob, "CreateTap", "('vm-bob', @a{sv} {})"));
  assert_refused (alice, "CreateTap", "('vm-x', {'bridge': <'vm-bob'>})", "Refused",
                  "vm-bob is not a bridge (it is a tap)");
}

static void
test_mtu (void)
{
  g_autoptr (MhTestAgent) alice = NULL;

  make_bridges ();
  mh_test_helper_set_config (CONFIG_ALLOWS_BR_OK);
  alice = mh_test_agent_new ("alice");

  /* The bounds of a standalone tap, both ends inclusive. */
  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-m68', {'mtu': <uint32 68>})"));
  g_assert_cmpint (mh_test_iface_attr_int ("vm-m68", "mtu"), ==, 68);
  /* A tap's largest: 65535 less its Ethernet header, as the kernel has it. */
  g_variant_unref (
    mh_test_assert_call_ok (alice, "CreateTap", "('vm-mmax', {'mtu': <uint32 65521>})"));
  g_assert_cmpint (mh_test_iface_attr_int ("vm-mmax", "mtu"), ==, 65521);
  assert_refused (alice, "CreateTap", "('vm-m', {'mtu': <uint32 65522>})", "InvalidArgument",
                  "option mtu: 65522 is more than a tap's largest MTU, 65521");
  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-mdef', @a{sv} {})"));
  g_assert_cmpint (mh_test_iface_attr_int ("vm-mdef", "mtu"), ==, 1500);
  /* IPv6 off on each; below its minimum MTU the kernel has none at all. */
  g_assert_cmpint (ipv6_disabled ("vm-mdef"), ==, 1);
  g_assert_cmpint (ipv6_disabled ("vm-mmax"), ==, 1);
  g_assert_false (g_file_test ("/proc/sys/net/ipv6/conf/vm-m68", G_FILE_TEST_EXISTS));
  {
    g_autoptr (GVariant) details = details_of (alice, "vm-m68");
    guint32 mtu;

    g_assert_true (g_variant_lookup (details, "mtu", "u", &mtu));
    g_assert_cmpuint (mtu, ==, 68);
    g_assert_false (g_variant_lookup (details, "bridge", "&s", NULL));
  }
  assert_refused (alice, "CreateTap", "('vm-m', {'mtu': <uint32 67>})", "InvalidArgument",
                  "option mtu: 67 is outside 68..65535");
  assert_refused (alice, "CreateTap", "('vm-m', {'mtu': <uint32 65536>})", "InvalidArgument",
                  "option mtu: 65536 is outside 68..65535");
  assert_refused (alice, "CreateTap", "('vm-m', {'mtu': <1500>})", "InvalidArgument",
                  "must be an unsigned 32-bit number (D-Bus type 'u'), not 'i'");

  /* On a bridge: the bridge's MTU, said or not; any other would make the
   * kernel move the bridge's own MTU. */
  assert_refused (alice, "CreateTap", "('vm-m', {'bridge': <'br-ok'>, 'mtu': <uint32 1500>})",
                  "Refused", "MTU 1500 differs from the MTU 1400 of the bridge br-ok");
  g_variant_unref (mh_test_assert_call_ok (
    alice, "CreateTap", "('vm-m', {'bridge': <'br-ok'>, 'mtu': <uint32 1400>})"));
  g_assert_cmpint (mh_test_iface_attr_int ("vm-m", "mtu"), ==, 1400);
  g_assert_cmpint (mh_test_iface_attr_int ("br-ok", "mtu"), ==, 1400);
}

static void
test_batch_all_or_nothing (void)
{
  g_autoptr (MhTestAgent) alice = NULL;
  g_autoptr (GVariant) created = NULL;
  g_autofree char *ports = NULL;
  g_autofree char *master = NULL;

  make_bridges ();
  MH_TEST_RUN ("ip", "link", "add", "vm-taken", "type", "veth", "peer", "name", "vm-taken-p");
  mh_test_helper_set_config (CONFIG_ALLOWS_BR_OK);
  alice = mh_test_agent_new ("alice");

  /* Refused before polkit: the last entry's bridge. */
  assert_refused (alice, "CreateTaps",
                  "([('vm-p0', @a{sv} {}), ('vm-p1', {'bridge': <'br-ok'>}), "
                  "('vm-p2', {'bridge': <'br-no'>})],)",
                  "Refused", "vm-p2: the administrator allows only the bridges br-ok");
  /* Refused by the kernel after two were made, one a port: both undone. */
  assert_refused (alice, "CreateTaps",
                  "([('vm-p0', {'bridge': <'br-ok'>}), ('vm-p1', @a{sv} {}), "
                  "('vm-taken', {'bridge': <'br-ok'>})],)",
                  "Busy", "vm-taken: an interface of that name already exists");

  created = mh_test_assert_call_ok (alice, "CreateTaps",
                                    "([('vm-p0', {'bridge': <'br-ok'>}), ('vm-p1', @a{sv} {}), "
                                    "('vm-p2', {'bridge': <'br-ok'>, 'multi_queue': <true>})],)");
  ports = ports_of ("br-ok");
  g_assert_cmpstr (ports, ==, "up-ok vm-p0 vm-p2");
  master = master_of ("vm-p1");
  g_assert_cmpstr (master, ==, "");
  g_assert_cmpint (ipv6_disabled ("vm-p1"), ==, 1);
  g_assert_cmphex (mh_test_iface_attr_int ("vm-p2", "tun_flags") & IFF_MULTI_QUEUE, ==,
                   IFF_MULTI_QUEUE);
}

/* bob may make taps (manage-taps) but not attach them to a network
 * (attach-network): the bridge makes the whole call the stricter
 * question, the plain taps of the batch included. */
static void
test_attach_network_action (void)
{
  g_autoptr (MhTestAgent) bob = NULL;
  g_autoptr (MhTestAgent) mallory = NULL;

  make_bridges ();
  mh_test_helper_set_config (CONFIG_ALLOWS_BR_OK);
  bob = mh_test_agent_new ("bob");
  mallory = mh_test_agent_new ("mallory");

  g_variant_unref (mh_test_assert_call_ok (bob, "CreateTap", "('vm-plain', @a{sv} {})"));
  assert_refused (bob, "CreateTaps", "([('vm-b0', @a{sv} {}), ('vm-b1', {'bridge': <'br-ok'>})],)",
                  "NotAuthorized", NULL);
  assert_refused (mallory, "CreateTap", "('vm-m', {'bridge': <'br-ok'>})", "NotAuthorized", NULL);
}

static void
test_leased_bridged_released (void)
{
  g_autoptr (MhTestAgent) alice = NULL;
  g_autoptr (MhTestAgent) leaser = NULL;
  g_autofree char *ports = NULL;

  make_bridges ();
  mh_test_helper_set_config (CONFIG_ALLOWS_BR_OK);
  alice = mh_test_agent_new ("alice");
  leaser = mh_test_agent_new ("alice");

  g_variant_unref (
    mh_test_assert_call_ok (leaser, "CreateTaps",
                            "([('vm-l0', {'bridge': <'br-ok'>, 'release_on_disconnect': <true>}), "
                            "('vm-l1', {'release_on_disconnect': <true>})],)"));
  g_assert_true (mh_test_iface_exists ("vm-l0"));
  mh_test_agent_kill (leaser);
  g_assert_true (mh_test_wait_iface ("vm-l0", FALSE, 5000));
  g_assert_true (mh_test_wait_iface ("vm-l1", FALSE, 5000));
  g_assert_true (mh_test_wait_registry ("vm-l0", FALSE, 5000));
  ports = ports_of ("br-ok");
  g_assert_cmpstr (ports, ==, "up-ok");
  g_assert_true (mh_test_iface_exists ("br-ok"));
  g_assert_cmpint (mh_test_iface_attr_int ("br-ok", "mtu"), ==, 1400);
}

/* A bridge for a VM's taps: from the user's config, for all VMs or for
 * this one, and --bridge over both; inspect says which and where it came
 * from, in text and JSON, and asks nothing of the helper. */
static void
test_frontend_bridge_origin (void)
{
  MhTestRunnerSpec spec = mh_test_full_spec;
  g_autofree char *runner = NULL;
  g_autofree char *binary = mh_test_microvm_user ();
  g_autofree char *inspect_output = NULL;
  int status;

  spec.name = "devices";
  runner = mh_test_make_runner (&spec);
  /* A bridge for the taps: from the user's config, for all VMs or this
   * one, and --bridge over both; inspect says which. */
  {
    g_autofree char *home = mh_test_home ("alice");
    g_autofree char *config_dir = g_build_filename (home, ".config", "microvm", NULL);

    MH_TEST_RUN ("mkdir", "-p", config_dir);
    mh_test_write_file (config_dir, "microvm-user.conf",
                        "[run]\nBridge=br-all\n\n[vm devices]\nBridge=br-dev\n", 0644);
    MH_TEST_RUN ("chown", "-R", "alice:alice", home);
  }
  status = mh_test_run_as ("alice", &inspect_output,
                           (const char *const[]){ binary, "inspect", runner, NULL });
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (inspect_output, "               ports of the bridge br-dev (from "
                                            "[vm devices] Bridge= in "));
  /* Taps on a bridge are the network question, not the plain one. */
  g_assert_nonnull (strstr (inspect_output, "               polkit: "
                                            "org.microvm.helper.attach-network\n"));
  g_clear_pointer (&inspect_output, g_free);
  status =
    mh_test_run_as ("alice", &inspect_output,
                    (const char *const[]){ binary, "inspect", "--name=other", runner, NULL });
  g_assert_nonnull (strstr (inspect_output, "ports of the bridge br-all (from [run] Bridge= in "));
  g_clear_pointer (&inspect_output, g_free);
  status = mh_test_run_as (
    "alice", &inspect_output,
    (const char *const[]){ binary, "inspect", "--json", "--bridge=br-cli", runner, NULL });
  g_assert_cmpint (status, ==, 0);
  ASSERT_JSON (inspect_output,
               "([(b['name'], b['from'], b['taps']) for b in d['privileged']['bridges']], "
               "[t['bridge'] for t in d['privileged']['taps']])",
               "([('br-cli', '--bridge', ['vm-f0', 'vm-f1'])], ['br-cli', 'br-cli'])");
  g_assert_cmpint (mh_test_helper_pid (), ==, 0);

  /* run with a bridge the administrator has not allowed: the message says
   * which key would allow it, and nothing is made. */
  g_clear_pointer (&inspect_output, g_free);
  status = mh_test_run_as (
    "alice", &inspect_output,
    (const char *const[]){ binary, "run", "--no-ask-password", "--bridge=br-cli", runner, NULL });
  g_test_message ("%s", inspect_output);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (inspect_output, "to allow br-cli, add it to AllowedBridges= in the "
                                            "[Network] group of /run/mh-sandbox/helper.conf"));
  g_assert_false (mh_test_iface_exists ("vm-f0"));
}

int
main (int argc, char **argv)
{
  mh_test_init (&argc, &argv);

  g_test_add_func ("/networks/bridged-tap", test_bridged_tap);
  g_test_add_func ("/networks/bridge-consent", test_bridge_consent);
  g_test_add_func ("/networks/not-a-bridge", test_not_a_bridge);
  g_test_add_func ("/networks/mtu", test_mtu);
  g_test_add_func ("/networks/batch-all-or-nothing", test_batch_all_or_nothing);
  g_test_add_func ("/networks/attach-network-action", test_attach_network_action);
  g_test_add_func ("/networks/leased-bridged-released", test_leased_bridged_released);
  g_test_add_func ("/networks/frontend-bridge-origin", test_frontend_bridge_origin);

  return g_test_run ();
}
