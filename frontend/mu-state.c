#include "mu-state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "mh-error.h"
#include "mh-syscall.h"
#include "mu-error.h"
#include "mu-runner.h"

char *
mu_state_root (void)
{
  return g_build_filename (g_get_user_state_dir (), "microvm", NULL);
}

static char *
runtime_root (void)
{
  const char *runtime = g_getenv ("XDG_RUNTIME_DIR");

  /* Without a runtime directory (no login session), the state directory
   * holds the stop channel too. */
  if (runtime != NULL && g_path_is_absolute (runtime) && g_file_test (runtime, G_FILE_TEST_IS_DIR))
    return g_build_filename (runtime, "microvm", NULL);
  return mu_state_root ();
}

MuVmState *
mu_vm_state_new (const char *name)
{
  MuVmState *state = g_new0 (MuVmState, 1);
  g_autofree char *state_root = mu_state_root ();
  g_autofree char *run_root = runtime_root ();

  state->name = g_strdup (name);
  state->state_dir = g_build_filename (state_root, name, NULL);
  state->runtime_dir = g_build_filename (run_root, name, NULL);
  state->lock_fd = -1;
  return state;
}

void
mu_vm_state_free (MuVmState *state)
{
  if (state == NULL)
    return;
  mu_vm_state_unlock (state);
  g_free (state->name);
  g_free (state->state_dir);
  g_free (state->runtime_dir);
  g_free (state);
}

gboolean
mu_vm_state_prepare (MuVmState *state, GError **error)
{
  if (g_mkdir_with_parents (state->state_dir, 0700) < 0)
    return mh_set_errno_error (error, errno, "create the state directory %s", state->state_dir);
  if (g_mkdir_with_parents (state->runtime_dir, 0700) < 0)
    return mh_set_errno_error (error, errno, "create the runtime directory %s", state->runtime_dir);
  return TRUE;
}

static char *
lock_path (const char *state_dir)
{
  return g_build_filename (state_dir, "lock", NULL);
}

gboolean
mu_vm_state_lock (MuVmState *state, GError **error)
{
  g_autofree char *path = lock_path (state->state_dir);
  int fd;

  fd = mh_open (path, O_RDWR | O_CREAT, 0600, error);
  if (fd < 0)
    return FALSE;
  if (flock (fd, LOCK_EX | LOCK_NB) < 0)
    {
      int errsv = errno;
      mh_close_fd (&fd);
      if (errsv == EWOULDBLOCK)
        {
          g_set_error (error, MU_ERROR, MU_ERROR_RUNNING,
                       "the VM %s is already running; stop it with `microvm-user stop %s`, or "
                       "give this one another name with --name",
                       state->name, state->name);
          return FALSE;
        }
      return mh_set_errno_error (error, errsv, "lock %s", path);
    }
  state->lock_fd = fd;
  return TRUE;
}

void
mu_vm_state_unlock (MuVmState *state)
{
  mh_close_fd (&state->lock_fd);
}

gboolean
mu_vm_is_running (const char *name)
{
  g_autofree char *root = mu_state_root ();
  g_autofree char *dir = g_build_filename (root, name, NULL);
  g_autofree char *path = lock_path (dir);
  gboolean running = FALSE;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return FALSE;
  if (flock (fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK)
    running = TRUE;
  close (fd);
  return running;
}

gboolean
mu_vm_state_set_link (MuVmState *state, const char *link, const char *target, GError **error)
{
  g_autofree char *path = g_build_filename (state->state_dir, link, NULL);
  g_autofree char *temporary = g_strdup_printf ("%s.new-%d", path, (int) getpid ());

  unlink (temporary);
  if (symlink (target, temporary) < 0)
    return mh_set_errno_error (error, errno, "create the symlink %s", temporary);
  if (rename (temporary, path) < 0)
    {
      int errsv = errno;
      unlink (temporary);
      return mh_set_errno_error (error, errsv, "replace %s", path);
    }
  return TRUE;
}

void
mu_vm_state_remove_link (MuVmState *state, const char *link)
{
  g_autofree char *path = g_build_filename (state->state_dir, link, NULL);

  unlink (path);
}

char *
mu_vm_state_get_link (MuVmState *state, const char *link)
{
  g_autofree char *path = g_build_filename (state->state_dir, link, NULL);

  return g_file_read_link (path, NULL);
}

char *
mu_vm_state_control_path (MuVmState *state)
{
  return g_build_filename (state->runtime_dir, "control", NULL);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
mu_state_list_names (void)
{
  g_autofree char *root = mu_state_root ();
  g_autoptr (GDir) dir = g_dir_open (root, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return names;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (root, name, NULL);
      if (mu_vm_name_validate (name, NULL) && g_file_test (path, G_FILE_TEST_IS_DIR))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_names);
  return names;
}
