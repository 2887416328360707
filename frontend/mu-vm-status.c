/* Stale and uptime of a VM, from its state directory; see mu-vm-status.h. */
#include "mu-vm-status.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mu-state.h"

static char *
system_of (const char *runner)
{
  g_autofree char *link = NULL;

  if (runner == NULL)
    return NULL;
  link = g_build_filename (runner, "share", "microvm", "system", NULL);
  return g_file_read_link (link, NULL);
}

gboolean
mu_vm_is_stale (const char *name)
{
  g_autoptr (MuVmState) state = mu_vm_state_new (name);
  g_autofree char *current = NULL;
  g_autofree char *current_runner = NULL;
  g_autofree char *booted = NULL;
  g_autofree char *current_system = NULL;
  g_autofree char *booted_system = NULL;

  /* A `booted` left by a frontend that was killed means nothing. */
  if (!mu_vm_is_running (name))
    return FALSE;
  current = mu_vm_state_get_link (state, "current");
  booted = mu_vm_state_get_link (state, "booted");
  if (current != NULL)
    current_runner = realpath (current, NULL);
  if (current_runner == NULL || booted == NULL)
    return FALSE;
  current_system = system_of (current_runner);
  booted_system = system_of (booted);
  if (current_system != NULL && booted_system != NULL)
    return strcmp (current_system, booted_system) != 0;
  return strcmp (current_runner, booted) != 0;
}

gint64
mu_vm_booted_at (const char *name)
{
  g_autoptr (MuVmState) state = mu_vm_state_new (name);
  g_autofree char *booted = g_build_filename (state->state_dir, "booted", NULL);
  struct stat st;

  if (!mu_vm_is_running (name) || lstat (booted, &st) < 0)
    return 0;
  return (gint64) st.st_mtime;
}
