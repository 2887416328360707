#include <gio/gio.h>
#include <string.h>

#include "mh-error.h"
#include "mh-ifname.h"

static void
test_valid (void)
{
  const char *names[] = { "vm-web", "a",   "tap0", "vm_web.1", "abcdefghijklmno",
                          "x-1:",   "[a]", "0x1",  "1a",       "~!@#$^&*()_+=-" };

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (GError) error = NULL;
      /* ':' is in the list above on purpose to be caught below. */
      if (strchr (names[i], ':') != NULL)
        continue;
      g_assert_true (mh_ifname_validate (names[i], &error));
      g_assert_no_error (error);
    }
}

static void
check_invalid (const char *name, const char *why)
{
  g_autoptr (GError) error = NULL;

  g_assert_false (mh_ifname_validate (name, &error));
  g_assert_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, why));
  /* Messages stay short whatever the input. */
  g_assert_cmpuint (strlen (error->message), <, 200);
}

static void
test_invalid (void)
{
  g_autofree char *huge = g_strnfill (10000, 'x');

  check_invalid (NULL, "empty");
  check_invalid ("", "empty");
  check_invalid ("abcdefghijklmnop", "16 bytes long");
  /* CVE-2019-13164: a 16-byte name must not be cut to a valid 15-byte one. */
  check_invalid ("vm-allowed12345X", "never truncated");
  check_invalid (huge, "10000 bytes long");
  check_invalid ("a/b", "'/'");
  check_invalid ("a:b", "':'");
  check_invalid ("tap%d", "'%'");
  check_invalid ("a b", "printable ASCII");
  check_invalid ("a\tb", "printable ASCII");
  check_invalid ("caf\xc3\xa9", "printable ASCII");
  check_invalid ("a\x7f", "printable ASCII");
  check_invalid (".", "\".\"");
  check_invalid ("..", "\"..\"");
  check_invalid ("all", "reserved");
  check_invalid ("default", "reserved");
  check_invalid ("1234", "digits only");
  check_invalid ("0", "digits only");
}

static void
test_quote_untrusted (void)
{
  g_autofree char *plain = mh_quote_untrusted ("vm-web", 32);
  g_autofree char *escaped = mh_quote_untrusted ("a\"b\\c\n\xff", 32);
  g_autofree char *cut = mh_quote_untrusted ("abcdefghij", 4);

  g_assert_cmpstr (plain, ==, "\"vm-web\"");
  g_assert_cmpstr (escaped, ==, "\"a\\\"b\\\\c\\x0a\\xff\"");
  g_assert_cmpstr (cut, ==, "\"abcd\"… (10 bytes)");
}

static void
test_error_names (void)
{
  g_autoptr (GError) error = g_error_new (MH_ERROR, MH_ERROR_BUSY, "x");
  g_autofree char *name = g_dbus_error_encode_gerror (error);

  g_assert_cmpstr (name, ==, "org.microvm.Helper1.Error.Busy");
  g_assert_cmpstr (mh_error_dbus_name (MH_ERROR_LIMIT_EXCEEDED), ==,
                   "org.microvm.Helper1.Error.LimitExceeded");
}

static void
test_errno_normalize (void)
{
  g_autoptr (GError) busy = NULL;
  g_autoptr (GError) other = NULL;

  mh_set_errno_error (&busy, 16 /* EBUSY */, "TUNSETIFF %s", "vm-a");
  g_assert_cmpstr (busy->message, ==, "TUNSETIFF vm-a: Device or resource busy");
  mh_error_normalize (&busy);
  g_assert_error (busy, MH_ERROR, MH_ERROR_BUSY);

  other = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "boom");
  mh_error_normalize (&other);
  g_assert_error (other, MH_ERROR, MH_ERROR_FAILED);
  g_assert_cmpstr (other->message, ==, "boom");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ifname/valid", test_valid);
  g_test_add_func ("/ifname/invalid", test_invalid);
  g_test_add_func ("/error/quote-untrusted", test_quote_untrusted);
  g_test_add_func ("/error/dbus-names", test_error_names);
  g_test_add_func ("/error/errno-normalize", test_errno_normalize);
  return g_test_run ();
}
