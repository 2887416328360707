#include "mu-user-manager.h"

#include <gio/gio.h>

#include "mu-error.h"

gboolean
mu_user_manager_available (void)
{
  g_autoptr (GSubprocess) systemctl = NULL;
  g_autofree char *path = g_find_program_in_path ("systemctl");

  if (path == NULL)
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

char *
mu_user_manager_property (const char *name, const char *property)
{
  g_autofree char *unit = mu_user_manager_unit (name);
  g_autofree char *argument = g_strdup_printf ("--property=%s", property);
  g_autoptr (GSubprocess) systemctl = NULL;
  char *out = NULL;

  systemctl =
    g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL,
                      "systemctl", "--user", "show", "--value", argument, unit, NULL);
  if (systemctl == NULL || !g_subprocess_communicate_utf8 (systemctl, NULL, NULL, &out, NULL, NULL))
    return NULL;
  return g_strchomp (out);
}

char *
mu_user_manager_journal (const char *invocation_id, guint lines)
{
  g_autofree char *match = g_strdup_printf ("_SYSTEMD_INVOCATION_ID=%s", invocation_id);
  g_autofree char *count = g_strdup_printf ("--lines=%u", lines);
  g_autoptr (GSubprocess) journalctl = NULL;
  char *out = NULL;

  journalctl = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                 NULL, "journalctl", "--user", "--no-pager", "--quiet",
                                 "--output=cat", count, match, NULL);
  if (journalctl == NULL ||
      !g_subprocess_communicate_utf8 (journalctl, NULL, NULL, &out, NULL, NULL))
    return NULL;
  return out;
}
