/* Fuzz target for mh_pci_address_canonicalize, which turns what a runner
 * file or a user wrote into the one form sysfs paths are built from.
 * Besides crashes, it checks the canonical form is what the header
 * promises, is a fixed point, and that only the documented spellings are
 * accepted. */
#include <string.h>

#include "fuzz-common.h"
#include "mh-error.h"
#include "mh-pci-address.h"

static gboolean
hex_at (const char *text, gsize from, gsize count)
{
  for (gsize i = from; i < from + count; i++)
    if (!g_ascii_isxdigit (text[i]))
      return FALSE;
  return TRUE;
}

/* "DDDD:BB:DD.F" or "BB:DD.F", device <= 1f, function <= 7. */
static gboolean
documented_spelling (const char *text)
{
  const char *p = text;
  gsize len = strlen (text);

  if (len == 12)
    {
      if (!hex_at (p, 0, 4) || p[4] != ':')
        return FALSE;
      p += 5;
      len -= 5;
    }
  if (len != 7 || !hex_at (p, 0, 2) || p[2] != ':' || !hex_at (p, 3, 2) || p[5] != '.' ||
      !hex_at (p, 6, 1))
    return FALSE;
  return g_ascii_xdigit_value (p[3]) <= 1 && g_ascii_xdigit_value (p[6]) <= 7;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = mh_fuzz_cstring (data, size);
  g_autoptr (GError) error = NULL;
  g_autofree char *canonical = mh_pci_address_canonicalize (text, &error);

  g_assert_cmpint (canonical != NULL, ==, documented_spelling (text));
  if (canonical == NULL)
    {
      mh_fuzz_check_error (error, MH_ERROR);
      return 0;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (canonical), ==, 12);
  g_assert_true (documented_spelling (canonical));
  for (const char *p = canonical; *p != '\0'; p++)
    g_assert_false (g_ascii_isupper (*p));
  g_assert_cmpint (g_ascii_strcasecmp (canonical + 12 - 7, text + strlen (text) - 7), ==, 0);
  {
    g_autofree char *again = mh_pci_address_canonicalize (canonical, NULL);
    g_assert_cmpstr (again, ==, canonical);
  }
  return 0;
}
