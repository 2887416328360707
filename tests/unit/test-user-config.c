/* Unit tests of microvm-user's own configuration file parser. */
#include <string.h>

#include "mu-error.h"
#include "mu-user-config.h"

static MuUserConfig *
parse (const char *text, GError **error)
{
  return mu_user_config_parse (text, strlen (text), "user.conf", error);
}

static void
test_values (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MuUserConfig) empty = parse ("", &error);
  g_autoptr (MuUserConfig) full = NULL;

  g_assert_no_error (error);
  g_assert_null (empty->virtiofsd);
  g_assert_cmpint (empty->shutdown_timeout_s, ==, 0);

  full = parse ("# mine\n[run]\nVirtiofsd=/opt/virtiofsd\nShutdownTimeout= 30 \n", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (full->path, ==, "user.conf");
  g_assert_cmpstr (full->virtiofsd, ==, "/opt/virtiofsd");
  g_assert_cmpint (full->shutdown_timeout_s, ==, 30);
}

static void
check_rejected (const char *text, const char *message_part)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MuUserConfig) config = parse (text, &error);

  g_assert_null (config);
  g_assert_error (error, MU_ERROR, MU_ERROR_USAGE);
  if (strstr (error->message, message_part) == NULL)
    g_error ("\"%s\" lacks \"%s\"", error->message, message_part);
  g_assert_true (g_str_has_prefix (error->message, "user.conf: "));
}

static void
test_rejected (void)
{
  check_rejected ("[run]\nVirtiofs=/x\n", "unknown key \"Virtiofs\" in [run]");
  check_rejected ("[Run]\n", "unknown group [\"Run\"]");
  check_rejected ("[run]\nShutdownTimeout=0\n", "from 1 to 3600");
  check_rejected ("[run]\nShutdownTimeout=3601\n", "from 1 to 3600");
  check_rejected ("not a key file", "user.conf: ");
}

/* fuzz-user-config: a value GKeyFile cannot read (invalid UTF-8, a bad
 * escape) was taken as "not set", so microvm-user silently used its
 * default virtiofsd or timeout instead of saying the file is wrong. */
static void
test_unreadable_values (void)
{
  check_rejected ("[run]\nVirtiofsd=/opt/\xff/virtiofsd\n", "[run] Virtiofsd=: ");
  check_rejected ("[run]\nVirtiofsd=/opt/\\q\n", "[run] Virtiofsd=: ");
  check_rejected ("[run]\nShutdownTimeout=\xff\n", "[run] ShutdownTimeout=: ");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/user-config/values", test_values);
  g_test_add_func ("/user-config/rejected", test_rejected);
  g_test_add_func ("/user-config/unreadable-values", test_unreadable_values);
  return g_test_run ();
}
