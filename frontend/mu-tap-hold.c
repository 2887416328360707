#include "mu-tap-hold.h"

#include <errno.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "mh-error.h"
#include "mh-syscall.h"
#include "mu-error.h"

#define RECORD_FILE "held-taps"
/* Not a VM name: those never start with a dot. */
#define LOCK_FILE ".taps-lock"
/* Holders keep the lock for a few file operations; waiting this long means
 * something holds it that should not. */
#define LOCK_TIMEOUT_S 10

static char *
record_path (const char *name)
{
  g_autofree char *root = mu_state_root ();

  return g_build_filename (root, name, RECORD_FILE, NULL);
}

/* The taps @name's record lists, whether or not it runs. */
static GPtrArray *
read_record (const char *name)
{
  g_autofree char *path = record_path (name);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  GPtrArray *taps = g_ptr_array_new_with_free_func (g_free);

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return taps;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_strstrip (lines[i])[0] != '\0')
      g_ptr_array_add (taps, g_strdup (lines[i]));
  return taps;
}

/* The fd holding the user's tap lock, or -1. */
static int
take_lock (GError **error)
{
  g_autofree char *root = mu_state_root ();
  g_autofree char *path = g_build_filename (root, LOCK_FILE, NULL);
  gint64 deadline = g_get_monotonic_time () + LOCK_TIMEOUT_S * G_USEC_PER_SEC;
  int fd;

  if (g_mkdir_with_parents (root, 0700) < 0)
    {
      mh_set_errno_error (error, errno, "create the state directory %s", root);
      return -1;
    }
  fd = mh_open (path, O_RDWR | O_CREAT, 0600, error);
  if (fd < 0)
    return -1;
  while (flock (fd, LOCK_EX | LOCK_NB) < 0)
    {
      int errsv = errno;

      if (errsv != EWOULDBLOCK && errsv != EINTR)
        {
          mh_close_fd (&fd);
          mh_set_errno_error (error, errsv, "lock %s", path);
          return -1;
        }
      if (g_get_monotonic_time () > deadline)
        {
          mh_close_fd (&fd);
          g_set_error (error, MU_ERROR, MU_ERROR_ENVIRONMENT,
                       "%s has been locked by another process for %d s; microvm-user holds it "
                       "only for an instant, so see which process holds it (e.g. `fuser %s`)",
                       path, LOCK_TIMEOUT_S, path);
          return -1;
        }
      g_usleep (5 * 1000);
    }
  return fd;
}

gboolean
mu_tap_hold_check (const char *name, GPtrArray *taps, GError **error)
{
  g_autoptr (GPtrArray) names = NULL;

  if (taps->len == 0)
    return TRUE;
  names = mu_state_list_names ();
  for (guint i = 0; i < names->len; i++)
    {
      const char *other = names->pdata[i];
      g_autoptr (GPtrArray) held = NULL;

      /* The same VM running already is the run lock's to report. */
      if (g_str_equal (other, name))
        continue;
      held = read_record (other);
      for (guint j = 0; j < taps->len; j++)
        {
          const char *tap = taps->pdata[j];

          if (!g_ptr_array_find_with_equal_func (held, tap, g_str_equal, NULL))
            continue;
          if (!mu_vm_is_running (other))
            break; /* left by a frontend that was killed */
          g_set_error (error, MU_ERROR, MU_ERROR_RUNNING,
                       "the tap %s is held by the VM %s, which is running, and a tap serves one "
                       "VM at a time; stop %s first (`microvm-user stop %s`), or give this VM "
                       "taps of its own",
                       tap, other, other, other);
          return FALSE;
        }
    }
  return TRUE;
}

/* Replaced whole (a reader never sees half of it), but not synced to
 * disk: a record means nothing once its run lock is gone, and an fsync
 * would cost the start about 10 ms. */
static gboolean
write_record (MuVmState *state, GPtrArray *taps, GError **error)
{
  g_autofree char *path = record_path (state->name);
  g_autofree char *temporary = g_strdup_printf ("%s.new", path);
  g_autoptr (GString) text = g_string_new (NULL);

  if (taps->len == 0)
    {
      mu_tap_hold_release (state);
      return TRUE;
    }
  for (guint i = 0; i < taps->len; i++)
    g_string_append_printf (text, "%s\n", (const char *) taps->pdata[i]);
  if (!g_file_set_contents_full (temporary, text->str, (gssize) text->len, G_FILE_SET_CONTENTS_NONE,
                                 0600, error))
    return FALSE;
  if (rename (temporary, path) < 0)
    {
      int errsv = errno;
      unlink (temporary);
      return mh_set_errno_error (error, errsv, "replace %s", path);
    }
  return TRUE;
}

gboolean
mu_tap_hold_claim (MuVmState *state, GPtrArray *taps, GError **error)
{
  int lock = take_lock (error);
  gboolean claimed;

  if (lock < 0)
    return FALSE;
  claimed = mu_tap_hold_check (state->name, taps, error) && mu_vm_state_prepare (state, error) &&
            mu_vm_state_lock (state, error) && write_record (state, taps, error);
  mh_close_fd (&lock);
  return claimed;
}

void
mu_tap_hold_release (MuVmState *state)
{
  g_autofree char *path = record_path (state->name);

  unlink (path);
}

GPtrArray *
mu_tap_hold_list (const char *name)
{
  if (!mu_vm_is_running (name))
    return g_ptr_array_new_with_free_func (g_free);
  return read_record (name);
}
