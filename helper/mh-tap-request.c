#include "mh-tap-request.h"

#include <stdio.h>
#include <string.h>

#include "mh-error.h"
#include "mh-ifname.h"
#include "mh-macvtap-words.h"

typedef enum {
  OPTION_MULTI_QUEUE,
  OPTION_VNET_HDR,
  OPTION_RELEASE_ON_DISCONNECT,
  OPTION_TYPE,
  OPTION_BRIDGE,
  OPTION_MTU,
  OPTION_LINK,
  OPTION_MODE,
  OPTION_MAC,
} OptionId;

static const struct {
  const char *key;
  OptionId id;
  const char *type; /* its D-Bus type */
  const char *type_name;
} tap_options[] = {
  { "multi_queue", OPTION_MULTI_QUEUE, "b", "a boolean" },
  { "vnet_hdr", OPTION_VNET_HDR, "b", "a boolean" },
  { "release_on_disconnect", OPTION_RELEASE_ON_DISCONNECT, "b", "a boolean" },
  { "type", OPTION_TYPE, "s", "a string" },
  { "bridge", OPTION_BRIDGE, "s", "a string" },
  { "mtu", OPTION_MTU, "u", "an unsigned 32-bit number" },
  { "link", OPTION_LINK, "s", "a string" },
  { "mode", OPTION_MODE, "s", "a string" },
  { "mac", OPTION_MAC, "s", "a string" },
};

/* Which options apply to which type: any other is InvalidArgument. */
static const char *const tap_only[] = { "multi_queue", "vnet_hdr", "bridge", NULL };
static const char *const macvtap_only[] = { "link", "mode", "mac", NULL };

const char *
mh_tap_type_to_string (MhTapType type)
{
  return type == MH_TAP_TYPE_MACVTAP ? "macvtap" : "tap";
}

void
mh_tap_request_free (MhTapRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->name);
  g_free (request->link);
  g_free (request->mode);
  g_free (request->mac);
  g_free (request->bridge);
  g_free (request);
}

static gboolean
apply_option (MhTapRequest *request, const char *key, GVariant *value, GError **error)
{
  g_autofree char *quoted_key = NULL;
  gssize found = -1;

  for (gsize i = 0; i < G_N_ELEMENTS (tap_options); i++)
    if (strcmp (tap_options[i].key, key) == 0)
      found = (gssize) i;

  quoted_key = mh_quote_untrusted (key, 40);
  if (found < 0)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT,
                   "unknown option %s; known options: type, multi_queue, vnet_hdr, "
                   "release_on_disconnect, bridge, mtu, link, mode, mac",
                   quoted_key);
      return FALSE;
    }
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE (tap_options[found].type)))
    {
      g_set_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT,
                   "option %s must be %s (D-Bus type '%s'), not '%s'", key,
                   tap_options[found].type_name, tap_options[found].type,
                   g_variant_get_type_string (value));
      return FALSE;
    }

  switch (tap_options[found].id)
    {
    case OPTION_MULTI_QUEUE:
      request->multi_queue = g_variant_get_boolean (value);
      break;
    case OPTION_VNET_HDR:
      request->vnet_hdr = g_variant_get_boolean (value);
      break;
    case OPTION_RELEASE_ON_DISCONNECT:
      request->release_on_disconnect = g_variant_get_boolean (value);
      break;
    case OPTION_TYPE:
      {
        const char *type = g_variant_get_string (value, NULL);

        if (strcmp (type, "tap") == 0)
          request->type = MH_TAP_TYPE_TAP;
        else if (strcmp (type, "macvtap") == 0)
          request->type = MH_TAP_TYPE_MACVTAP;
        else
          {
            g_autofree char *quoted = mh_quote_untrusted (type, 40);
            g_set_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT,
                         "type %s is not supported by this version of microvm-helperd; it "
                         "makes \"tap\" and \"macvtap\"",
                         quoted);
            return FALSE;
          }
        break;
      }
    case OPTION_LINK:
      {
        g_autoptr (GError) local_error = NULL;
        const char *link = g_variant_get_string (value, NULL);

        if (!mh_ifname_validate (link, &local_error))
          {
            g_set_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT, "option link: %s",
                         local_error->message);
            return FALSE;
          }
        request->link = g_strdup (link);
        break;
      }
    case OPTION_MODE:
      {
        const char *mode = g_variant_get_string (value, NULL);

        if (!mh_macvtap_mode_is_valid (mode))
          {
            g_autofree char *quoted = mh_quote_untrusted (mode, 40);
            g_set_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT,
                         "option mode: %s is not a macvtap mode (bridge, vepa, private, "
                         "passthru, source)",
                         quoted);
            return FALSE;
          }
        g_free (request->mode);
        request->mode = g_strdup (mode);
        break;
      }
    case OPTION_MAC:
      {
        const char *mac = g_variant_get_string (value, NULL);

        if (!mh_mac_parse (mac, &request->mac))
          {
            g_autofree char *quoted = mh_quote_untrusted (mac, 40);
            g_set_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT,
                         "option mac: %s is not a unicast Ethernet address such as "
                         "02:00:00:00:00:01",
                         quoted);
            return FALSE;
          }
        break;
      }
    case OPTION_BRIDGE:
      {
        g_autoptr (GError) local_error = NULL;
        const char *bridge = g_variant_get_string (value, NULL);

        if (!mh_ifname_validate (bridge, &local_error))
          {
            g_set_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT, "option bridge: %s",
                         local_error->message);
            return FALSE;
          }
        request->bridge = g_strdup (bridge);
        break;
      }
    case OPTION_MTU:
      request->mtu = g_variant_get_uint32 (value);
      if (request->mtu < MH_TAP_MTU_MIN || request->mtu > MH_TAP_MTU_MAX)
        {
          g_set_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT,
                       "option mtu: %u is outside %u..%u", request->mtu, MH_TAP_MTU_MIN,
                       MH_TAP_MTU_MAX);
          return FALSE;
        }
      break;
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

MhTapRequest *
mh_tap_request_parse (const char *name, GVariant *options, GError **error)
{
  g_autoptr (MhTapRequest) request = g_new0 (MhTapRequest, 1);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_return_val_if_fail (g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT), NULL);

  if (!mh_ifname_validate (name, error))
    return NULL;

  request->name = g_strdup (name);
  request->vnet_hdr = TRUE;

  g_variant_iter_init (&iter, options);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      /* A D-Bus dict may carry a key twice; which one "wins" would be up to
       * the parser, so refuse instead of guessing. */
      if (!g_hash_table_add (seen, (gpointer) key))
        {
          g_autofree char *quoted = mh_quote_untrusted (key, 40);
          g_set_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT, "option %s is given twice",
                       quoted);
          g_variant_unref (value);
          return NULL;
        }
      if (!apply_option (request, key, value, error))
        {
          g_variant_unref (value);
          return NULL;
        }
    }

  /* Checked once every option is read: they depend on the type. */
  {
    const char *const *wrong = request->type == MH_TAP_TYPE_MACVTAP ? tap_only : macvtap_only;

    for (gsize i = 0; wrong[i] != NULL; i++)
      if (g_hash_table_contains (seen, wrong[i]))
        {
          g_set_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT,
                       "option %s does not apply to type \"%s\"", wrong[i],
                       mh_tap_type_to_string (request->type));
          return NULL;
        }
  }
  if (request->type == MH_TAP_TYPE_MACVTAP)
    {
      if (request->link == NULL)
        {
          g_set_error_literal (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT,
                               "type \"macvtap\" needs the option link, its parent interface");
          return NULL;
        }
      if (request->mode == NULL)
        request->mode = g_strdup ("bridge");
      if (strcmp (request->link, request->name) == 0)
        {
          g_set_error_literal (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT,
                               "a macvtap cannot be its own parent link");
          return NULL;
        }
    }
  else if (request->mtu > MH_TAP_MTU_MAX_TAP)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT,
                   "option mtu: %u is more than a tap's largest MTU, %u", request->mtu,
                   MH_TAP_MTU_MAX_TAP);
      return NULL;
    }
  return g_steal_pointer (&request);
}

GPtrArray *
mh_tap_request_parse_batch (GVariant *taps, GError **error)
{
  g_autoptr (GPtrArray) requests = NULL;
  g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  gsize n;

  g_return_val_if_fail (g_variant_is_of_type (taps, G_VARIANT_TYPE ("a(sa{sv})")), NULL);

  n = g_variant_n_children (taps);
  if (n == 0)
    {
      g_set_error_literal (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT,
                           "the list of taps is empty; give at least one (name, options) entry");
      return NULL;
    }

  requests = g_ptr_array_new_full (n, (GDestroyNotify) mh_tap_request_free);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr (GVariant) options = NULL;
      g_autoptr (GError) local_error = NULL;
      const char *name;
      MhTapRequest *request;

      g_variant_get_child (taps, i, "(&s@a{sv})", &name, &options);
      request = mh_tap_request_parse (name, options, &local_error);
      if (request == NULL)
        {
          g_autofree char *quoted = mh_quote_untrusted (name, 32);
          g_set_error (error, local_error->domain, local_error->code, "taps[%zu] %s: %s", i, quoted,
                       local_error->message);
          return NULL;
        }
      g_ptr_array_add (requests, request);
      if (!g_hash_table_add (names, request->name))
        {
          g_set_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT,
                       "taps[%zu] \"%s\": the name is listed more than once", i, request->name);
          return NULL;
        }
    }
  return g_steal_pointer (&requests);
}

char *
mh_tap_request_join_names (GPtrArray *requests, const char *separator)
{
  g_autoptr (GString) out = g_string_new (NULL);

  for (guint i = 0; i < requests->len; i++)
    {
      const MhTapRequest *request = requests->pdata[i];
      if (i > 0)
        g_string_append (out, separator);
      g_string_append (out, request->name);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
mh_tap_request_join_bridges (GPtrArray *requests, const char *separator)
{
  g_autoptr (GPtrArray) seen = g_ptr_array_new ();

  for (guint i = 0; i < requests->len; i++)
    {
      const MhTapRequest *request = requests->pdata[i];

      if (request->bridge != NULL &&
          !g_ptr_array_find_with_equal_func (seen, request->bridge, g_str_equal, NULL))
        g_ptr_array_add (seen, request->bridge);
    }
  if (seen->len == 0)
    return NULL;
  g_ptr_array_add (seen, NULL);
  return g_strjoinv (separator, (char **) seen->pdata);
}

char *
mh_tap_request_join_links (GPtrArray *requests, const char *separator)
{
  g_autoptr (GPtrArray) seen = g_ptr_array_new ();

  for (guint i = 0; i < requests->len; i++)
    {
      const MhTapRequest *request = requests->pdata[i];

      if (request->link != NULL &&
          !g_ptr_array_find_with_equal_func (seen, request->link, g_str_equal, NULL))
        g_ptr_array_add (seen, request->link);
    }
  if (seen->len == 0)
    return NULL;
  g_ptr_array_add (seen, NULL);
  return g_strjoinv (separator, (char **) seen->pdata);
}
