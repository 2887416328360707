#include "mh-ifname.h"

#include <string.h>

#include "mh-error.h"

static gboolean
invalid (GError **error, const char *name, const char *why)
{
  g_autofree char *quoted = mh_quote_untrusted (name, 32);

  g_set_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT, "invalid interface name %s: %s", quoted,
               why);
  return FALSE;
}

gboolean
mh_ifname_validate (const char *name, GError **error)
{
  gsize len;
  gboolean all_digits = TRUE;

  if (name == NULL || name[0] == '\0')
    return invalid (error, "", "it is empty");

  len = strlen (name);
  if (len > MH_IFNAME_MAX_LEN)
    {
      g_autofree char *why = g_strdup_printf (
        "it is %zu bytes long, Linux allows at most %d (names are never truncated)", len,
        MH_IFNAME_MAX_LEN);
      return invalid (error, name, why);
    }

  for (const char *p = name; *p != '\0'; p++)
    {
      unsigned char c = (unsigned char) *p;

      if (c < 33 || c > 126)
        return invalid (error, name,
                        "only printable ASCII without spaces is allowed (characters 33 to 126)");
      if (c == '/' || c == ':' || c == '%')
        {
          g_autofree char *why = g_strdup_printf ("the character '%c' is not allowed", c);
          return invalid (error, name, why);
        }
      if (!g_ascii_isdigit (c))
        all_digits = FALSE;
    }

  if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return invalid (error, name, "\".\" and \"..\" are not interface names");
  if (strcmp (name, "all") == 0 || strcmp (name, "default") == 0)
    return invalid (error, name, "the name is reserved by the kernel's sysctl tree");
  if (all_digits)
    return invalid (error, name, "a name of digits only would read as an interface index");

  return TRUE;
}
