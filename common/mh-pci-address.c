#include "mh-pci-address.h"

#include <string.h>

#include "mh-error.h"

static gboolean
parse_hex (const char *text, gsize digits, guint max, guint *value)
{
  guint parsed = 0;

  for (gsize i = 0; i < digits; i++)
    {
      int d = g_ascii_xdigit_value (text[i]);
      if (d < 0)
        return FALSE;
      parsed = parsed * 16 + (guint) d;
    }
  if (parsed > max)
    return FALSE;
  *value = parsed;
  return TRUE;
}

char *
mh_pci_address_canonicalize (const char *text, GError **error)
{
  guint domain = 0, bus, slot, function;
  const char *p = text;
  gsize len;

  if (text == NULL)
    text = p = "";
  len = strlen (text);

  /* With domain: 4+1+2+1+2+1+1 = 12 characters; without: 7. */
  if (len == 12 && p[4] == ':')
    {
      if (!parse_hex (p, 4, 0xffff, &domain))
        goto invalid;
      p += 5;
      len -= 5;
    }
  if (len != 7 || p[2] != ':' || p[5] != '.')
    goto invalid;
  if (!parse_hex (p, 2, 0xff, &bus) || !parse_hex (p + 3, 2, 0x1f, &slot) ||
      !parse_hex (p + 6, 1, 0x7, &function))
    goto invalid;

  return g_strdup_printf ("%04x:%02x:%02x.%x", domain, bus, slot, function);

invalid:
  {
    g_autofree char *quoted = mh_quote_untrusted (text, 32);
    g_set_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT,
                 "invalid PCI address %s: write it as DDDD:BB:DD.F (for example 0000:01:00.0), "
                 "with a device number up to 1f and a function up to 7",
                 quoted);
    return NULL;
  }
}
