#include "mu-user-manager.h"

#include <gio/gio.h>

#include "mu-error.h"

gboolean
mu_user_manager_available (void)
{
  g_autoptr (GSubprocess) systemctl = NULL;
  g_autofree char *program = g_find_program_in_path ("systemctl");

  if (program == NULL)
    return FALSE;
  systemctl =
    g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL,
                      "systemctl", "--user", "show", "--property=Version", NULL);
  return systemctl != NULL && g_subprocess_wait_check (systemctl, NULL, NULL);
}

char *
mu_user_manager_unit (const char *name)
{
  return g_strdup_printf ("microvm@%s.service", name);
}

gboolean
mu_user_manager_call (const char *verb, const char *name, GError **error)
{
  g_autofree char *unit = mu_user_manager_unit (name);
  g_autoptr (GSubprocess) systemctl = NULL;
  g_autoptr (GError) local_error = NULL;

  systemctl = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &local_error, "systemctl", "--user", verb,
                                unit, NULL);
  if (systemctl == NULL || !g_subprocess_wait_check (systemctl, NULL, &local_error))
    {
      g_set_error (error, MU_ERROR, MU_ERROR_FAILED, "systemctl --user %s %s failed: %s", verb,
                   unit, local_error->message);
      return FALSE;
    }
  return TRUE;
}

char *
mu_user_manager_state (const char *name)
{
  g_autofree char *unit = mu_user_manager_unit (name);
  g_autoptr (GSubprocess) systemctl = NULL;
  char *out = NULL;

  systemctl = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                NULL, "systemctl", "--user", "is-active", unit, NULL);
  if (systemctl == NULL || !g_subprocess_communicate_utf8 (systemctl, NULL, NULL, &out, NULL, NULL))
    return g_strdup ("unknown");
  return g_strchomp (out);
}
