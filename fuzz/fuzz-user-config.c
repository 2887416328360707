/* Fuzz target for mu_user_config_parse, microvm-user's own settings file
 * (GKeyFile, strict). */
#include <string.h>

#include "fuzz-common.h"
#include "mu-error.h"
#include "mu-user-config.h"

/* No value may be dropped unread: a string GKeyFile cannot read (a bad
 * escape, invalid UTF-8) must be an error, not "not set". */
static gboolean
values_readable (const uint8_t *data, size_t size)
{
  static const char *const keys[] = { "Virtiofsd", "ShutdownTimeout", "MemLock" };
  g_autoptr (GKeyFile) file = g_key_file_new ();

  if (!g_key_file_load_from_data (file, size > 0 ? (const char *) data : "", size, G_KEY_FILE_NONE,
                                  NULL))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *value = NULL;

      if (!g_key_file_has_key (file, "run", keys[i], NULL))
        continue;
      value = g_key_file_get_string (file, "run", keys[i], &error);
      if (error != NULL)
        return FALSE;
    }
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MuUserConfig) config =
    mu_user_config_parse (size > 0 ? (const char *) data : "", size, "fuzz.conf", &error);

  if (config == NULL)
    {
      g_assert_error (error, MU_ERROR, MU_ERROR_USAGE);
      g_assert_true (g_str_has_prefix (error->message, "fuzz.conf: "));
      return 0;
    }
  g_assert_no_error (error);
  if (!values_readable (data, size))
    g_error ("a value GKeyFile cannot read was accepted:\n%.*s", (int) size, (const char *) data);
  g_assert_cmpstr (config->path, ==, "fuzz.conf");
  g_assert_true (config->shutdown_timeout_s == 0 ||
                 (config->shutdown_timeout_s >= 1 && config->shutdown_timeout_s <= 3600));
  if (config->virtiofsd != NULL)
    g_assert_true (g_utf8_validate (config->virtiofsd, -1, NULL));
  /* MemLock= is a size: present means more than zero bytes. */
  if (memmem (data, size, "MemLock", 7) == NULL)
    g_assert_cmpuint (config->memlock, ==, 0);
  return 0;
}
