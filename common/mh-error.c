#include "mh-error.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>

static const GDBusErrorEntry mh_error_entries[] = {
  { MH_ERROR_NOT_AUTHORIZED, "org.microvm.Helper1.Error.NotAuthorized" },
  { MH_ERROR_INVALID_ARGUMENT, "org.microvm.Helper1.Error.InvalidArgument" },
  { MH_ERROR_BUSY, "org.microvm.Helper1.Error.Busy" },
  { MH_ERROR_NOT_FOUND, "org.microvm.Helper1.Error.NotFound" },
  { MH_ERROR_LIMIT_EXCEEDED, "org.microvm.Helper1.Error.LimitExceeded" },
  { MH_ERROR_REFUSED, "org.microvm.Helper1.Error.Refused" },
  { MH_ERROR_FAILED, "org.microvm.Helper1.Error.Failed" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (mh_error_entries) == MH_ERROR_N_ERRORS);

GQuark
mh_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("mh-error-quark", &quark, mh_error_entries,
                                      G_N_ELEMENTS (mh_error_entries));
  return (GQuark) quark;
}

GQuark
mh_errno_error_quark (void)
{
  return g_quark_from_static_string ("mh-errno-error-quark");
}

const char *
mh_error_dbus_name (MhError code)
{
  for (gsize i = 0; i < G_N_ELEMENTS (mh_error_entries); i++)
    if (mh_error_entries[i].error_code == (gint) code)
      return mh_error_entries[i].dbus_error_name;
  return "org.microvm.Helper1.Error.Failed";
}

gboolean
mh_set_errno_error (GError **error, int errsv, const char *format, ...)
{
  va_list args;
  g_autofree char *what = NULL;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, MH_ERRNO_ERROR, errsv, "%s: %s", what, g_strerror (errsv));
  return FALSE;
}

static MhError
code_for_errno (int errsv)
{
  switch (errsv)
    {
    case EBUSY:
    case EEXIST:
      return MH_ERROR_BUSY;
    case ENOENT:
    case ENODEV:
    case ENXIO:
      return MH_ERROR_NOT_FOUND;
    case EPERM:
    case EACCES:
      return MH_ERROR_REFUSED;
    case EINVAL:
    case ENAMETOOLONG:
      return MH_ERROR_INVALID_ARGUMENT;
    default:
      return MH_ERROR_FAILED;
    }
}

void
mh_error_normalize (GError **error)
{
  GError *old;

  if (error == NULL || *error == NULL || (*error)->domain == MH_ERROR)
    return;

  old = *error;
  *error = NULL;
  if (old->domain == MH_ERRNO_ERROR)
    g_set_error_literal (error, MH_ERROR, code_for_errno (old->code), old->message);
  else
    g_set_error_literal (error, MH_ERROR, MH_ERROR_FAILED, old->message);
  g_error_free (old);
}

char *
mh_quote_untrusted (const char *text, gsize max_chars)
{
  g_autoptr (GString) out = g_string_new ("\"");
  gsize n = 0;
  const char *p;

  if (text == NULL)
    return g_strdup ("(null)");

  for (p = text; *p != '\0'; p++, n++)
    {
      unsigned char c = (unsigned char) *p;

      if (n == max_chars)
        {
          g_string_append (out, "\"… (");
          g_string_append_printf (out, "%zu bytes)", strlen (text));
          return g_string_free (g_steal_pointer (&out), FALSE);
        }
      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c >= 0x20 && c < 0x7f)
        g_string_append_c (out, (char) c);
      else
        g_string_append_printf (out, "\\x%02x", c);
    }
  g_string_append_c (out, '"');
  return g_string_free (g_steal_pointer (&out), FALSE);
}
