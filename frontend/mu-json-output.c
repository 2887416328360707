#include "mu-json-output.h"

#include <stdio.h>
#include <string.h>

char *
mu_json_escape_path (const char *bytes, gboolean *escaped)
{
  g_autoptr (GString) out = NULL;
  const char *p = bytes;
  const char *end = bytes + strlen (bytes);

  if (g_utf8_validate (bytes, -1, NULL))
    {
      *escaped = FALSE;
      return g_strdup (bytes);
    }
  *escaped = TRUE;
  out = g_string_sized_new (end - bytes + 16);
  while (p < end)
    {
      const char *valid_end = NULL;

      /* The longest valid run, then one byte that is not. */
      g_utf8_validate (p, end - p, &valid_end);
      for (const char *q = p; q < valid_end; q++)
        {
          if (*q == '\\')
            g_string_append (out, "\\\\");
          else
            g_string_append_c (out, *q);
        }
      p = valid_end;
      if (p < end)
        {
          g_string_append_printf (out, "\\x%02x", (guint) (guchar) *p);
          p++;
        }
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

void
mu_json_add_path (JsonBuilder *builder, const char *key, const char *path)
{
  g_autofree char *text = NULL;
  gboolean escaped = FALSE;

  json_builder_set_member_name (builder, key);
  if (path == NULL)
    {
      json_builder_add_null_value (builder);
      return;
    }
  text = mu_json_escape_path (path, &escaped);
  json_builder_add_string_value (builder, text);
  if (escaped)
    {
      g_autofree char *flag = g_strconcat (key, "_escaped", NULL);
      json_builder_set_member_name (builder, flag);
      json_builder_add_boolean_value (builder, TRUE);
    }
}

static void
add_string_value (JsonBuilder *builder, const char *value)
{
  g_autofree char *text = NULL;
  gboolean escaped;

  if (value == NULL)
    {
      json_builder_add_null_value (builder);
      return;
    }
  text = mu_json_escape_path (value, &escaped);
  json_builder_add_string_value (builder, text);
}

void
mu_json_add_string (JsonBuilder *builder, const char *key, const char *value)
{
  json_builder_set_member_name (builder, key);
  add_string_value (builder, value);
}

void
mu_json_add_int (JsonBuilder *builder, const char *key, gint64 value)
{
  json_builder_set_member_name (builder, key);
  json_builder_add_int_value (builder, value);
}

void
mu_json_add_bool (JsonBuilder *builder, const char *key, gboolean value)
{
  json_builder_set_member_name (builder, key);
  json_builder_add_boolean_value (builder, value);
}

void
mu_json_add_strings (JsonBuilder *builder, const char *key, GPtrArray *strings)
{
  json_builder_set_member_name (builder, key);
  json_builder_begin_array (builder);
  for (guint i = 0; strings != NULL && i < strings->len; i++)
    add_string_value (builder, strings->pdata[i]);
  json_builder_end_array (builder);
}

char *
mu_json_to_text (JsonBuilder *builder)
{
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (builder);

  /* Compact, as the writer before it: one line a script can take as is
   * (pipe it through `python3 -m json.tool` or `jq` to read it). */
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

void
mu_json_print (JsonBuilder *builder)
{
  g_autofree char *text = mu_json_to_text (builder);

  printf ("%s\n", text);
}
