#include "mh-memlock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "mh-error.h"
#include "mh-syscall.h"

static gboolean
process_gone (pid_t pid, GError **error)
{
  g_set_error (error, MH_ERROR, MH_ERROR_NOT_FOUND,
               "the calling process %d exited before its memlock limit could be raised", (int) pid);
  return FALSE;
}

/* Start time in microseconds since boot, and whether real, effective,
 * saved and filesystem uids are all @uid. */
static gboolean
read_process (pid_t pid, uid_t uid, gint64 *start_time, gboolean *only_uid, GError **error)
{
  g_autofree char *stat_path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *status_path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *stat = NULL;
  g_autofree char *status = NULL;
  g_auto (GStrv) fields = NULL;
  const char *after_name;
  const char *uids;
  guint64 ticks;
  guint r, e, s, f;

  if (!mh_read_small_file (stat_path, 4096, &stat, NULL, NULL) ||
      !mh_read_small_file (status_path, 65536, &status, NULL, NULL))
    return process_gone (pid, error);

  /* The command name may hold spaces and parentheses: fields start after
   * the last ')'; starttime is field 22, the 20th after the name. */
  after_name = strrchr (stat, ')');
  if (after_name == NULL)
    return mh_set_errno_error (error, EINVAL, "%s is not what the kernel writes", stat_path);
  fields = g_strsplit (after_name + 2, " ", 0);
  if (g_strv_length (fields) < 20 ||
      !g_ascii_string_to_unsigned (fields[19], 10, 0, G_MAXUINT64, &ticks, NULL))
    return mh_set_errno_error (error, EINVAL, "%s has no start time", stat_path);
  *start_time = (gint64) (ticks * G_USEC_PER_SEC / (guint64) sysconf (_SC_CLK_TCK));

  uids = strstr (status, "\nUid:");
  if (uids == NULL || sscanf (uids, "\nUid: %u %u %u %u", &r, &e, &s, &f) != 4)
    return mh_set_errno_error (error, EINVAL, "%s has no Uid line", status_path);
  *only_uid = r == uid && e == uid && s == uid && f == uid;
  return TRUE;
}

gboolean
mh_memlock_raise (pid_t pid, uid_t uid, guint64 bytes, gint64 call_time, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *what = g_strdup_printf ("RLIMIT_MEMLOCK of process %d", (int) pid);
  struct rlimit old, wanted, before;
  gint64 start_time, start_after;
  gboolean only_uid;
  gboolean ok = FALSE;
  int pidfd;

  if (pid <= 0)
    {
      g_set_error_literal (error, MH_ERROR, MH_ERROR_FAILED,
                           "the bus did not tell which process is calling, so its memlock "
                           "limit cannot be raised");
      return FALSE;
    }

  pidfd = mh_pidfd_open (pid, &local_error);
  if (pidfd < 0 && !g_error_matches (local_error, MH_ERRNO_ERROR, ENOSYS))
    return process_gone (pid, error);
  g_clear_error (&local_error);

  if (!read_process (pid, uid, &start_time, &only_uid, error))
    goto out;
  if (pidfd >= 0 && !mh_pidfd_is_running (pidfd))
    {
      process_gone (pid, error);
      goto out;
    }
  /* One clock tick of slack: start times are counted in ticks. */
  if (start_time > call_time + G_USEC_PER_SEC / 50)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_REFUSED,
                   "process %d started after the call arrived, so it is not the caller (the "
                   "caller exited and its pid was reused); nothing was changed",
                   (int) pid);
      goto out;
    }
  if (!only_uid)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_REFUSED,
                   "process %d does not run as uid %u alone (a setuid program?); its memlock "
                   "limit is left alone",
                   (int) pid, (guint) uid);
      goto out;
    }

  if (!mh_prlimit (pid, RLIMIT_MEMLOCK, NULL, &old, what, error))
    goto out;
  wanted = old;
  if (wanted.rlim_cur != RLIM_INFINITY && wanted.rlim_cur < bytes)
    wanted.rlim_cur = bytes;
  if (wanted.rlim_max != RLIM_INFINITY && wanted.rlim_max < bytes)
    wanted.rlim_max = bytes;
  if (wanted.rlim_cur == old.rlim_cur && wanted.rlim_max == old.rlim_max)
    {
      ok = TRUE; /* high enough already */
      goto out;
    }
  if (!mh_prlimit (pid, RLIMIT_MEMLOCK, &wanted, &before, what, error))
    goto out;

  /* Did the limit reach the process that was checked? */
  if (pidfd >= 0
        ? !mh_pidfd_is_running (pidfd)
        : !read_process (pid, uid, &start_after, &only_uid, NULL) || start_after != start_time)
    {
      if (!mh_prlimit (pid, RLIMIT_MEMLOCK, &before, NULL, what, &local_error))
        g_debug ("putting back %s: %s", what, local_error->message);
      process_gone (pid, error);
      goto out;
    }
  ok = TRUE;

out:
  mh_close_fd (&pidfd);
  return ok;
}
