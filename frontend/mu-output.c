#include "mu-output.h"

#include <stdio.h>

static gboolean quiet;
static char *vm_name;

void
mu_output_set_quiet (gboolean value)
{
  quiet = value;
}

void
mu_output_set_vm (const char *name)
{
  g_free (vm_name);
  vm_name = g_strdup (name);
}

static void print_line (const char *format, va_list args) G_GNUC_PRINTF (1, 0);

static void
print_line (const char *format, va_list args)
{
  g_autofree char *text = g_strdup_vprintf (format, args);

  if (vm_name != NULL)
    fprintf (stderr, "microvm-user: %s: %s\n", vm_name, text);
  else
    fprintf (stderr, "microvm-user: %s\n", text);
  fflush (stderr);
}

void
mu_progress (const char *format, ...)
{
  va_list args;

  if (quiet)
    return;
  va_start (args, format);
  print_line (format, args);
  va_end (args);
}

void
mu_warning (const char *format, ...)
{
  va_list args;

  va_start (args, format);
  print_line (format, args);
  va_end (args);
}

char *
mu_join_names (GPtrArray *names)
{
  g_autoptr (GString) out = g_string_new (NULL);

  for (guint i = 0; i < names->len; i++)
    {
      /* A runner may list thousands: a progress line names a few. */
      if (i == MU_JOIN_NAMES_MAX && names->len > MU_JOIN_NAMES_MAX + 1)
        {
          g_string_append_printf (out, " and %u more", names->len - i);
          break;
        }
      g_string_append_printf (out, "%s%s", i > 0 ? ", " : "", (const char *) names->pdata[i]);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
