/* mh-bench-hypervisor: the bin/microvm-run of the benchmark's runner.
 *
 * The first thing it does is write CLOCK_MONOTONIC (ns) to
 * ./microvm-run.stamp (its working directory is the VM's state directory):
 * the end of a "start" measurement.  Then it does what the hypervisor needs
 * from its world, as qemu would, reading the runner it was started from
 * (RUNNER/bin/microvm-run is argv[0]): attaches to every tap of
 * share/microvm/tap-interfaces by name and connects to every
 * share/microvm/virtiofs/TAG/socket, and writes the outcome to
 * ./microvm-run.ready ("tap NAME ok", "socket PATH ok", then "ready").
 * SIGTERM or SIGINT make it exit at once with status 0: a hypervisor whose
 * shutdown takes no time, so a "stop" measurement shows only the
 * frontend's own work. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void
write_stamp (void)
{
  struct timespec ts;
  char text[32];
  int fd, n;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  n = snprintf (text, sizeof text, "%lld\n", (long long) ts.tv_sec * 1000000000LL + ts.tv_nsec);
  fd = open ("microvm-run.stamp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || write (fd, text, (size_t) n) != n)
    _exit (120);
  close (fd);
}

static void
attach_tap (const char *name, GString *report)
{
  struct ifreq ifr;
  int fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);

  memset (&ifr, 0, sizeof ifr);
  g_strlcpy (ifr.ifr_name, name, sizeof ifr.ifr_name);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
  if (fd < 0 || ioctl (fd, TUNSETIFF, &ifr) < 0)
    g_string_append_printf (report, "tap %s error %s\n", name, g_strerror (errno));
  else
    g_string_append_printf (report, "tap %s ok\n", name); /* kept open, as qemu does */
}

static void
connect_socket (const char *path, GString *report)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_strlcpy (address.sun_path, path, sizeof address.sun_path);
  if (fd < 0 || connect (fd, (struct sockaddr *) &address, sizeof address) < 0)
    g_string_append_printf (report, "socket %s error %s\n", path, g_strerror (errno));
  else
    g_string_append_printf (report, "socket %s ok\n", path);
}

int
main (int argc, char **argv)
{
  g_autofree char *bin = NULL;
  g_autofree char *runner = NULL;
  g_autofree char *taps_path = NULL;
  g_autofree char *taps = NULL;
  g_autofree char *shares_path = NULL;
  g_autofree char *pid_text = NULL;
  g_autoptr (GString) report = g_string_new (NULL);
  g_autoptr (GDir) shares = NULL;
  sigset_t wait_for;
  int signo;

  write_stamp ();

  /* Blocked, then waited for: no handler can miss an early SIGTERM. */
  sigemptyset (&wait_for);
  sigaddset (&wait_for, SIGTERM);
  sigaddset (&wait_for, SIGINT);
  sigprocmask (SIG_BLOCK, &wait_for, NULL);

  pid_text = g_strdup_printf ("%d\n", (int) getpid ());
  g_file_set_contents ("hypervisor.pid", pid_text, -1, NULL);

  bin = g_path_get_dirname (argv[0]);
  runner = g_path_get_dirname (bin);
  taps_path = g_build_filename (runner, "share", "microvm", "tap-interfaces", NULL);
  if (g_file_get_contents (taps_path, &taps, NULL, NULL))
    {
      g_auto (GStrv) lines = g_strsplit (taps, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        if (g_strstrip (lines[i])[0] != '\0')
          attach_tap (lines[i], report);
    }
  shares_path = g_build_filename (runner, "share", "microvm", "virtiofs", NULL);
  shares = g_dir_open (shares_path, 0, NULL);
  if (shares != NULL)
    {
      const char *tag;
      while ((tag = g_dir_read_name (shares)) != NULL)
        {
          g_autofree char *socket_file = g_build_filename (shares_path, tag, "socket", NULL);
          g_autofree char *socket_path = NULL;
          if (g_file_get_contents (socket_file, &socket_path, NULL, NULL))
            connect_socket (g_strstrip (socket_path), report);
        }
    }
  g_string_append (report, "ready\n");
  g_file_set_contents ("microvm-run.ready", report->str, -1, NULL);

  sigwait (&wait_for, &signo);
  return 0;
}
