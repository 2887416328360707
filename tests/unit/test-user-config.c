/* Unit tests of microvm-user's own configuration file parser. */
#include <string.h>

#include "mu-error.h"
#include "mu-size.h"
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
  check_rejected ("[Run]\n", "unknown group [\"Run\"]; only [run] and [vm NAME]");
  check_rejected ("[run]\nShutdownTimeout=0\n", "from 1 to 3600");
  check_rejected ("[run]\nShutdownTimeout=3601\n", "from 1 to 3600");
  check_rejected ("not a key file", "user.conf: ");
}

/* A bridge for all VMs, another for one VM; the VM's wins, and each
 * says where it came from. */
static void
test_bridges (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MuUserConfig) config =
    parse ("[run]\nBridge=br0\n\n[vm web]\nBridge= br-web \n", &error);
  g_autoptr (MuUserConfig) none = parse ("[vm web]\n", NULL);
  g_autofree char *origin_web = NULL;
  g_autofree char *origin_db = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (mu_user_config_bridge_for (config, "web", &origin_web), ==, "br-web");
  g_assert_cmpstr (origin_web, ==, "[vm web] Bridge= in user.conf");
  g_assert_cmpstr (mu_user_config_bridge_for (config, "db", &origin_db), ==, "br0");
  g_assert_cmpstr (origin_db, ==, "[run] Bridge= in user.conf");
  g_assert_null (mu_user_config_bridge_for (none, "web", NULL));

  check_rejected ("[run]\nBridge=br/0\n", "[run] Bridge=: ");
  check_rejected ("[vm web]\nBridge=\n", "[vm web] Bridge=: ");
  check_rejected ("[vm web]\nMemLock=6G\n",
                  "unknown key \"MemLock\" in [vm web]; known keys: Bridge");
  check_rejected ("[vm .x]\nBridge=br0\n", "only [run] and [vm NAME]");
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
  check_rejected ("[run]\nMemLock=\xff\n", "[run] MemLock=: ");
}

static void
test_memlock (void)
{
  g_autoptr (GError) error = NULL;
  const char *text = "[run]\nMemLock = 6G\n";
  g_autoptr (MuUserConfig) config = mu_user_config_parse (text, strlen (text), "user.conf", &error);

  g_assert_no_error (error);
  g_assert_cmpuint (config->memlock, ==, G_GUINT64_CONSTANT (6) << 30);
  check_rejected ("[run]\nMemLock=6 apples\n", "MemLock= must be a size such as 6G");
  check_rejected ("[run]\nMemLock=0\n", "MemLock= must be a size such as 6G");
}

/* The sizes --memlock and MemLock= take (run under ASan in CI: the parser
 * once leaked a copy of every size it read, found by fuzz-user-config). */
static void
test_sizes (void)
{
  const struct {
    const char *text;
    guint64 bytes;
  } good[] = {
    { "1048576", 1048576 },
    { "4K", 4096 },
    { "512M", 512u << 20 },
    { " 6G ", G_GUINT64_CONSTANT (6) << 30 },
    { "2GiB", G_GUINT64_CONSTANT (2) << 30 },
    { "1t", G_GUINT64_CONSTANT (1) << 40 },
    { "unlimited", G_MAXUINT64 },
    { "Infinity", G_MAXUINT64 },
  };
  const char *bad[] = { "", "0", "G", "6X", "-1", "6 G", "99999999999999999999", "17179869184T" };
  guint64 bytes;

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_assert_true (mu_parse_size (good[i].text, &bytes));
      g_assert_cmpuint (bytes, ==, good[i].bytes);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    if (mu_parse_size (bad[i], &bytes))
      g_error ("\"%s\" was taken as %" G_GUINT64_FORMAT " bytes", bad[i], bytes);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/user-config/bridges", test_bridges);
  g_test_add_func ("/user-config/values", test_values);
  g_test_add_func ("/user-config/rejected", test_rejected);
  g_test_add_func ("/user-config/unreadable-values", test_unreadable_values);
  g_test_add_func ("/user-config/memlock", test_memlock);
  g_test_add_func ("/user-config/sizes", test_sizes);
  return g_test_run ();
}
