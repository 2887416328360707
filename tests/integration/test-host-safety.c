/* Integration tests of what a user's tap may do to the host (issue 14):
 * real bus, real polkitd, the real helper, real taps and a real Router
 * Advertisement in the sandbox's network namespace. */
#include <dirent.h>
#include <stdlib.h>
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
  {
    g_autofree char *closed = mh_test_agent_command (alice, "close-vfio");
    g_assert_cmpstr (closed, ==, "ok");
  }

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

/* LimitNOFILE= of the helper's unit, as built. */
static guint
unit_nofile_limit (void)
{
  g_autofree char *path =
    g_build_filename (g_getenv ("MH_BUILD_ROOT"), "helper", "microvm-helperd.service", NULL);
  g_autofree char *text = NULL;
  const char *line;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  line = strstr (text, "\nLimitNOFILE=");
  g_assert_nonnull (line);
  return (guint) atoi (line + strlen ("\nLimitNOFILE="));
}

static guint
count_fds (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/fd", pid);
  DIR *dir = opendir (path);
  struct dirent *entry;
  guint count = 0;

  if (dir == NULL)
    return 0;
  while ((entry = readdir (dir)) != NULL)
    if (entry->d_name[0] != '.')
      count++;
  closedir (dir);
  return count;
}

typedef struct {
  GPid pid;
  gint stop;
  guint max_fds;
} FdSampler;

static gpointer
sample_fds (gpointer data)
{
  FdSampler *sampler = data;

  while (!g_atomic_int_get (&sampler->stop))
    {
      sampler->max_fds = MAX (sampler->max_fds, count_fds (sampler->pid));
      g_usleep (1000);
    }
  return NULL;
}

/* Makes @n calls of alice's that must all succeed; returns the slowest
 * and adds up the total, in microseconds. */
static gint64
timed_calls (MhTestAgent *alice, guint n, gint64 *total)
{
  gint64 slowest = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *args = i % 2 == 0 ? g_strdup_printf ("('vm-fair%u', {})", i / 2)
                                         : g_strdup_printf ("('vm-fair%u',)", i / 2);
      gint64 started = g_get_monotonic_time ();
      gint64 took;

      g_variant_unref (
        mh_test_assert_call_ok (alice, i % 2 == 0 ? "CreateTap" : "DeleteTap", args));
      took = g_get_monotonic_time () - started;
      slowest = MAX (slowest, took);
      *total += took;
    }
  return slowest;
}

/* Returns the count after NAME= in a flood's answer, 0 if absent. */
static guint
answers (const char *flood_answer, const char *name)
{
  g_autofree char *needle = g_strdup_printf (" %s=", name);
  const char *at = strstr (flood_answer, needle);

  return at != NULL ? (guint) atoi (at + strlen (needle)) : 0;
}

#define N_FD_FLOODERS 3
#define N_PLAIN_FLOODERS 3
#define FLOOD_CALLS 200
#define FAIR_CALLS 10

/* mallory, granted nothing, floods the helper from six connections: three
 * send calls carrying 16 file descriptors each (the bus's most), three
 * plain ones, 128 outstanding on each (more than the helper queues for
 * one connection, and together more than it queues for one uid).  The helper runs under its unit's
 * open-file limit.  It must hold no caller's descriptors, answer every
 * call, and alice's calls meanwhile must all succeed. */
static void
test_flood (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  MhTestAgent *flooders[N_FD_FLOODERS + N_PLAIN_FLOODERS];
  g_autofree char *limits_path = NULL;
  g_autofree char *limits = NULL;
  g_autofree char *expected_limit = NULL;
  g_autofree char *limit_arg = NULL;
  FdSampler sampler = { 0 };
  GThread *sampler_thread;
  gint64 before_total = 0, during_total = 0, before_max, during_max;
  guint limit = unit_nofile_limit ();
  guint sent = 0, bus_refused = 0, over_limit = 0, over_uid_limit = 0, denied = 0, fds_at_start;
  GPid pid;

  for (guint i = 0; i < G_N_ELEMENTS (flooders); i++)
    flooders[i] = mh_test_agent_new ("mallory");
  g_variant_unref (mh_test_assert_call_ok (alice, "ListTaps", "()"));
  pid = mh_test_helper_pid ();
  g_assert_cmpint (pid, >, 0);
  limit_arg = g_strdup_printf ("--nofile=%u:%u", limit, limit);
  {
    g_autofree char *pid_arg = g_strdup_printf ("--pid=%d", pid);
    MH_TEST_RUN ("prlimit", pid_arg, limit_arg);
  }
  limits_path = g_strdup_printf ("/proc/%d/limits", pid);
  g_assert_true (g_file_get_contents (limits_path, &limits, NULL, NULL));
  expected_limit = g_strdup_printf ("Max open files            %-20u %-20u", limit, limit);
  g_assert_nonnull (strstr (limits, expected_limit));
  fds_at_start = count_fds (pid);

  before_max = timed_calls (alice, FAIR_CALLS, &before_total);

  sampler.pid = pid;
  sampler_thread = g_thread_new ("fd-sampler", sample_fds, &sampler);
  for (guint i = 0; i < G_N_ELEMENTS (flooders); i++)
    mh_test_agent_send (flooders[i], "flood %u %u", FLOOD_CALLS, i < N_FD_FLOODERS ? 16 : 0);
  g_usleep (100 * 1000);
  during_max = timed_calls (alice, FAIR_CALLS, &during_total);

  for (guint i = 0; i < G_N_ELEMENTS (flooders); i++)
    {
      g_autofree char *answer = mh_test_agent_receive (flooders[i]);
      g_autofree char *expected =
        g_strdup_printf ("ok sent=%u answered=%u ", FLOOD_CALLS, FLOOD_CALLS);

      g_test_message ("flooder %u: %s", i, answer);
      g_assert_true (g_str_has_prefix (answer, expected));
      g_assert_null (strstr (answer, " lost="));
      g_assert_null (strstr (answer, " ok="));
      if (i < N_FD_FLOODERS)
        {
          /* Refused for the descriptors by the bus policy
           * (dbus/org.microvm.Helper1.conf): they never reach the helper. */
          g_assert_cmpuint (answers (answer, "org.freedesktop.DBus.Error.AccessDenied"), ==,
                            FLOOD_CALLS);
          bus_refused += FLOOD_CALLS;
        }
      else
        {
          guint these = answers (answer, "org.microvm.Helper1.Error.NotAuthorized");
          guint over = answers (answer, "org.microvm.Helper1.Error.LimitExceeded");
          guint over_uid = answers (answer, "LimitExceeded(uid)");

          g_assert_cmpuint (these + over + over_uid, ==, FLOOD_CALLS);
          denied += these;
          over_limit += over;
          over_uid_limit += over_uid;
        }
      sent += FLOOD_CALLS;
      mh_test_agent_free (flooders[i]);
    }
  g_atomic_int_set (&sampler.stop, 1);
  g_thread_join (sampler_thread);
  g_assert_cmpint (mh_test_helper_pid (), ==, pid);

  g_test_message ("flood: %u calls sent; %u with 16 fds refused by the bus (AccessDenied); %u "
                  "plain answered NotAuthorized, %u LimitExceeded per connection, %u per uid; "
                  "helper fds at most %u (%u at start, limit %u)",
                  sent, bus_refused, denied, over_limit, over_uid_limit, sampler.max_fds,
                  fds_at_start, limit);
  g_test_message ("alice: %u calls before the flood, all ok, mean %.1f ms, slowest %.1f ms; "
                  "%u during it, all ok, mean %.1f ms, slowest %.1f ms",
                  FAIR_CALLS, before_total / 1000.0 / FAIR_CALLS, before_max / 1000.0, FAIR_CALLS,
                  during_total / 1000.0 / FAIR_CALLS, during_max / 1000.0);
  /* A message's 16 descriptors at most, beside the helper's own. */
  g_assert_cmpuint (sampler.max_fds, <=, fds_at_start + 16 + 16);

  /* A bus without that policy rule (one that does not know max_fds): the
   * helper refuses such calls itself, and closes their descriptors as
   * they arrive. */
  {
    g_autofree char *path =
      g_build_filename (g_getenv ("MH_SANDBOX_DIR"), "dbus", "system.d", "zz-fds.conf", NULL);
    g_autoptr (MhTestAgent) flooder = mh_test_agent_new ("mallory");
    g_autofree char *answer = NULL;
    guint refused;

    g_assert_true (g_file_set_contents (
      path,
      "<busconfig><policy context=\"default\"><allow send_destination=\"org.microvm.Helper1\" "
      "send_interface=\"org.microvm.Helper1\"/></policy></busconfig>\n",
      -1, NULL));
    MH_TEST_RUN ("gdbus", "call", "--system", "--dest", "org.freedesktop.DBus", "--object-path",
                 "/org/freedesktop/DBus", "--method", "org.freedesktop.DBus.ReloadConfig");
    sampler.stop = 0;
    sampler.max_fds = 0;
    sampler_thread = g_thread_new ("fd-sampler", sample_fds, &sampler);
    answer = mh_test_agent_command (flooder, "flood %u 16", FLOOD_CALLS);
    g_atomic_int_set (&sampler.stop, 1);
    g_thread_join (sampler_thread);
    g_test_message ("without the bus rule: %s; helper fds at most %u", answer, sampler.max_fds);
    refused = answers (answer, "org.microvm.Helper1.Error.InvalidArgument");
    g_assert_cmpuint (refused, >, 0);
    /* The rest, if any, the bus refused while the helper's queue there
     * was full. */
    g_assert_cmpuint (refused + answers (answer, "org.freedesktop.DBus.Error.LimitsExceeded"), ==,
                      FLOOD_CALLS);
    g_assert_cmpuint (sampler.max_fds, <=, fds_at_start + 16 + 16);
    g_assert_cmpint (mh_test_helper_pid (), ==, pid);
  }
}

/* Names the kernel or a service creates for itself are refused, whether
 * they exist now or not.  A tap its owner made non-persistent is gone
 * from the kernel: its name is free for the next user at once.  A tap its
 * owner gave away no longer shows in the first owner's ListTaps. */
static void
test_names_and_owners (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) bob = mh_test_agent_new ("bob");
  g_autoptr (GVariant) alices = NULL;
  g_autoptr (GVariant) bobs = NULL;
  g_autofree char *bobs_printed = NULL;
  g_autofree char *answer = NULL;

  {
    const char *reserved[] = { "sit0", "tunl0", "gre0", "ip6tnl0", "bond0", "virbr0", "docker0" };
    g_autofree char *before = mh_test_iface_list ();

    for (gsize i = 0; i < G_N_ELEMENTS (reserved); i++)
      {
        g_autofree char *args = g_strdup_printf ("('%s', {})", reserved[i]);
        g_autofree char *m = mh_test_assert_call_error (alice, "CreateTap", args, "Refused",
                                                        "the kernel or a common service");
      }
    {
      g_autofree char *m = mh_test_assert_call_error (
        alice, "CreateTaps", "([('vm-ok', {}), ('docker0', {})],)", "Refused", "docker0");
      g_autofree char *after = mh_test_iface_list ();

      g_assert_cmpstr (after, ==, before);
    }
  }

  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-gone', {})"));
  answer = mh_test_agent_command (alice, "unpersist vm-gone");
  g_assert_cmpstr (answer, ==, "ok");
  g_assert_true (mh_test_wait_iface ("vm-gone", FALSE, 2000));
  g_variant_unref (mh_test_assert_call_ok (bob, "CreateTap", "('vm-gone', {})"));
  g_assert_cmpint (mh_test_iface_attr_int ("vm-gone", "owner"), ==, MH_TEST_UID_BOB);

  g_variant_unref (mh_test_assert_call_ok (alice, "CreateTap", "('vm-given', {})"));
  mh_test_tap_set_owner ("vm-given", MH_TEST_UID_BOB);
  alices = mh_test_assert_call_ok (alice, "ListTaps", "()");
  mh_test_assert_printed (alices, "([],)");
  /* Nor is it bob's for the helper: he did not ask it for that tap. */
  bobs = mh_test_assert_call_ok (bob, "ListTaps", "()");
  bobs_printed = g_variant_print (bobs, FALSE);
  g_assert_nonnull (strstr (bobs_printed, "'vm-gone'"));
  g_assert_null (strstr (bobs_printed, "'vm-given'"));
}

int
main (int argc, char **argv)
{
  mh_test_init (&argc, &argv);

  g_test_add_func ("/host-safety/router-advertisement-ignored", test_router_advertisement_ignored);
  g_test_add_func ("/host-safety/flood", test_flood);
  g_test_add_func ("/host-safety/names-and-owners", test_names_and_owners);

  return g_test_run ();
}
