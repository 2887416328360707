/* Fuzz target for mu_user_config_parse, microvm-user's own settings file
 * (GKeyFile, strict). */
#include <string.h>

#include "fuzz-common.h"
#include "mu-error.h"
#include "mu-user-config.h"

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
  g_assert_cmpstr (config->path, ==, "fuzz.conf");
  g_assert_true (config->shutdown_timeout_s == 0 ||
                 (config->shutdown_timeout_s >= 1 && config->shutdown_timeout_s <= 3600));
  if (config->virtiofsd != NULL)
    g_assert_true (g_utf8_validate (config->virtiofsd, -1, NULL));
  return 0;
}
