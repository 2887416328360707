/* mh-bench-stamp FILE COMMAND [ARG]...: writes CLOCK_MONOTONIC (ns) to FILE,
 * then execs COMMAND.  Marks the instant a measured program starts, without
 * the launcher's own start-up in the figure. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  struct timespec ts;
  char text[32];
  int fd, n;

  if (argc < 3)
    {
      fprintf (stderr, "usage: mh-bench-stamp FILE COMMAND [ARG]...\n");
      return 2;
    }
  clock_gettime (CLOCK_MONOTONIC, &ts);
  n = snprintf (text, sizeof text, "%lld\n", (long long) ts.tv_sec * 1000000000LL + ts.tv_nsec);
  fd = open (argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || write (fd, text, (size_t) n) != n || close (fd) < 0)
    {
      fprintf (stderr, "mh-bench-stamp: %s: %s\n", argv[1], strerror (errno));
      return 127;
    }
  execvp (argv[2], argv + 2);
  fprintf (stderr, "mh-bench-stamp: %s: %s\n", argv[2], strerror (errno));
  return 127;
}
