/* Fuzz target for mh_config_parse, the helper's strict admin
 * configuration (GKeyFile).  Besides crashes and leaks, it checks that a
 * parsed configuration holds only what the parser promises and that name
 * checks agree with the patterns it kept. */
#include <string.h>

#include "fuzz-common.h"
#include "mh-config.h"
#include "mh-error.h"

static const char *const probe_names[] = { "vm-web", "tap0", "x", "vm-", "mvm-1x", "a*b", NULL };

static void
check_config (const MhConfig *config)
{
  g_assert_cmpstr (config->path, ==, "fuzz.conf");
  if (config->allowed_tap_names == NULL)
    {
      g_assert_cmpuint (config->allowed_tap_specs->len, ==, 0);
      for (gsize i = 0; probe_names[i] != NULL; i++)
        g_assert_true (mh_config_check_tap_name (config, probe_names[i], NULL));
      return;
    }

  g_assert_cmpuint (config->allowed_tap_specs->len, ==, g_strv_length (config->allowed_tap_names));
  for (gsize i = 0; config->allowed_tap_names[i] != NULL; i++)
    {
      const char *pattern = config->allowed_tap_names[i];
      g_assert_cmpuint (strlen (pattern), >, 0);
      g_assert_cmpuint (strlen (pattern), <=, 64);
      g_assert_null (strchr (pattern, '/'));
      g_assert_false (g_ascii_isspace (pattern[0]));
      g_assert_false (g_ascii_isspace (pattern[strlen (pattern) - 1]));
    }
  for (gsize i = 0; probe_names[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      gboolean expected = FALSE;
      gboolean allowed = mh_config_check_tap_name (config, probe_names[i], &error);

      for (gsize p = 0; config->allowed_tap_names[p] != NULL; p++)
        expected =
          expected || g_pattern_match_simple (config->allowed_tap_names[p], probe_names[i]);
      g_assert_cmpint (allowed, ==, expected);
      if (allowed)
        g_assert_no_error (error);
      else
        g_assert_error (error, MH_ERROR, MH_ERROR_REFUSED);
    }
}

/* Strict means no value is dropped unread: whatever GKeyFile cannot read
 * as the type the parser wants (a bad escape, invalid UTF-8) must fail the
 * whole file, not silently become "allow nothing" or the default. */
static gboolean
values_readable (const uint8_t *data, size_t size)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) patterns = NULL;

  if (!g_key_file_load_from_data (file, size > 0 ? (const char *) data : "", size, G_KEY_FILE_NONE,
                                  NULL))
    return FALSE;
  if (!g_key_file_has_key (file, "Taps", "AllowedNames", NULL))
    return TRUE;
  patterns = g_key_file_get_string_list (file, "Taps", "AllowedNames", NULL, &error);
  return error == NULL;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MhConfig) config =
    mh_config_parse (size > 0 ? (const char *) data : "", size, "fuzz.conf", &error);

  if (config == NULL)
    {
      /* An admin's own file: its text may appear raw in the message, so
       * only the domain, code and origin are checked. */
      g_assert_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT);
      g_assert_true (g_str_has_prefix (error->message, "fuzz.conf: "));
      return 0;
    }
  g_assert_no_error (error);
  if (!values_readable (data, size))
    g_error ("a value GKeyFile cannot read was accepted:\n%.*s", (int) size, (const char *) data);
  check_config (config);
  return 0;
}
