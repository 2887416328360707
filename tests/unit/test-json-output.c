/* Unit tests of microvm-user's --json output: paths that are not UTF-8
 * come out as valid JSON that decodes back to the same bytes. */
#include <string.h>

#include "mu-json-output.h"

/* The inverse of the documented escaping, as a consumer would write it. */
static char *
unescape (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (p[0] == '\\' && p[1] == '\\')
        {
          g_string_append_c (out, '\\');
          p++;
        }
      else if (p[0] == '\\' && p[1] == 'x' && g_ascii_isxdigit (p[2]) && g_ascii_isxdigit (p[3]))
        {
          g_string_append_c (
            out, (char) (g_ascii_xdigit_value (p[2]) * 16 + g_ascii_xdigit_value (p[3])));
          p += 3;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static void
test_escape_path (void)
{
  static const char *const paths[] = {
    "/home/alice/result",   "/home/ålice/ü", "/a\\b", "/home/\xff\xfe/x",
    "/x\\\xc3/\\y\xe2\x82", "\x80",          "",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      gboolean escaped = TRUE;
      g_autofree char *text = mu_json_escape_path (paths[i], &escaped);
      g_autofree char *back = NULL;

      g_assert_true (g_utf8_validate (text, -1, NULL));
      g_assert_cmpint (escaped, ==, !g_utf8_validate (paths[i], -1, NULL));
      if (!escaped)
        g_assert_cmpstr (text, ==, paths[i]);
      else
        {
          back = unescape (text);
          g_assert_cmpstr (back, ==, paths[i]);
        }
    }
  {
    gboolean escaped;
    g_autofree char *text = mu_json_escape_path ("/r\xffun\\x", &escaped);
    g_assert_cmpstr (text, ==, "/r\\xffun\\\\x");
  }
}

static void
test_output_parses (void)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (GPtrArray) strings = g_ptr_array_new ();
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  JsonObject *object;

  g_ptr_array_add (strings, "ok");
  g_ptr_array_add (strings, "bad\xff");
  json_builder_begin_object (builder);
  mu_json_add_path (builder, "fine", "/home/alice/result");
  mu_json_add_path (builder, "odd", "/home/alice/r\xffun");
  mu_json_add_path (builder, "none", NULL);
  mu_json_add_string (builder, "name", "web\x01\"");
  mu_json_add_strings (builder, "list", strings);
  mu_json_add_int (builder, "cid", 42);
  mu_json_add_bool (builder, "yes", TRUE);
  json_builder_end_object (builder);
  text = mu_json_to_text (builder);

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "fine"), ==, "/home/alice/result");
  g_assert_false (json_object_has_member (object, "fine_escaped"));
  g_assert_cmpstr (json_object_get_string_member (object, "odd"), ==, "/home/alice/r\\xffun");
  g_assert_true (json_object_get_boolean_member (object, "odd_escaped"));
  g_assert_true (json_object_get_null_member (object, "none"));
  g_assert_false (json_object_has_member (object, "none_escaped"));
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "web\x01\"");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (object, "list"), 1),
                   ==, "bad\\xff");
  g_assert_cmpint (json_object_get_int_member (object, "cid"), ==, 42);
  g_assert_true (json_object_get_boolean_member (object, "yes"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json-output/escape-path", test_escape_path);
  g_test_add_func ("/json-output/output-parses", test_output_parses);
  return g_test_run ();
}
