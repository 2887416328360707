/* Integration tests of what a user's tap may do to the host (issue 14):
 * real bus, real polkitd, the real helper, real taps and a real Router
 * Advertisement in the sandbox's network namespace. */
#include <string.h>
#include <unistd.h>

#include "mh-test.h"

/* What `ip` prints, as root in the sandbox's namespace. */
static char *
ip_output (const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  char *out = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
  return out;
}

/* The namespace's whole IPv6 state: routes of every table, addresses and
 * neighbours. */
static char *
ipv6_state (void)
{
  g_autofree char *routes =
    ip_output ((const char *const[]){ "ip", "-6", "route", "show", "table", "all", NULL });
  g_autofree char *addresses = ip_output ((const char *const[]){ "ip", "-6", "addr", NULL });
  g_autofree char *neighbours = ip_output ((const char *const[]){ "ip", "-6", "neigh", NULL });

  return g_strdup_printf ("routes:\n%saddresses:\n%sneighbours:\n%s", routes, addresses,
                          neighbours);
}

/* Polls until the RA's prefix shows up in the routes (the control). */
static gboolean
wait_prefix_route (const char *prefix, guint timeout_ms)
{
  for (guint waited = 0; waited <= timeout_ms; waited += 20)
    {
      g_autofree char *routes =
        ip_output ((const char *const[]){ "ip", "-6", "route", "show", "table", "all", NULL });

      if (strstr (routes, prefix) != NULL)
        return TRUE;
      g_usleep (20 * 1000);
    }
  return FALSE;
}

static void
send_ra (MhTestAgent *agent, const char *tap, guint prefix_n)
{
  g_autofree char *answer = mh_test_agent_command (agent, "send-ra %s %u", tap, prefix_n);

  g_assert_cmpstr (answer, ==, "ok");
}

/* A rogue router in the user's VM: the tap's owner writes a Router
 * Advertisement (default router fe80::1, prefix 2001:db8:N::/64 on-link
 * and autonomous) into the tap.  Into a plain tap made with `ip tuntap`
 * the host takes it (the control: the frame is right, the test can
 * fail); into the helper's tap it changes nothing at all. */
static void
test_router_advertisement_ignored (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *with_host_ipv6 = NULL;
  gint64 control_started;
  guint control_ms;

  /* The control. */
  MH_TEST_RUN ("ip", "tuntap", "add", "dev", "plain0", "mode", "tap", "user", "61001");
  MH_TEST_RUN ("ip", "link", "set", "plain0", "up");
  send_ra (alice, "plain0", 1);
  control_started = g_get_monotonic_time ();
  g_assert_true (wait_prefix_route ("2001:db8:1::/64", 5000));
  control_ms = (guint) ((g_get_monotonic_time () - control_started) / 1000);
  g_test_message ("the host took the control's RA %u ms after it was sent", control_ms);
  MH_TEST_RUN ("ip", "link", "del", "plain0");

  /* The helper's tap, default configuration: no IPv6 on it at all. */
  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-ra', {})"));
  g_assert_cmpint (mh_test_iface_attr_int ("vm-ra", "flags") & 1, ==, 1);
  before = ipv6_state ();
  send_ra (alice, "vm-ra", 2);
  /* Ten times what the control took, and at least 300 ms. */
  g_assert_false (wait_prefix_route ("2001:db8:2::", MAX (300, 10 * control_ms)));
  after = ipv6_state ();
  g_assert_cmpstr (after, ==, before);
  g_assert_null (strstr (after, "vm-ra"));
  {
    g_autofree char *ipv4 =
      ip_output ((const char *const[]){ "ip", "-4", "addr", "show", "dev", "vm-ra", NULL });
    g_autofree char *routes4 =
      ip_output ((const char *const[]){ "ip", "-4", "route", "show", "table", "all", NULL });
    g_autofree char *proxy_arp = NULL;

    g_assert_null (strstr (ipv4, "inet "));
    g_assert_null (strstr (routes4, "vm-ra"));
    g_assert_true (
      g_file_get_contents ("/proc/sys/net/ipv4/conf/vm-ra/proxy_arp", &proxy_arp, NULL, NULL));
    g_assert_cmpstr (proxy_arp, ==, "0\n");
  }
  g_assert_cmpstr (mh_test_agent_command (alice, "close-vfio"), ==, "ok");

  /* [Taps] HostIPv6=true: the host side keeps IPv6 (a link-local
   * address and neighbour discovery, which learns the sender's address
   * like any neighbour's), but takes no router, prefix or address from
   * an advertisement. */
  mh_test_helper_set_config ("[Taps]\nHostIPv6=true\n");
  mh_test_helper_kill ();
  mh_test_helper_wait_gone ();
  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-ra6', {})"));
  send_ra (alice, "vm-ra6", 3);
  g_assert_false (wait_prefix_route ("2001:db8:3::", MAX (300, 10 * control_ms)));
  with_host_ipv6 = ipv6_state ();
  g_assert_nonnull (strstr (with_host_ipv6, "fe80::"));
  g_assert_null (strstr (with_host_ipv6, "default via fe80::1 dev vm-ra6"));
  g_assert_null (strstr (with_host_ipv6, "proto ra"));
  g_assert_null (strstr (with_host_ipv6, "2001:db8:3"));
}

int
main (int argc, char **argv)
{
  mh_test_init (&argc, &argv);

  g_test_add_func ("/host-safety/router-advertisement-ignored", test_router_advertisement_ignored);

  return g_test_run ();
}
