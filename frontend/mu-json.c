#include "mu-json.h"

struct _MuJson {
  GString *out;
  gboolean need_comma; /* a value was written at this level */
  gboolean after_key;
};

MuJson *
mu_json_new (void)
{
  MuJson *json = g_new0 (MuJson, 1);

  json->out = g_string_new (NULL);
  return json;
}

void
mu_json_free (MuJson *json)
{
  if (json == NULL)
    return;
  g_string_free (json->out, TRUE);
  g_free (json);
}

char *
mu_json_end (MuJson *json)
{
  char *text;

  g_string_append_c (json->out, '\n');
  text = g_string_free (json->out, FALSE);
  g_free (json);
  return text;
}

static void
before_value (MuJson *json)
{
  if (json->after_key)
    json->after_key = FALSE;
  else if (json->need_comma)
    g_string_append_c (json->out, ',');
  json->need_comma = TRUE;
}

static void
append_escaped (GString *out, const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p != '\0'; p++)
    {
      unsigned char c = (unsigned char) *p;
      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);
        }
    }
  g_string_append_c (out, '"');
}

void
mu_json_begin_object (MuJson *json)
{
  before_value (json);
  g_string_append_c (json->out, '{');
  json->need_comma = FALSE;
}

void
mu_json_end_object (MuJson *json)
{
  g_string_append_c (json->out, '}');
  json->need_comma = TRUE;
}

void
mu_json_begin_array (MuJson *json)
{
  before_value (json);
  g_string_append_c (json->out, '[');
  json->need_comma = FALSE;
}

void
mu_json_end_array (MuJson *json)
{
  g_string_append_c (json->out, ']');
  json->need_comma = TRUE;
}

void
mu_json_key (MuJson *json, const char *key)
{
  if (json->need_comma)
    g_string_append_c (json->out, ',');
  append_escaped (json->out, key);
  g_string_append_c (json->out, ':');
  json->after_key = TRUE;
  json->need_comma = TRUE;
}

void
mu_json_string (MuJson *json, const char *value)
{
  if (value == NULL)
    {
      mu_json_null (json);
      return;
    }
  before_value (json);
  append_escaped (json->out, value);
}

void
mu_json_int (MuJson *json, gint64 value)
{
  before_value (json);
  g_string_append_printf (json->out, "%" G_GINT64_FORMAT, value);
}

void
mu_json_bool (MuJson *json, gboolean value)
{
  before_value (json);
  g_string_append (json->out, value ? "true" : "false");
}

void
mu_json_null (MuJson *json)
{
  before_value (json);
  g_string_append (json->out, "null");
}

void
mu_json_string_array (MuJson *json, GPtrArray *strings)
{
  mu_json_begin_array (json);
  for (guint i = 0; i < strings->len; i++)
    mu_json_string (json, strings->pdata[i]);
  mu_json_end_array (json);
}
