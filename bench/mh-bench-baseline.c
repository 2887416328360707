/* mh-bench-baseline: the ways taps are made without microvm-helper, timed
 * per tap, as root inside the benchmark sandbox.
 *
 *   kernel-create  PREFIX COUNT UID [LABEL]
 *                                     the kernel work alone, the limit:
 *                                     open /dev/net/tun, TUNSETIFF,
 *                                     TUNSETOWNER, SIOCGIFINDEX, link up
 *                                     (SIOCSIFFLAGS), TUNSETPERSIST, close
 *   kernel-delete-netlink PREFIX COUNT  RTM_DELLINK by ifindex on an open
 *                                     rtnetlink socket (what the helper asks
 *                                     the kernel for)
 *   kernel-delete-persist PREFIX COUNT  attach (TUNSETIFF), TUNSETPERSIST(0),
 *                                     close: the device dies with the fd
 *   ip-create      PREFIX COUNT USER  `ip tuntap add name X mode tap user U
 *                                     vnet_hdr` + `ip link set X up`: the
 *                                     systemd host module's tap-up
 *   ip-delete      PREFIX COUNT       `ip link del X`
 *   cleanup        PREFIX COUNT       delete taps PREFIX0.. (not timed)
 *   kernel-batch   PREFIX SIZES REPS UID
 *                                     the kernel work for SIZES (e.g.
 *                                     1,16,64,256) taps in a row, timed as a
 *                                     whole, from no taps each time: what a
 *                                     CreateTaps of that size cannot beat
 *   ip-create-parallel PREFIX COUNT USER CLIENTS
 *                                     CLIENTS processes running ip-create's
 *                                     two commands over COUNT taps: taps/s
 *   virtiofsd-ready DIR COUNT         start two C virtiofsd as root at once,
 *                                     time until both sockets listen
 *   virtiofsd-help COUNT              `virtiofsd --help` (what microvm-user
 *                                     runs once per start to tell the C one
 *                                     from the Rust one)
 *
 * The kernel modes call the kernel directly (no wrappers, no libnl) on
 * purpose: they are the floor every other figure is compared with.
 * Results go to stdout (see mh-bench-stats.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mh-bench-kernel.h"
#include "mh-bench-stats.h"

#define VIRTIOFSD "/usr/lib/qemu/virtiofsd"

extern char **environ;

static char *
tap_name (const char *prefix, guint i)
{
  char *name = g_strdup_printf ("%s%u", prefix, i);

  if (strlen (name) >= IFNAMSIZ)
    mh_bench_die ("interface name %s is too long", name);
  return name;
}

static guint
parse_count (const char *text)
{
  guint64 n = 0;

  if (!g_ascii_string_to_unsigned (text, 10, 1, 100000, &n, NULL))
    mh_bench_die ("%s is not a count", text);
  return (guint) n;
}

/* ------------------------------------------------------------------ */
/* The kernel alone */

static void
kernel_create_one (int ctl, const char *name, uid_t uid)
{
  int ifindex = 0;
  int errsv = 0;
  const char *step = NULL;

  if (!mh_bench_kernel_create_tap (ctl, name, (guint32) uid, &ifindex, &errsv, &step))
    mh_bench_die ("%s %s: %s", step, name, g_strerror (errsv));
}

static void
kernel_create (const char *prefix, guint count, uid_t uid, const char *label)
{
  g_autoptr (MhBenchSeries) series = mh_bench_series_new (label);
  int ctl = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  if (ctl < 0)
    mh_bench_die ("socket: %s", g_strerror (errno));
  for (guint i = 0; i < count; i++)
    {
      g_autofree char *name = tap_name (prefix, i);
      gint64 start = mh_bench_now_ns ();

      kernel_create_one (ctl, name, uid);
      mh_bench_series_add_since (series, start);
    }
  close (ctl);
  mh_bench_series_print (series);
}

static void
netlink_delete_one (int sock, int ifindex, const char *name)
{
  int errsv = 0;

  if (!mh_bench_kernel_delete_link (sock, ifindex, name, &errsv))
    mh_bench_die ("RTM_DELLINK %s: %s", name, g_strerror (errsv));
}

static void
kernel_delete_netlink (const char *prefix, guint count, gboolean print)
{
  g_autoptr (MhBenchSeries) series = mh_bench_series_new ("kernel_delete_netlink");
  int sock = mh_bench_kernel_rtnetlink_open ();

  if (sock < 0)
    mh_bench_die ("rtnetlink socket: %s", g_strerror (errno));
  for (guint i = 0; i < count; i++)
    {
      g_autofree char *name = tap_name (prefix, i);
      int ifindex = (int) if_nametoindex (name);
      gint64 start;

      if (ifindex == 0)
        mh_bench_die ("%s does not exist", name);
      start = mh_bench_now_ns ();
      netlink_delete_one (sock, ifindex, name);
      mh_bench_series_add_since (series, start);
    }
  close (sock);
  if (print)
    mh_bench_series_print (series);
}

static void
kernel_delete_persist (const char *prefix, guint count)
{
  g_autoptr (MhBenchSeries) series = mh_bench_series_new ("kernel_delete_persist");

  for (guint i = 0; i < count; i++)
    {
      g_autofree char *name = tap_name (prefix, i);
      gint64 start = mh_bench_now_ns ();
      struct ifreq ifr;
      int fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);

      if (fd < 0)
        mh_bench_die ("open /dev/net/tun: %s", g_strerror (errno));
      memset (&ifr, 0, sizeof ifr);
      memcpy (ifr.ifr_name, name, strlen (name));
      ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
      if (ioctl (fd, TUNSETIFF, &ifr) < 0)
        mh_bench_die ("TUNSETIFF %s: %s", name, g_strerror (errno));
      if (ioctl (fd, TUNSETPERSIST, 0UL) < 0)
        mh_bench_die ("TUNSETPERSIST(0) %s: %s", name, g_strerror (errno));
      close (fd);
      mh_bench_series_add_since (series, start);
      if (if_nametoindex (name) != 0)
        mh_bench_die ("%s still exists after persist off and close", name);
    }
  mh_bench_series_print (series);
}

static void
kernel_batch (const char *prefix, const char *sizes_text, guint reps, uid_t uid)
{
  g_auto (GStrv) sizes = g_strsplit (sizes_text, ",", -1);
  g_autoptr (GPtrArray) all =
    g_ptr_array_new_with_free_func ((GDestroyNotify) mh_bench_series_free);
  int ctl = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  if (ctl < 0)
    mh_bench_die ("socket: %s", g_strerror (errno));
  for (guint s = 0; sizes[s] != NULL; s++)
    {
      g_autofree char *name = g_strdup_printf ("kernel_scale_%u", parse_count (sizes[s]));
      g_ptr_array_add (all, mh_bench_series_new (name));
    }
  for (guint r = 0; r < reps; r++)
    for (guint s = 0; sizes[s] != NULL; s++)
      {
        guint size = parse_count (sizes[s]);
        gint64 start = mh_bench_now_ns ();

        for (guint i = 0; i < size; i++)
          {
            g_autofree char *name = tap_name (prefix, i);
            kernel_create_one (ctl, name, uid);
          }
        mh_bench_series_add_since (all->pdata[s], start);
        kernel_delete_netlink (prefix, size, FALSE);
      }
  close (ctl);
  for (guint s = 0; s < all->len; s++)
    mh_bench_series_print (all->pdata[s]);
}

/* ------------------------------------------------------------------ */
/* iproute2 */

static void
run_command (const char *const *argv)
{
  pid_t pid;
  int status;
  int err = posix_spawnp (&pid, argv[0], NULL, NULL, (char *const *) argv, environ);

  if (err != 0)
    mh_bench_die ("cannot run %s: %s", argv[0], g_strerror (err));
  if (waitpid (pid, &status, 0) < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      g_autofree char *command = g_strjoinv (" ", (char **) argv);
      mh_bench_die ("%s failed", command);
    }
}

static void
ip_create_one (const char *name, const char *user)
{
  run_command ((const char *const[]){ "ip", "tuntap", "add", "name", name, "mode", "tap", "user",
                                      user, "vnet_hdr", NULL });
  run_command ((const char *const[]){ "ip", "link", "set", name, "up", NULL });
}

static void
ip_create (const char *prefix, guint count, const char *user)
{
  g_autoptr (MhBenchSeries) series = mh_bench_series_new ("ip_create");

  for (guint i = 0; i < count; i++)
    {
      g_autofree char *name = tap_name (prefix, i);
      gint64 start = mh_bench_now_ns ();

      ip_create_one (name, user);
      mh_bench_series_add_since (series, start);
    }
  mh_bench_series_print (series);
}

static void
ip_delete (const char *prefix, guint count)
{
  g_autoptr (MhBenchSeries) series = mh_bench_series_new ("ip_delete");

  for (guint i = 0; i < count; i++)
    {
      g_autofree char *name = tap_name (prefix, i);
      gint64 start = mh_bench_now_ns ();

      run_command ((const char *const[]){ "ip", "link", "del", name, NULL });
      mh_bench_series_add_since (series, start);
    }
  mh_bench_series_print (series);
}

static void
ip_create_parallel (const char *prefix, guint count, const char *user, guint clients)
{
  g_autofree pid_t *pids = g_new0 (pid_t, clients);
  int go[2];
  gint64 start;
  char byte;

  if (pipe2 (go, O_CLOEXEC) < 0)
    mh_bench_die ("pipe: %s", g_strerror (errno));
  for (guint c = 0; c < clients; c++)
    {
      pids[c] = fork ();
      if (pids[c] < 0)
        mh_bench_die ("fork: %s", g_strerror (errno));
      if (pids[c] == 0)
        {
          close (go[1]);
          if (read (go[0], &byte, 1) < 0)
            _exit (1);
          for (guint i = c; i < count; i += clients)
            {
              g_autofree char *name = tap_name (prefix, i);
              ip_create_one (name, user);
            }
          _exit (0);
        }
    }
  close (go[0]);
  start = mh_bench_now_ns ();
  close (go[1]); /* every child starts now */
  for (guint c = 0; c < clients; c++)
    {
      int status;
      if (waitpid (pids[c], &status, 0) < 0 || !WIFEXITED (status) || WEXITSTATUS (status) != 0)
        mh_bench_die ("a parallel ip client failed");
    }
  {
    double seconds = (double) (mh_bench_now_ns () - start) / 1e9;
    g_autofree char *name = g_strdup_printf ("ip_create_parallel_%u", clients);
    mh_bench_value_print (name, count / seconds, "taps/s");
  }
}

/* ------------------------------------------------------------------ */
/* virtiofsd */

/* Whether a unix socket bound at @path is listening (/proc/net/unix flag
 * __SO_ACCEPTCON), as microvm-user checks it. */
static gboolean
socket_listening (const char *path)
{
  g_autofree char *table = NULL;
  g_autofree char *needle = g_strdup_printf (" %s\n", path);
  const char *hit;

  if (!g_file_get_contents ("/proc/net/unix", &table, NULL, NULL))
    mh_bench_die ("cannot read /proc/net/unix");
  for (hit = strstr (table, needle); hit != NULL; hit = strstr (hit + 1, needle))
    {
      const char *line = hit;
      while (line > table && line[-1] != '\n')
        line--;
      /* "Num: RefCount Protocol Flags ..." */
      if (strstr (line, " 00010000 ") != NULL && strstr (line, " 00010000 ") < hit)
        return TRUE;
    }
  return FALSE;
}

static pid_t
spawn_virtiofsd (const char *socket_path, const char *source)
{
  g_autofree char *socket_arg = g_strdup_printf ("--socket-path=%s", socket_path);
  g_autofree char *source_arg = g_strdup_printf ("source=%s", source);
  const char *argv[] = { VIRTIOFSD, socket_arg, "-o", source_arg, "-o", "log_level=err", NULL };
  posix_spawn_file_actions_t actions;
  pid_t pid;
  int err;

  posix_spawn_file_actions_init (&actions);
  posix_spawn_file_actions_addopen (&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  err = posix_spawn (&pid, VIRTIOFSD, &actions, NULL, (char *const *) argv, environ);
  posix_spawn_file_actions_destroy (&actions);
  if (err != 0)
    mh_bench_die ("cannot run %s: %s", VIRTIOFSD, g_strerror (err));
  return pid;
}

static void
virtiofsd_ready (const char *dir, guint count)
{
  g_autoptr (MhBenchSeries) series = mh_bench_series_new ("virtiofsd_ready");

  for (guint i = 0; i < count; i++)
    {
      char *sockets[2];
      pid_t pids[2];
      gint64 start, deadline;

      for (int s = 0; s < 2; s++)
        {
          g_autofree char *source = g_strdup_printf ("%s/share-%d", dir, s);
          sockets[s] = g_strdup_printf ("%s/ready-%d.sock", dir, s);
          g_mkdir_with_parents (source, 0755);
          unlink (sockets[s]);
        }
      start = mh_bench_now_ns ();
      for (int s = 0; s < 2; s++)
        {
          g_autofree char *source = g_strdup_printf ("%s/share-%d", dir, s);
          pids[s] = spawn_virtiofsd (sockets[s], source);
        }
      deadline = start + 10 * G_GINT64_CONSTANT (1000000000);
      /* Polled every 100 us: the wait itself must not add to the figure. */
      while (!socket_listening (sockets[0]) || !socket_listening (sockets[1]))
        {
          if (mh_bench_now_ns () > deadline)
            mh_bench_die ("virtiofsd did not listen on %s within 10 s", sockets[0]);
          g_usleep (100);
        }
      mh_bench_series_add_since (series, start);
      for (int s = 0; s < 2; s++)
        {
          kill (pids[s], SIGTERM);
          waitpid (pids[s], NULL, 0);
          unlink (sockets[s]);
          g_free (sockets[s]);
        }
    }
  mh_bench_series_print (series);
}

static void
virtiofsd_help (guint count)
{
  g_autoptr (MhBenchSeries) series = mh_bench_series_new ("virtiofsd_help");

  for (guint i = 0; i < count; i++)
    {
      const char *argv[] = { VIRTIOFSD, "--help", NULL };
      posix_spawn_file_actions_t actions;
      gint64 start = mh_bench_now_ns ();
      pid_t pid;
      int status;

      posix_spawn_file_actions_init (&actions);
      posix_spawn_file_actions_addopen (&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
      if (posix_spawn (&pid, VIRTIOFSD, &actions, NULL, (char *const *) argv, environ) != 0)
        mh_bench_die ("cannot run %s", VIRTIOFSD);
      posix_spawn_file_actions_destroy (&actions);
      waitpid (pid, &status, 0);
      mh_bench_series_add_since (series, start);
    }
  mh_bench_series_print (series);
}

int
main (int argc, char **argv)
{
  const char *mode = argc > 1 ? argv[1] : "";

  g_set_prgname ("mh-bench-baseline");
  if (getuid () != 0)
    mh_bench_die ("run as root inside the benchmark sandbox (bench/run-bench.sh does)");

  if (strcmp (mode, "kernel-create") == 0 && (argc == 5 || argc == 6))
    kernel_create (argv[2], parse_count (argv[3]), (uid_t) parse_count (argv[4]),
                   argc == 6 ? argv[5] : "kernel_create");
  else if (strcmp (mode, "kernel-delete-netlink") == 0 && argc == 4)
    kernel_delete_netlink (argv[2], parse_count (argv[3]), TRUE);
  else if (strcmp (mode, "kernel-batch") == 0 && argc == 6)
    kernel_batch (argv[2], argv[3], parse_count (argv[4]), (uid_t) parse_count (argv[5]));
  else if (strcmp (mode, "cleanup") == 0 && argc == 4)
    kernel_delete_netlink (argv[2], parse_count (argv[3]), FALSE);
  else if (strcmp (mode, "kernel-delete-persist") == 0 && argc == 4)
    kernel_delete_persist (argv[2], parse_count (argv[3]));
  else if (strcmp (mode, "ip-create") == 0 && argc == 5)
    ip_create (argv[2], parse_count (argv[3]), argv[4]);
  else if (strcmp (mode, "ip-delete") == 0 && argc == 4)
    ip_delete (argv[2], parse_count (argv[3]));
  else if (strcmp (mode, "ip-create-parallel") == 0 && argc == 6)
    ip_create_parallel (argv[2], parse_count (argv[3]), argv[4], parse_count (argv[5]));
  else if (strcmp (mode, "virtiofsd-ready") == 0 && argc == 4)
    virtiofsd_ready (argv[2], parse_count (argv[3]));
  else if (strcmp (mode, "virtiofsd-help") == 0 && argc == 3)
    virtiofsd_help (parse_count (argv[2]));
  else
    mh_bench_die ("usage: see the comment at the top of bench/mh-bench-baseline.c");
  return 0;
}
