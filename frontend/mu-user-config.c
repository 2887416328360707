#include "mu-user-config.h"

#include "mh-error.h"
#include "mh-ifname.h"
#include "mu-error.h"
#include "mu-runner.h"
#include "mu-size.h"

void
mu_user_config_free (MuUserConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->path);
  g_free (config->virtiofsd);
  g_free (config->bridge);
  g_clear_pointer (&config->vm_bridges, g_hash_table_unref);
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
  static const char *const run_keys[] = { "Virtiofsd", "ShutdownTimeout", "MemLock", "Bridge",
                                          NULL };
  static const char *const vm_keys[] = { "Bridge", NULL };
  g_auto (GStrv) groups = g_key_file_get_groups (file, NULL);

  for (gsize g = 0; groups[g] != NULL; g++)
    {
      g_auto (GStrv) keys = NULL;
      gboolean is_run = g_strcmp0 (groups[g], "run") == 0;
      const char *const *allowed = is_run ? run_keys : vm_keys;

      if (!is_run &&
          (!g_str_has_prefix (groups[g], "vm ") || !mu_vm_name_validate (groups[g] + 3, NULL)))
        {
          g_autofree char *quoted = mh_quote_untrusted (groups[g], 40);
          g_autofree char *what = g_strdup_printf (
            "unknown group [%s]; only [run] and [vm NAME] (NAME a VM's name) exist", quoted);
          return config_error (error, path, what);
        }
      keys = g_key_file_get_keys (file, groups[g], NULL, NULL);
      for (gsize k = 0; keys != NULL && keys[k] != NULL; k++)
        if (!g_strv_contains (allowed, keys[k]))
          {
            g_autofree char *quoted = mh_quote_untrusted (keys[k], 40);
            g_autofree char *known = g_strjoinv (", ", (char **) allowed);
            g_autofree char *what =
              g_strdup_printf ("unknown key %s in [%s]; known keys: %s", quoted, groups[g], known);
            return config_error (error, path, what);
          }
    }
  return TRUE;
}

/* A missing key gives NULL; a value GKeyFile cannot read (a bad escape,
 * invalid UTF-8) is an error rather than silently "not set". */
static gboolean
read_group_string (GKeyFile *file, const char *group, const char *key, const char *path,
                   char **value, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  *value = NULL;
  if (!g_key_file_has_key (file, group, key, NULL))
    return TRUE;
  /* On a bad escape it returns the raw text and sets the error. */
  *value = g_key_file_get_string (file, group, key, &local_error);
  if (local_error != NULL)
    {
      g_clear_pointer (value, g_free);
      g_autofree char *what = g_strdup_printf ("[%s] %s=: %s", group, key, local_error->message);
      return config_error (error, path, what);
    }
  return TRUE;
}

static gboolean
read_string (GKeyFile *file, const char *key, const char *path, char **value, GError **error)
{
  return read_group_string (file, "run", key, path, value, error);
}

/* Bridge= of @group, checked as an interface name. */
static gboolean
read_bridge (GKeyFile *file, const char *group, const char *path, char **value, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!read_group_string (file, group, "Bridge", path, value, error))
    return FALSE;
  if (*value != NULL && !mh_ifname_validate (g_strstrip (*value), &local_error))
    {
      g_autofree char *what = g_strdup_printf ("[%s] Bridge=: %s", group, local_error->message);
      g_clear_pointer (value, g_free);
      return config_error (error, path, what);
    }
  return TRUE;
}

const char *
mu_user_config_bridge_for (const MuUserConfig *config, const char *name, char **origin)
{
  const char *bridge =
    config->vm_bridges != NULL ? g_hash_table_lookup (config->vm_bridges, name) : NULL;

  if (bridge != NULL)
    {
      if (origin != NULL)
        *origin = g_strdup_printf ("[vm %s] Bridge= in %s", name, config->path);
      return bridge;
    }
  if (config->bridge != NULL && origin != NULL)
    *origin = g_strdup_printf ("[run] Bridge= in %s", config->path);
  return config->bridge;
}

MuUserConfig *
mu_user_config_parse (const char *text, gsize length, const char *origin, GError **error)
{
  g_autoptr (MuUserConfig) config = g_new0 (MuUserConfig, 1);
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;
  g_autofree char *timeout = NULL;
  g_autofree char *memlock = NULL;

  config->path = g_strdup (origin);
  if (!g_key_file_load_from_data (file, text, length, G_KEY_FILE_NONE, &local_error))
    {
      config_error (error, config->path, local_error->message);
      return NULL;
    }
  if (!check_keys (file, config->path, error))
    return NULL;

  if (!read_string (file, "Virtiofsd", config->path, &config->virtiofsd, error) ||
      !read_string (file, "ShutdownTimeout", config->path, &timeout, error) ||
      !read_string (file, "MemLock", config->path, &memlock, error) ||
      !read_bridge (file, "run", config->path, &config->bridge, error))
    return NULL;
  config->vm_bridges = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  {
    g_auto (GStrv) groups = g_key_file_get_groups (file, NULL);

    for (gsize g = 0; groups[g] != NULL; g++)
      {
        char *bridge = NULL;

        if (!g_str_has_prefix (groups[g], "vm "))
          continue;
        if (!read_bridge (file, groups[g], config->path, &bridge, error))
          return NULL;
        if (bridge != NULL)
          g_hash_table_insert (config->vm_bridges, g_strdup (groups[g] + 3), bridge);
      }
  }
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
  if (memlock != NULL && !mu_parse_size (memlock, &config->memlock))
    {
      config_error (error, config->path,
                    "[run] MemLock= must be a size such as 6G or 512M, or unlimited");
      return NULL;
    }
  return g_steal_pointer (&config);
}

MuUserConfig *
mu_user_config_load (GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  g_autoptr (GError) local_error = NULL;

  path = g_build_filename (g_get_user_config_dir (), "microvm", "microvm-user.conf", NULL);
  if (!g_file_get_contents (path, &text, &length, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          MuUserConfig *config = g_new0 (MuUserConfig, 1);
          config->path = g_steal_pointer (&path);
          return config;
        }
      config_error (error, path, local_error->message);
      return NULL;
    }
  return mu_user_config_parse (text, length, path, error);
}
