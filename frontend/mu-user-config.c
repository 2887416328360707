#include "mu-user-config.h"

#include "mh-error.h"
#include "mu-error.h"
#include "mu-size.h"

void
mu_user_config_free (MuUserConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->path);
  g_free (config->virtiofsd);
  g_free (config);
}

static gboolean
config_error (GError **error, const char *path, const char *what)
{
  g_set_error (error, MU_ERROR, MU_ERROR_USAGE, "%s: %s", path, what);
  return FALSE;
}

static gboolean
check_keys (GKeyFile *file, const char *path, GError **error)
{
  static const char *const run_keys[] = { "Virtiofsd", "ShutdownTimeout", "MemLock", NULL };
  g_auto (GStrv) groups = g_key_file_get_groups (file, NULL);

  for (gsize g = 0; groups[g] != NULL; g++)
    {
      g_auto (GStrv) keys = NULL;

      if (g_strcmp0 (groups[g], "run") != 0)
        {
          g_autofree char *quoted = mh_quote_untrusted (groups[g], 40);
          g_autofree char *what = g_strdup_printf ("unknown group [%s]; only [run] exists", quoted);
          return config_error (error, path, what);
        }
      keys = g_key_file_get_keys (file, groups[g], NULL, NULL);
      for (gsize k = 0; keys != NULL && keys[k] != NULL; k++)
        if (!g_strv_contains (run_keys, keys[k]))
          {
            g_autofree char *quoted = mh_quote_untrusted (keys[k], 40);
            g_autofree char *what = g_strdup_printf (
              "unknown key %s in [run]; known keys: Virtiofsd, ShutdownTimeout, MemLock", quoted);
            return config_error (error, path, what);
          }
    }
  return TRUE;
}

MuUserConfig *
mu_user_config_load (GError **error)
{
  g_autoptr (MuUserConfig) config = g_new0 (MuUserConfig, 1);
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;
  g_autofree char *timeout = NULL;
  g_autofree char *memlock = NULL;

  config->path = g_build_filename (g_get_user_config_dir (), "microvm", "microvm-user.conf", NULL);
  if (!g_key_file_load_from_file (file, config->path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&config);
      config_error (error, config->path, local_error->message);
      return NULL;
    }
  if (!check_keys (file, config->path, error))
    return NULL;

  config->virtiofsd = g_key_file_get_string (file, "run", "Virtiofsd", NULL);
  timeout = g_key_file_get_string (file, "run", "ShutdownTimeout", NULL);
  if (timeout != NULL)
    {
      guint64 seconds;
      if (!g_ascii_string_to_unsigned (g_strstrip (timeout), 10, 1, 3600, &seconds, NULL))
        {
          config_error (error, config->path,
                        "[run] ShutdownTimeout= must be a number of seconds from 1 to 3600");
          return NULL;
        }
      config->shutdown_timeout_s = (int) seconds;
    }
  memlock = g_key_file_get_string (file, "run", "MemLock", NULL);
  if (memlock != NULL && !mu_parse_size (memlock, &config->memlock))
    {
      config_error (error, config->path,
                    "[run] MemLock= must be a size such as 6G or 512M, or unlimited");
      return NULL;
    }
  return g_steal_pointer (&config);
}
