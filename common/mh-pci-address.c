#include "mh-pci-address.h"

#include <string.h>

#include "mh-error.h"

/* Reads exactly @n hex digits; returns FALSE if any is missing. */
static gboolean
read_hex (const char **p, guint n, guint *value)
{
  guint v = 0;

  for (guint i = 0; i < n; i++)
    {
      int digit = g_ascii_xdigit_value ((*p)[i]);

      if (digit < 0)
        return FALSE;
      v = v * 16 + (guint) digit;
    }
  *p += n;
  *value = v;
  return TRUE;
}

static gboolean
parse (const char *text, guint *domain, guint *bus, guint *device, guint *function)
{
  const char *p = text;
  gsize len = strlen (text);

  *domain = 0;
  if (len == strlen ("0000:00:00.0"))
    {
      if (!read_hex (&p, 4, domain) || *p++ != ':')
        return FALSE;
    }
  else if (len != strlen ("00:00.0"))
    return FALSE;

  return read_hex (&p, 2, bus) && *p++ == ':' && read_hex (&p, 2, device) && *device <= 0x1f &&
         *p++ == '.' && read_hex (&p, 1, function) && *function <= 7 && *p == '\0';
}

char *
mh_pci_address_canonicalize (const char *text, GError **error)
{
  guint domain, bus, device, function;

  if (text == NULL || !parse (text, &domain, &bus, &device, &function))
    {
      g_autofree char *quoted = mh_quote_untrusted (text, 32);
      g_set_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT,
                   "invalid PCI address %s: write it as DDDD:BB:DD.F (or BB:DD.F for domain "
                   "0000) in hex, device at most 1f and function at most 7, e.g. 0000:01:00.0",
                   quoted);
      return NULL;
    }
  return g_strdup_printf ("%04x:%02x:%02x.%x", domain, bus, device, function);
}

gboolean
mh_pci_address_is_canonical (const char *text)
{
  g_autofree char *canonical = mh_pci_address_canonicalize (text, NULL);

  return canonical != NULL && strcmp (canonical, text) == 0;
}

gboolean
mh_pci_id_parse (const char *text, guint16 *vendor, guint16 *device, GError **error)
{
  const char *p = text;
  guint v, d;

  if (text == NULL || strlen (text) != 9 || !read_hex (&p, 4, &v) || *p++ != ':' ||
      !read_hex (&p, 4, &d) || *p != '\0')
    {
      g_autofree char *quoted = mh_quote_untrusted (text, 32);
      g_set_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT,
                   "invalid PCI id %s: write it as vendor:device with four hex digits each, "
                   "e.g. 8086:10d3",
                   quoted);
      return FALSE;
    }
  *vendor = (guint16) v;
  *device = (guint16) d;
  return TRUE;
}
