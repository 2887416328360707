/* Waiting for processes and finding them by name and owner in the
 * sandbox's pid namespace. */
#include "mh-test.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int
mh_test_wait_pid (GPid pid, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  int status;

  while (waitpid (pid, &status, WNOHANG) == 0)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("process %d did not exit within %u ms", pid, timeout_ms);
      g_usleep (10 * 1000);
    }
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + WTERMSIG (status);
}

typedef struct {
  gboolean done;
} WaitState;

static void
on_wait_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  WaitState *state = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  state->done = TRUE;
}

int
mh_test_wait_exit (GSubprocess *process, guint timeout_ms)
{
  WaitState state = { FALSE };
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  int status;

  g_subprocess_wait_async (process, NULL, on_wait_done, &state);
  while (!state.done)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("the process did not exit within %u ms", timeout_ms);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5 * 1000);
    }
  status = g_subprocess_get_status (process);
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + WTERMSIG (status);
}

static gint
compare_pids (gconstpointer a, gconstpointer b)
{
  return *(const GPid *) a - *(const GPid *) b;
}

GArray *
mh_test_find_processes (const char *comm, gint64 uid)
{
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (GPid));
  const char *entry;

  while ((entry = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *comm_path = g_build_filename ("/proc", entry, "comm", NULL);
      g_autofree char *status_path = g_build_filename ("/proc", entry, "status", NULL);
      g_autofree char *found = NULL;
      g_autofree char *status = NULL;
      GPid pid;

      if (!g_ascii_isdigit (entry[0]) || !g_file_get_contents (comm_path, &found, NULL, NULL))
        continue;
      g_strchomp (found);
      if (strcmp (found, comm) != 0)
        continue;
      if (!g_file_get_contents (status_path, &status, NULL, NULL))
        continue;
      if (strstr (status, "State:\tZ") != NULL)
        continue;
      if (uid >= 0)
        {
          g_autofree char *needle = g_strdup_printf ("\nUid:\t%" G_GINT64_FORMAT "\t", uid);
          if (strstr (status, needle) == NULL)
            continue;
        }
      pid = (GPid) atoi (entry);
      g_array_append_val (pids, pid);
    }
  g_array_sort (pids, compare_pids);
  return pids;
}

guint
mh_test_count_processes (const char *comm, gint64 uid)
{
  g_autoptr (GArray) pids = mh_test_find_processes (comm, uid);

  return pids->len;
}

gint64
mh_test_process_uid (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *status = NULL;
  const char *uid;

  if (!g_file_get_contents (path, &status, NULL, NULL) ||
      (uid = strstr (status, "\nUid:\t")) == NULL)
    return -1;
  return g_ascii_strtoll (uid + 6, NULL, 10);
}

gboolean
mh_test_wait_no_process (const char *comm, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (mh_test_count_processes (comm, -1) > 0)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (10 * 1000);
    }
  return TRUE;
}
