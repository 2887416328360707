/* The authorization table against the interface and the polkit policy:
 * every method of the introspection XML has an entry, every action the
 * table names is declared in the .policy file with the defaults of the
 * design, and the read-only (unchecked) methods are exactly the expected
 * ones. */
#include <string.h>

#include "mh-authorizer.h"
#include "mh-dispatch.h"
#include "mh-helper1-generated.h"

/* Methods allowed without polkit, on purpose.  Adding one here is a
 * security decision. */
static const char *const read_only_methods[] = { "ListTaps", "ListPciDevices", NULL };

static void
test_every_method_has_an_entry (void)
{
  GDBusInterfaceInfo *info = mh_helper1_interface_info ();
  gsize n_table;
  const MhMethod *table = mh_methods_get_table (&n_table);
  guint n_xml = 0;

  for (guint i = 0; info->methods[i] != NULL; i++, n_xml++)
    {
      const MhMethod *method = mh_methods_lookup (info->methods[i]->name);

      if (method == NULL)
        g_error ("method %s of the XML has no entry in the authorization table",
                 info->methods[i]->name);
      g_assert_nonnull (method->prepare);
      g_assert_nonnull (method->run);
      if (method->action_id == NULL)
        g_assert_true (g_strv_contains (read_only_methods, method->name));
      else
        g_assert_false (g_strv_contains (read_only_methods, method->name));
    }
  for (gsize i = 0; i < n_table; i++)
    g_assert_nonnull (g_dbus_interface_info_lookup_method (info, table[i].name));
  g_assert_cmpuint (n_table, ==, n_xml);
  g_assert_null (mh_methods_lookup ("Reboot"));
}

typedef struct {
  GHashTable *defaults; /* "action/allow_any" -> value */
  char *current_action;
  char *current_element;
  gboolean has_vendor;
  gboolean has_message;
  gboolean has_icon;
} PolicyParse;

static void
policy_start (GMarkupParseContext *context, const char *element, const char **names,
              const char **values, gpointer user_data, GError **error)
{
  PolicyParse *p = user_data;

  g_free (p->current_element);
  p->current_element = g_strdup (element);
  if (strcmp (element, "action") == 0)
    {
      g_free (p->current_action);
      p->current_action = NULL;
      for (guint i = 0; names[i] != NULL; i++)
        if (strcmp (names[i], "id") == 0)
          p->current_action = g_strdup (values[i]);
      g_assert_nonnull (p->current_action);
      g_hash_table_insert (p->defaults, g_strdup (p->current_action), g_strdup ("declared"));
    }
  if (strcmp (element, "vendor") == 0)
    p->has_vendor = TRUE;
  if (strcmp (element, "icon_name") == 0)
    p->has_icon = TRUE;
}

static void
policy_text (GMarkupParseContext *context, const char *text, gsize len, gpointer user_data,
             GError **error)
{
  PolicyParse *p = user_data;
  g_autofree char *value = g_strstrip (g_strndup (text, len));

  if (p->current_action == NULL || p->current_element == NULL || value[0] == '\0')
    return;
  if (g_str_has_prefix (p->current_element, "allow_"))
    g_hash_table_insert (p->defaults,
                         g_strdup_printf ("%s/%s", p->current_action, p->current_element),
                         g_strdup (value));
  if (strcmp (p->current_element, "message") == 0 && strstr (value, "$(") != NULL)
    p->has_message = TRUE;
}

static void
policy_end (GMarkupParseContext *context, const char *element, gpointer user_data, GError **error)
{
  PolicyParse *p = user_data;
  g_clear_pointer (&p->current_element, g_free);
}

static void
test_policy_file (void)
{
  g_autofree char *path =
    g_build_filename (g_getenv ("MH_BUILD_ROOT"), "policy", "org.microvm.helper.policy", NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  GMarkupParser parser = { policy_start, policy_end, policy_text, NULL, NULL };
  PolicyParse p = { 0 };
  g_autoptr (GMarkupParseContext) context = NULL;
  gsize n_table;
  const MhMethod *table = mh_methods_get_table (&n_table);
  const struct {
    const char *action;
    const char *any, *inactive, *active;
  } expected[] = {
    { MH_ACTION_MANAGE_TAPS, "auth_admin_keep", "auth_admin_keep", "yes" },
    { MH_ACTION_BIND_PCI, "auth_admin_keep", "auth_admin_keep", "auth_admin_keep" },
    { MH_ACTION_MANAGE_ALL, "auth_admin", "auth_admin", "auth_admin" },
  };

  g_assert_nonnull (g_getenv ("MH_SOURCE_ROOT"));
  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  p.defaults = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  context = g_markup_parse_context_new (&parser, G_MARKUP_IGNORE_QUALIFIED, &p, NULL);
  /* GMarkup rejects malformed XML: a broken policy file fails here. */
  g_assert_true (g_markup_parse_context_parse (context, text, -1, &error) &&
                 g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);
  g_assert_true (p.has_vendor);
  g_assert_true (p.has_icon);
  g_assert_true (p.has_message);

  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *any = g_strdup_printf ("%s/allow_any", expected[i].action);
      g_autofree char *inactive = g_strdup_printf ("%s/allow_inactive", expected[i].action);
      g_autofree char *active = g_strdup_printf ("%s/allow_active", expected[i].action);

      g_assert_true (g_hash_table_contains (p.defaults, expected[i].action));
      g_assert_cmpstr (g_hash_table_lookup (p.defaults, any), ==, expected[i].any);
      g_assert_cmpstr (g_hash_table_lookup (p.defaults, inactive), ==, expected[i].inactive);
      g_assert_cmpstr (g_hash_table_lookup (p.defaults, active), ==, expected[i].active);
    }
  for (gsize i = 0; i < n_table; i++)
    if (table[i].action_id != NULL)
      g_assert_true (g_hash_table_contains (p.defaults, table[i].action_id));

  g_hash_table_unref (p.defaults);
  g_free (p.current_action);
  g_free (p.current_element);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/methods/every-method-has-an-entry", test_every_method_has_an_entry);
  g_test_add_func ("/methods/policy-file", test_policy_file);
  return g_test_run ();
}
