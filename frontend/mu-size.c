#include "mu-size.h"

#include <string.h>

gboolean
mu_parse_size (const char *text, guint64 *bytes)
{
  static const struct {
    const char *suffix;
    guint shift;
  } units[] = {
    { "", 0 },     { "b", 0 },   { "k", 10 },   { "kb", 10 },  { "kib", 10 },
    { "m", 20 },   { "mb", 20 }, { "mib", 20 }, { "g", 30 },   { "gb", 30 },
    { "gib", 30 }, { "t", 40 },  { "tb", 40 },  { "tib", 40 },
  };
  g_autofree char *stripped = NULL;
  g_autofree char *lower = NULL;
  guint64 number = 0;
  const char *p;

  if (text == NULL)
    return FALSE;
  stripped = g_strstrip (g_strdup (text));
  lower = g_ascii_strdown (stripped, -1);
  if (strcmp (lower, "unlimited") == 0 || strcmp (lower, "infinity") == 0)
    {
      *bytes = G_MAXUINT64;
      return TRUE;
    }
  for (p = lower; g_ascii_isdigit (*p); p++)
    {
      if (number > (G_MAXUINT64 - 9) / 10)
        return FALSE;
      number = number * 10 + (guint64) (*p - '0');
    }
  if (p == lower || number == 0)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (units); i++)
    if (strcmp (p, units[i].suffix) == 0)
      {
        if (units[i].shift > 0 && number > (G_MAXUINT64 >> units[i].shift))
          return FALSE;
        *bytes = number << units[i].shift;
        return TRUE;
      }
  return FALSE;
}
