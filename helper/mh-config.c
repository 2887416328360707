#include "mh-config.h"

#include <errno.h>
#include <string.h>

#include "mh-error.h"
#include "mh-ifname.h"

/* Every key this version understands, by group.  Anything else is an error
 * rather than a silently ignored typo. */
static const struct {
  const char *group;
  const char *const keys[4];
} known_keys[] = {
  { "Taps", { "MaxPerUser", "MaxTotal", "AllowedNames", NULL } },
};

MhConfig *
mh_config_new_default (void)
{
  MhConfig *config = g_new0 (MhConfig, 1);

  config->path = g_strdup ("(built-in defaults)");
  config->max_taps_per_user = MH_CONFIG_DEFAULT_MAX_TAPS_PER_USER;
  config->max_taps_total = MH_CONFIG_DEFAULT_MAX_TAPS_TOTAL;
  config->allowed_tap_specs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_pattern_spec_free);
  return config;
}

void
mh_config_free (MhConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->path);
  g_strfreev (config->allowed_tap_names);
  g_ptr_array_unref (config->allowed_tap_specs);
  g_free (config);
}

static gboolean config_error (GError **error, const char *origin, const char *format, ...)
  G_GNUC_PRINTF (3, 4);

static gboolean
config_error (GError **error, const char *origin, const char *format, ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT, "%s: %s", origin, what);
  return FALSE;
}

static gboolean
check_known_keys (GKeyFile *file, const char *origin, GError **error)
{
  g_auto (GStrv) groups = g_key_file_get_groups (file, NULL);

  for (gsize g = 0; groups[g] != NULL; g++)
    {
      g_auto (GStrv) keys = NULL;
      const char *const *allowed = NULL;

      for (gsize k = 0; k < G_N_ELEMENTS (known_keys); k++)
        if (strcmp (known_keys[k].group, groups[g]) == 0)
          allowed = known_keys[k].keys;
      if (allowed == NULL)
        {
          g_autofree char *quoted = mh_quote_untrusted (groups[g], 40);
          return config_error (error, origin, "unknown group [%s]; this version knows [Taps]",
                               quoted);
        }

      keys = g_key_file_get_keys (file, groups[g], NULL, NULL);
      for (gsize k = 0; keys != NULL && keys[k] != NULL; k++)
        if (!g_strv_contains (allowed, keys[k]))
          {
            g_autofree char *quoted = mh_quote_untrusted (keys[k], 40);
            g_autofree char *known = g_strjoinv (", ", (char **) allowed);
            return config_error (error, origin, "unknown key %s in [%s]; known keys: %s", quoted,
                                 groups[g], known);
          }
    }
  return TRUE;
}

static gboolean
read_count (GKeyFile *file, const char *group, const char *key, guint *value, const char *origin,
            GError **error)
{
  g_autofree char *text = g_key_file_get_value (file, group, key, NULL);
  guint64 parsed;
  g_autoptr (GError) local_error = NULL;

  if (text == NULL)
    return TRUE;
  g_strstrip (text);
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32, &parsed, &local_error))
    {
      g_autofree char *quoted = mh_quote_untrusted (text, 40);
      return config_error (error, origin, "[%s] %s=%s is not a whole number from 0 to %u", group,
                           key, quoted, G_MAXUINT32);
    }
  *value = (guint) parsed;
  return TRUE;
}

static gboolean
read_name_patterns (GKeyFile *file, MhConfig *config, const char *origin, GError **error)
{
  g_auto (GStrv) patterns = NULL;
  g_autoptr (GStrvBuilder) kept = g_strv_builder_new ();
  g_autoptr (GError) local_error = NULL;

  if (!g_key_file_has_key (file, "Taps", "AllowedNames", NULL))
    return TRUE;

  /* A value GKeyFile cannot read (a bad escape, invalid UTF-8) is an
   * error: ignoring it would silently turn the key into "allow nothing". */
  patterns = g_key_file_get_string_list (file, "Taps", "AllowedNames", NULL, &local_error);
  if (local_error != NULL)
    return config_error (error, origin, "[Taps] AllowedNames: %s", local_error->message);
  for (gsize i = 0; patterns != NULL && patterns[i] != NULL; i++)
    {
      char *pattern = g_strstrip (patterns[i]);

      if (pattern[0] == '\0')
        continue;
      if (strlen (pattern) > 64 || strchr (pattern, '/') != NULL)
        {
          g_autofree char *quoted = mh_quote_untrusted (pattern, 40);
          return config_error (error, origin,
                               "[Taps] AllowedNames: %s is not a pattern such as vm-*", quoted);
        }
      g_strv_builder_add (kept, pattern);
      g_ptr_array_add (config->allowed_tap_specs, g_pattern_spec_new (pattern));
    }

  /* An AllowedNames= that lists nothing allows nothing: the admin wrote the
   * key, so an empty value must not fall back to "anything goes". */
  config->allowed_tap_names = g_strv_builder_end (kept);
  return TRUE;
}

MhConfig *
mh_config_parse (const char *text, gsize length, const char *origin, GError **error)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (MhConfig) config = mh_config_new_default ();
  g_autoptr (GError) local_error = NULL;

  g_free (config->path);
  config->path = g_strdup (origin);

  if (!g_key_file_load_from_data (file, text, length, G_KEY_FILE_NONE, &local_error))
    {
      config_error (error, origin, "%s", local_error->message);
      return NULL;
    }
  if (!check_known_keys (file, origin, error))
    return NULL;
  if (!read_count (file, "Taps", "MaxPerUser", &config->max_taps_per_user, origin, error) ||
      !read_count (file, "Taps", "MaxTotal", &config->max_taps_total, origin, error) ||
      !read_name_patterns (file, config, origin, error))
    return NULL;

  return g_steal_pointer (&config);
}

MhConfig *
mh_config_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize length = 0;
  g_autoptr (GError) local_error = NULL;

  if (!g_file_get_contents (path, &text, &length, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          MhConfig *config = mh_config_new_default ();
          g_free (config->path);
          config->path = g_strdup (path);
          return config;
        }
      g_set_error (error, MH_ERROR, MH_ERROR_FAILED, "%s", local_error->message);
      return NULL;
    }
  return mh_config_parse (text, length, path, error);
}

gboolean
mh_config_check_tap_name (const MhConfig *config, const char *name, GError **error)
{
  g_autofree char *list = NULL;

  if (config->allowed_tap_names == NULL)
    return TRUE;

  for (guint i = 0; i < config->allowed_tap_specs->len; i++)
    if (g_pattern_spec_match_string (config->allowed_tap_specs->pdata[i], name))
      return TRUE;

  list = g_strjoinv (", ", config->allowed_tap_names);
  g_set_error (error, MH_ERROR, MH_ERROR_REFUSED,
               "the administrator allows only tap names matching %s (AllowedNames in %s); "
               "\"%s\" does not match",
               list[0] != '\0' ? list : "nothing", config->path, name);
  return FALSE;
}
