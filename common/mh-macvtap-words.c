/* The words of a macvtap line, checked alike by the frontend (reading
 * share/microvm/macvtap-interfaces) and the helper (its options). */
#include "mh-macvtap-words.h"

#include <stdio.h>
#include <string.h>

static const char *const macvtap_modes[] = {
  "bridge", "vepa", "private", "passthru", "source", NULL
};

gboolean
mh_macvtap_mode_is_valid (const char *mode)
{
  return g_strv_contains (macvtap_modes, mode);
}

gboolean
mh_mac_parse (const char *text, char **canonical)
{
  guint octets[6];
  char end;

  if (strlen (text) != 17 || sscanf (text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &octets[0], &octets[1],
                                     &octets[2], &octets[3], &octets[4], &octets[5], &end) != 6)
    return FALSE;
  for (gsize i = 0; i < 17; i++)
    if ((i % 3 == 2) != (text[i] == ':') || (i % 3 != 2 && !g_ascii_isxdigit (text[i])))
      return FALSE;
  /* Multicast (the group bit) or all zeros cannot be an interface's own. */
  if ((octets[0] & 1) != 0 ||
      (octets[0] | octets[1] | octets[2] | octets[3] | octets[4] | octets[5]) == 0)
    return FALSE;
  if (canonical != NULL)
    *canonical = g_strdup_printf ("%02x:%02x:%02x:%02x:%02x:%02x", octets[0], octets[1], octets[2],
                                  octets[3], octets[4], octets[5]);
  return TRUE;
}
