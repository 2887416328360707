#include "mh-fault.h"

#ifdef MH_FAULT_INJECTION

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
mh_fault_point (const char *name)
{
  const char *target = getenv ("MH_FAULT_KILL_AT");

  if (target == NULL || strcmp (target, name) != 0)
    return;
  /* stdio only: this must not depend on anything that might be locked. */
  fprintf (stderr, "fault injection: killing pid %d at %s\n", (int) getpid (), name);
  fflush (stderr);
  /* From another process, as an OOM kill comes: a memory checker wrapped
   * around the helper (valgrind) sees a signal sent to the process itself
   * and writes its report of what was in flight as leaks. */
  {
    pid_t self = getpid ();
    pid_t killer = fork ();

    if (killer == 0)
      {
        kill (self, SIGKILL);
        _exit (0);
      }
    if (killer < 0)
      kill (self, SIGKILL);
  }
  for (;;)
    pause ();
}

gboolean
mh_fault_fail_once (const char *name)
{
  static gint fired;
  const char *target = getenv ("MH_FAULT_FAIL_ONCE");

  if (target == NULL || strcmp (target, name) != 0)
    return FALSE;
  if (!g_atomic_int_compare_and_exchange (&fired, 0, 1))
    return FALSE;
  fprintf (stderr, "fault injection: failing %s once\n", name);
  return TRUE;
}

#endif
