/* mh-fake-hypervisor: what a test runner's bin/microvm-run execs.  It checks
 * its world the way qemu would and writes what it saw to a report file:
 *
 *   --tap NAME[:multi]   attach to the tap by name (TUNSETIFF, vnet_hdr,
 *                        multi_queue when :multi), keep it attached
 *   --socket PATH        connect to a vhost-user socket and hold the
 *                        connection (virtiofsd serves one connection and
 *                        exits when it closes)
 *   --report FILE        where the lines go ("tap NAME ok", "socket PATH
 *                        ok", "cwd DIR", "uid N", "nofile SOFT of HARD",
 *                        "ready", then how it ended)
 *   --exit-code N        exit with N right after "ready"
 *   --ignore-shutdown    do not act on the shutdown request (SIGUSR1)
 *   --crash              die of SIGSEGV right after "ready"
 *   --macvtap ID         open /dev/tap<ifindex of ID> read-write and keep it
 *                        open, as upstream's microvm-run does for qemu's
 *                        -netdev tap,fd=N, and ask it what it is
 *                        (TUNGETIFF): "macvtap ID ok" or "... error"
 *   --open PATH          open PATH and keep it open (a VFIO group, as qemu
 *                        holds it for passthrough)
 *
 * Every line on its stdin (the serial console's input) is reported as
 * "console LINE" and answered on stdout with "echo: LINE".
 * It writes its pid to ./hypervisor.pid; the test runner's
 * bin/microvm-shutdown sends it SIGUSR1, standing in for QMP
 * system_powerdown. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static FILE *report;
static volatile sig_atomic_t got_signal;

static void
on_signal (int signo)
{
  got_signal = signo;
}

static void say (const char *format, ...) __attribute__ ((format (printf, 1, 2)));

static void
say (const char *format, ...)
{
  va_list args;

  va_start (args, format);
  vfprintf (report, format, args);
  va_end (args);
  fputc ('\n', report);
  fflush (report);
}

static void
attach_tap (const char *spec)
{
  char name[IFNAMSIZ + 8];
  struct ifreq ifr;
  char *colon;
  int fd;

  snprintf (name, sizeof name, "%s", spec);
  memset (&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
  colon = strchr (name, ':');
  if (colon != NULL)
    {
      *colon = '\0';
      ifr.ifr_flags |= IFF_MULTI_QUEUE;
    }
  memcpy (ifr.ifr_name, name, strnlen (name, IFNAMSIZ - 1));

  fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0 || ioctl (fd, TUNSETIFF, &ifr) < 0)
    say ("tap %s error %s", name, strerror (errno));
  else
    say ("tap %s ok", name); /* the fd stays open, as the hypervisor's would */
}

static void
connect_socket (const char *path)
{
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  snprintf (address.sun_path, sizeof address.sun_path, "%s", path);
  if (fd < 0 || connect (fd, (struct sockaddr *) &address, sizeof address) < 0)
    say ("socket %s error %s", path, strerror (errno));
  else
    say ("socket %s ok", path);
}

/* The serial console: what arrives on stdin, line by line. */
static void *
echo_console (void *unused)
{
  char line[512];

  while (fgets (line, sizeof line, stdin) != NULL)
    {
      line[strcspn (line, "\n")] = '\0';
      say ("console %s", line);
      printf ("echo: %s\n", line);
      fflush (stdout);
    }
  return NULL;
}

static void
start_console_echo (void)
{
  sigset_t all, saved;
  pthread_t thread;

  /* Signals stay the main thread's, which waits for them in pause(). */
  sigfillset (&all);
  pthread_sigmask (SIG_SETMASK, &all, &saved);
  if (pthread_create (&thread, NULL, echo_console, NULL) == 0)
    pthread_detach (thread);
  pthread_sigmask (SIG_SETMASK, &saved, NULL);
}

static void
open_macvtap (const char *id)
{
  char path[128], node[64], index[32] = "";
  struct ifreq ifr;
  FILE *file;
  int fd;

  snprintf (path, sizeof path, "/sys/class/net/%s/ifindex", id);
  file = fopen (path, "r");
  if (file == NULL || fgets (index, sizeof index, file) == NULL)
    {
      say ("macvtap %s error no ifindex", id);
      if (file != NULL)
        fclose (file);
      return;
    }
  fclose (file);
  index[strcspn (index, "\n")] = '\0';
  snprintf (node, sizeof node, "/dev/tap%s", index);
  fd = open (node, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    {
      say ("macvtap %s error open %s: %s", id, node, strerror (errno));
      return;
    }
  memset (&ifr, 0, sizeof ifr);
  if (ioctl (fd, TUNGETIFF, &ifr) < 0 || strcmp (ifr.ifr_name, id) != 0)
    {
      say ("macvtap %s error TUNGETIFF on %s", id, node);
      return;
    }
  say ("macvtap %s ok", id); /* the fd stays open, as qemu's does */
}

int
main (int argc, char **argv)
{
  const char *report_path = NULL;
  int exit_code = -1;
  int ignore_shutdown = 0;
  int crash = 0;
  char cwd[4096];
  FILE *pid_file;
  struct sigaction action = { .sa_handler = on_signal };

  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--report") == 0 && i + 1 < argc)
      report_path = argv[++i];
  if (report_path == NULL)
    {
      fprintf (stderr, "mh-fake-hypervisor: --report FILE is required\n");
      return 2;
    }
  report = fopen (report_path, "a");
  if (report == NULL)
    {
      perror (report_path);
      return 2;
    }

  sigaction (SIGUSR1, &action, NULL);
  sigaction (SIGTERM, &action, NULL);
  sigaction (SIGINT, &action, NULL);

  say ("uid %u", (unsigned) getuid ());
  {
    struct rlimit limit;
    if (getrlimit (RLIMIT_NOFILE, &limit) == 0)
      say ("nofile %llu of %llu", (unsigned long long) limit.rlim_cur,
           (unsigned long long) limit.rlim_max);
  }
  say ("cwd %s", getcwd (cwd, sizeof cwd) != NULL ? cwd : "?");
  pid_file = fopen ("hypervisor.pid", "w");
  if (pid_file != NULL)
    {
      fprintf (pid_file, "%d\n", (int) getpid ());
      fclose (pid_file);
    }

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--tap") == 0 && i + 1 < argc)
        attach_tap (argv[++i]);
      else if (strcmp (argv[i], "--socket") == 0 && i + 1 < argc)
        connect_socket (argv[++i]);
      else if (strcmp (argv[i], "--exit-code") == 0 && i + 1 < argc)
        exit_code = atoi (argv[++i]);
      else if (strcmp (argv[i], "--ignore-shutdown") == 0)
        ignore_shutdown = 1;
      else if (strcmp (argv[i], "--crash") == 0)
        crash = 1;
      else if (strcmp (argv[i], "--macvtap") == 0 && i + 1 < argc)
        open_macvtap (argv[++i]);
      else if (strcmp (argv[i], "--open") == 0 && i + 1 < argc)
        {
          const char *path = argv[++i];
          if (open (path, O_RDWR | O_CLOEXEC) < 0)
            say ("open %s error %s", path, strerror (errno));
          else
            say ("open %s ok", path);
        }
      else if (strcmp (argv[i], "--report") == 0)
        i++;
    }
  start_console_echo ();
  say ("ready");
  if (crash)
    {
      signal (SIGSEGV, SIG_DFL);
      raise (SIGSEGV);
    }

  if (exit_code >= 0)
    {
      say ("exit %d", exit_code);
      return exit_code;
    }
  for (;;)
    {
      pause ();
      if (got_signal == SIGUSR1 && !ignore_shutdown)
        {
          say ("powered off");
          return 0;
        }
      if (got_signal == SIGUSR1)
        say ("shutdown request ignored");
      if (got_signal == SIGTERM || got_signal == SIGINT)
        {
          say ("killed by %s", got_signal == SIGTERM ? "SIGTERM" : "SIGINT");
          return 128 + got_signal;
        }
      got_signal = 0;
    }
}
