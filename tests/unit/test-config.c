#include <string.h>

#include "mh-config.h"
#include "mh-error.h"

static MhConfig *
parse (const char *text, GError **error)
{
  return mh_config_parse (text, strlen (text), "test.conf", error);
}

static void
test_defaults (void)
{
  g_autoptr (MhConfig) empty = NULL;
  g_autoptr (MhConfig) missing = NULL;
  g_autoptr (GError) error = NULL;

  empty = parse ("", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (empty->max_taps_per_user, ==, 32);
  g_assert_cmpuint (empty->max_taps_total, ==, MH_CONFIG_DEFAULT_MAX_TAPS_TOTAL);
  g_assert_true (mh_config_check_tap_name (empty, "anything", NULL));

  missing = mh_config_load ("/nonexistent/helper.conf", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (missing->max_taps_per_user, ==, 32);
}

static void
test_values (void)
{
  g_autoptr (MhConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) refused = NULL;

  config =
    parse ("# comment\n[Taps]\nMaxPerUser=4\nMaxTotal= 10 \nAllowedNames=vm-*; mvm-?x\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (config->max_taps_per_user, ==, 4);
  g_assert_cmpuint (config->max_taps_total, ==, 10);
  g_assert_true (mh_config_check_tap_name (config, "vm-web", NULL));
  g_assert_true (mh_config_check_tap_name (config, "mvm-1x", NULL));
  g_assert_false (mh_config_check_tap_name (config, "tap0", &refused));
  g_assert_error (refused, MH_ERROR, MH_ERROR_REFUSED);
  g_assert_nonnull (strstr (refused->message, "vm-*, mvm-?x"));
  g_assert_nonnull (strstr (refused->message, "test.conf"));
}

static void
test_empty_allow_list_allows_nothing (void)
{
  g_autoptr (MhConfig) config = parse ("[Taps]\nAllowedNames=\n", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (config);
  g_assert_false (mh_config_check_tap_name (config, "vm-web", &error));
  g_assert_nonnull (strstr (error->message, "matching nothing"));
}

static void
check_rejected (const char *text, const char *message_part)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MhConfig) config = parse (text, &error);

  g_assert_null (config);
  g_assert_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT);
  if (strstr (error->message, message_part) == NULL)
    g_error ("\"%s\" lacks \"%s\"", error->message, message_part);
  g_assert_true (g_str_has_prefix (error->message, "test.conf: "));
}

static void
test_rejected (void)
{
  check_rejected ("[Taps]\nMaxPerUsr=3\n", "unknown key \"MaxPerUsr\" in [Taps]");
  check_rejected ("[Tap]\nMaxPerUser=3\n", "unknown group [\"Tap\"]");
  check_rejected ("[Taps]\nMaxPerUser=-1\n", "not a whole number");
  check_rejected ("[Taps]\nMaxPerUser=3x\n", "not a whole number");
  check_rejected ("[Taps]\nMaxTotal=99999999999\n", "not a whole number");
  check_rejected ("[Taps]\nAllowedNames=a/b\n", "not a pattern");
  check_rejected ("not a key file", "test.conf");
}

/* fuzz-config: an AllowedNames= value GKeyFile cannot read (a bad
 * escape, invalid UTF-8) was dropped, so the helper started and allowed
 * nothing instead of saying what is wrong with the file. */
static void
test_unreadable_allow_list (void)
{
  check_rejected ("[Taps]\nAllowedNames=vm-\\q*\n", "[Taps] AllowedNames: ");
  check_rejected ("[Taps]\nAllowedNames=vm-\xff*\n", "[Taps] AllowedNames: ");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/defaults", test_defaults);
  g_test_add_func ("/config/values", test_values);
  g_test_add_func ("/config/empty-allow-list", test_empty_allow_list_allows_nothing);
  g_test_add_func ("/config/rejected", test_rejected);
  g_test_add_func ("/config/unreadable-allow-list", test_unreadable_allow_list);
  return g_test_run ();
}
