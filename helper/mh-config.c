#include "mh-config.h"

#include <errno.h>
#include <string.h>

#include "mh-error.h"
#include "mh-ifname.h"
#include "mh-pci-address.h"
#include "mh-tap-request.h"

/* Every key this version understands, by group.  Anything else is an error
 * rather than a silently ignored typo. */
static const struct {
  const char *group;
  const char *const keys[5];
} known_keys[] = {
  { "Taps", { "MaxPerUser", "MaxTotal", "AllowedNames", "HostIPv6", NULL } },
  { "PCI", { "Allow", "Deny", "MaxMemlock", NULL } },
  { "Network", { "AllowedBridges", "AllowedMacvtapLinks", "AllowedMacvtapModes", NULL } },
};

MhConfig *
mh_config_new_default (void)
{
  MhConfig *config = g_new0 (MhConfig, 1);

  config->path = g_strdup ("(built-in defaults)");
  config->max_taps_per_user = MH_CONFIG_DEFAULT_MAX_TAPS_PER_USER;
  config->max_taps_total = MH_CONFIG_DEFAULT_MAX_TAPS_TOTAL;
  config->max_memlock = MH_CONFIG_DEFAULT_MAX_MEMLOCK;
  config->allowed_tap_specs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_pattern_spec_free);
  config->allowed_bridge_specs =
    g_ptr_array_new_with_free_func ((GDestroyNotify) g_pattern_spec_free);
  config->allowed_macvtap_link_specs =
    g_ptr_array_new_with_free_func ((GDestroyNotify) g_pattern_spec_free);
  return config;
}

void
mh_config_free (MhConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->path);
  g_strfreev (config->allowed_tap_names);
  g_ptr_array_unref (config->allowed_tap_specs);
  g_strfreev (config->pci_allow);
  g_strfreev (config->pci_deny);
  g_strfreev (config->allowed_bridges);
  g_ptr_array_unref (config->allowed_bridge_specs);
  g_strfreev (config->allowed_macvtap_links);
  g_ptr_array_unref (config->allowed_macvtap_link_specs);
  g_strfreev (config->allowed_macvtap_modes);
  g_free (config);
}

static gboolean config_error (GError **error, const char *origin, const char *format, ...)
  G_GNUC_PRINTF (3, 4);

static gboolean
config_error (GError **error, const char *origin, const char *format, ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, MH_ERROR, MH_ERROR_INVALID_ARGUMENT, "%s: %s", origin, what);
  return FALSE;
}

static gboolean
check_known_keys (GKeyFile *file, const char *origin, GError **error)
{
  g_auto (GStrv) groups = g_key_file_get_groups (file, NULL);

  for (gsize g = 0; groups[g] != NULL; g++)
    {
      g_auto (GStrv) keys = NULL;
      const char *const *allowed = NULL;

      for (gsize k = 0; k < G_N_ELEMENTS (known_keys); k++)
        if (strcmp (known_keys[k].group, groups[g]) == 0)
          allowed = known_keys[k].keys;
      if (allowed == NULL)
        {
          g_autofree char *quoted = mh_quote_untrusted (groups[g], 40);
          return config_error (error, origin,
                               "unknown group [%s]; this version knows [Taps], [PCI] and [Network]",
                               quoted);
        }

      keys = g_key_file_get_keys (file, groups[g], NULL, NULL);
      for (gsize k = 0; keys != NULL && keys[k] != NULL; k++)
        if (!g_strv_contains (allowed, keys[k]))
          {
            g_autofree char *quoted = mh_quote_untrusted (keys[k], 40);
            g_autofree char *known = g_strjoinv (", ", (char **) allowed);
            return config_error (error, origin, "unknown key %s in [%s]; known keys: %s", quoted,
                                 groups[g], known);
          }
    }
  return TRUE;
}

static gboolean
read_count (GKeyFile *file, const char *group, const char *key, guint *value, const char *origin,
            GError **error)
{
  g_autofree char *text = g_key_file_get_value (file, group, key, NULL);
  guint64 parsed;
  g_autoptr (GError) local_error = NULL;

  if (text == NULL)
    return TRUE;
  g_strstrip (text);
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32, &parsed, &local_error))
    {
      g_autofree char *quoted = mh_quote_untrusted (text, 40);
      return config_error (error, origin, "[%s] %s=%s is not a whole number from 0 to %u", group,
                           key, quoted, G_MAXUINT32);
    }
  *value = (guint) parsed;
  return TRUE;
}

static gboolean
read_boolean (GKeyFile *file, const char *group, const char *key, gboolean *value,
              const char *origin, GError **error)
{
  g_autofree char *text = g_key_file_get_value (file, group, key, NULL);

  if (text == NULL)
    return TRUE;
  g_strstrip (text);
  if (strcmp (text, "true") == 0)
    *value = TRUE;
  else if (strcmp (text, "false") == 0)
    *value = FALSE;
  else
    {
      g_autofree char *quoted = mh_quote_untrusted (text, 40);
      return config_error (error, origin, "[%s] %s=%s is neither true nor false", group, key,
                           quoted);
    }
  return TRUE;
}

static gboolean
read_bytes (GKeyFile *file, const char *group, const char *key, guint64 *value, const char *origin,
            GError **error)
{
  g_autofree char *text = g_key_file_get_value (file, group, key, NULL);
  guint64 parsed;

  if (text == NULL)
    return TRUE;
  g_strstrip (text);
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &parsed, NULL))
    {
      g_autofree char *quoted = mh_quote_untrusted (text, 40);
      return config_error (error, origin,
                           "[%s] %s=%s is not a number of bytes (a plain whole number, e.g. "
                           "8589934592 for 8 GiB)",
                           group, key, quoted);
    }
  *value = parsed;
  return TRUE;
}

/* Entries of [PCI] Allow/Deny: an address or vendor:device ids, stored in
 * canonical form so matching is a string comparison. */
static gboolean
read_pci_list (GKeyFile *file, const char *key, GStrv *out, const char *origin, GError **error)
{
  g_auto (GStrv) entries = NULL;
  g_autoptr (GStrvBuilder) kept = g_strv_builder_new ();

  if (!g_key_file_has_key (file, "PCI", key, NULL))
    return TRUE;

  entries = g_key_file_get_string_list (file, "PCI", key, NULL, NULL);
  for (gsize i = 0; entries != NULL && entries[i] != NULL; i++)
    {
      char *entry = g_strstrip (entries[i]);
      g_autofree char *address = NULL;
      guint16 vendor, device;

      if (entry[0] == '\0')
        continue;
      address = mh_pci_address_canonicalize (entry, NULL);
      if (address != NULL)
        g_strv_builder_add (kept, address);
      else if (mh_pci_id_parse (entry, &vendor, &device, NULL))
        {
          g_autofree char *ids = g_strdup_printf ("%04x:%04x", vendor, device);
          g_strv_builder_add (kept, ids);
        }
      else
        {
          g_autofree char *quoted = mh_quote_untrusted (entry, 40);
          return config_error (error, origin,
                               "[PCI] %s: %s is neither a PCI address (0000:01:00.0) nor "
                               "vendor:device ids (8086:10d3)",
                               key, quoted);
        }
    }
  /* As with AllowedNames=, a key that lists nothing means nothing, not
   * "anything goes". */
  *out = g_strv_builder_end (kept);
  return TRUE;
}

/* A list of interface names or glob patterns (vm-*, br-lan?), kept as
 * written in *@out and compiled into @specs.  A missing key leaves *@out
 * NULL; the caller says what that means. */
static gboolean
read_name_patterns (GKeyFile *file, const char *group, const char *key, const char *example,
                    GStrv *out, GPtrArray *specs, const char *origin, GError **error)
{
  g_auto (GStrv) patterns = NULL;
  g_autoptr (GStrvBuilder) kept = g_strv_builder_new ();
  g_autoptr (GError) local_error = NULL;

  if (!g_key_file_has_key (file, group, key, NULL))
    return TRUE;

  /* A value GKeyFile cannot read (a bad escape, invalid UTF-8) is an
   * error: ignoring it would silently turn the key into "allow nothing". */
  patterns = g_key_file_get_string_list (file, group, key, NULL, &local_error);
  if (local_error != NULL)
    return config_error (error, origin, "[%s] %s: %s", group, key, local_error->message);
  for (gsize i = 0; patterns != NULL && patterns[i] != NULL; i++)
    {
      char *pattern = g_strstrip (patterns[i]);

      if (pattern[0] == '\0')
        continue;
      if (strlen (pattern) > 64 || strchr (pattern, '/') != NULL)
        {
          g_autofree char *quoted = mh_quote_untrusted (pattern, 40);
          return config_error (error, origin, "[%s] %s: %s is not a pattern such as %s", group, key,
                               quoted, example);
        }
      g_strv_builder_add (kept, pattern);
      g_ptr_array_add (specs, g_pattern_spec_new (pattern));
    }

  /* A key that lists nothing allows nothing: the admin wrote the key, so an
   * empty value must not fall back to "anything goes". */
  *out = g_strv_builder_end (kept);
  return TRUE;
}

static gboolean
read_macvtap_modes (GKeyFile *file, MhConfig *config, const char *origin, GError **error)
{
  g_auto (GStrv) modes = NULL;
  g_autoptr (GStrvBuilder) kept = g_strv_builder_new ();
  g_autoptr (GError) local_error = NULL;

  if (!g_key_file_has_key (file, "Network", "AllowedMacvtapModes", NULL))
    return TRUE;
  modes = g_key_file_get_string_list (file, "Network", "AllowedMacvtapModes", NULL, &local_error);
  if (local_error != NULL)
    return config_error (error, origin, "[Network] AllowedMacvtapModes: %s", local_error->message);
  for (gsize i = 0; modes != NULL && modes[i] != NULL; i++)
    {
      char *mode = g_strstrip (modes[i]);

      if (mode[0] == '\0')
        continue;
      if (!mh_macvtap_mode_is_valid (mode))
        {
          g_autofree char *quoted = mh_quote_untrusted (mode, 40);
          return config_error (error, origin,
                               "[Network] AllowedMacvtapModes: %s is not a macvtap mode "
                               "(passthru, source; bridge, vepa and private need no consent)",
                               quoted);
        }
      g_strv_builder_add (kept, mode);
    }
  config->allowed_macvtap_modes = g_strv_builder_end (kept);
  return TRUE;
}

MhConfig *
mh_config_parse (const char *text, gsize length, const char *origin, GError **error)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (MhConfig) config = mh_config_new_default ();
  g_autoptr (GError) local_error = NULL;

  g_free (config->path);
  config->path = g_strdup (origin);

  if (!g_key_file_load_from_data (file, text, length, G_KEY_FILE_NONE, &local_error))
    {
      config_error (error, origin, "%s", local_error->message);
      return NULL;
    }
  if (!check_known_keys (file, origin, error))
    return NULL;
  if (!read_count (file, "Taps", "MaxPerUser", &config->max_taps_per_user, origin, error) ||
      !read_count (file, "Taps", "MaxTotal", &config->max_taps_total, origin, error) ||
      !read_name_patterns (file, "Taps", "AllowedNames", "vm-*", &config->allowed_tap_names,
                           config->allowed_tap_specs, origin, error) ||
      !read_boolean (file, "Taps", "HostIPv6", &config->host_ipv6, origin, error) ||
      !read_pci_list (file, "Allow", &config->pci_allow, origin, error) ||
      !read_pci_list (file, "Deny", &config->pci_deny, origin, error) ||
      !read_bytes (file, "PCI", "MaxMemlock", &config->max_memlock, origin, error) ||
      !read_name_patterns (file, "Network", "AllowedBridges", "br0 or br-vm*",
                           &config->allowed_bridges, config->allowed_bridge_specs, origin, error) ||
      !read_name_patterns (file, "Network", "AllowedMacvtapLinks", "eth0 or enp*",
                           &config->allowed_macvtap_links, config->allowed_macvtap_link_specs,
                           origin, error) ||
      !read_macvtap_modes (file, config, origin, error))
    return NULL;

  return g_steal_pointer (&config);
}

MhConfig *
mh_config_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize length = 0;
  g_autoptr (GError) local_error = NULL;

  if (!g_file_get_contents (path, &text, &length, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          MhConfig *config = mh_config_new_default ();
          g_free (config->path);
          config->path = g_strdup (path);
          return config;
        }
      g_set_error (error, MH_ERROR, MH_ERROR_FAILED, "%s", local_error->message);
      return NULL;
    }
  return mh_config_parse (text, length, path, error);
}

/* Names the kernel creates by itself when a module loads (the fallback
 * devices of the tunnel drivers, the first bond, dummy, ifb and teql
 * device) and names common services create for their own bridges and
 * tunnels.  A tap under such a name would make the module's or the
 * service's start fail later, on the host.  Documented in
 * microvm-helper.conf(5); AllowedNames= restricts the rest.  "lo" is not
 * listed: it exists in every network namespace, and the rule for an
 * existing interface (Busy, DESIGN.md) already answers it. */
static const char *const reserved_names[] = {
  "sit0",      "tunl0",       "gre0",       "gretap0",    "erspan0",  "ip6tnl0", "ip_vti0",
  "ip6_vti0",  "ip6gre0",     "bond0",      "dummy0",     "ifb0",     "ifb1",    "teql0",
  "virbr0",    "docker0",     "lxcbr0",     "lxdbr0",     "incusbr0", "podman0", "cni0",
  "flannel.1", "cilium_host", "cilium_net", "tailscale0", "zt0",      NULL,
};

gboolean
mh_config_check_tap_name (const MhConfig *config, const char *name, GError **error)
{
  g_autofree char *list = NULL;

  if (g_strv_contains (reserved_names, name))
    {
      g_set_error (error, MH_ERROR, MH_ERROR_REFUSED,
                   "%s is a name the kernel or a common service creates for itself, which "
                   "microvm-helper never gives a tap (see microvm-helper.conf(5)); choose "
                   "another name",
                   name);
      return FALSE;
    }
  if (config->allowed_tap_names == NULL)
    return TRUE;

  for (guint i = 0; i < config->allowed_tap_specs->len; i++)
    if (g_pattern_spec_match_string (config->allowed_tap_specs->pdata[i], name))
      return TRUE;

  list = g_strjoinv (", ", config->allowed_tap_names);
  g_set_error (error, MH_ERROR, MH_ERROR_REFUSED,
               "the administrator allows only tap names matching %s (AllowedNames in %s); "
               "\"%s\" does not match",
               list[0] != '\0' ? list : "nothing", config->path, name);
  return FALSE;
}

gboolean
mh_config_check_pci_device (const MhConfig *config, const char *address, guint16 vendor,
                            guint16 device, GError **error)
{
  g_autofree char *ids = g_strdup_printf ("%04x:%04x", vendor, device);

  if (config->pci_deny != NULL)
    for (gsize i = 0; config->pci_deny[i] != NULL; i++)
      if (strcmp (config->pci_deny[i], address) == 0 || strcmp (config->pci_deny[i], ids) == 0)
        {
          g_set_error (error, MH_ERROR, MH_ERROR_REFUSED,
                       "the administrator does not allow binding %s (%s): it matches %s in "
                       "Deny= of [PCI] in %s",
                       address, ids, config->pci_deny[i], config->path);
          return FALSE;
        }

  if (config->pci_allow == NULL)
    return TRUE;
  for (gsize i = 0; config->pci_allow[i] != NULL; i++)
    if (strcmp (config->pci_allow[i], address) == 0 || strcmp (config->pci_allow[i], ids) == 0)
      return TRUE;
  {
    g_autofree char *list = g_strjoinv (", ", config->pci_allow);
    g_set_error (error, MH_ERROR, MH_ERROR_REFUSED,
                 "the administrator allows binding only %s (Allow= of [PCI] in %s); %s (%s) is "
                 "not listed",
                 list[0] != '\0' ? list : "no device", config->path, address, ids);
  }
  return FALSE;
}

gboolean
mh_config_check_bridge (const MhConfig *config, const char *bridge, GError **error)
{
  g_autofree char *list = NULL;

  if (config->allowed_bridges != NULL)
    for (guint i = 0; i < config->allowed_bridge_specs->len; i++)
      if (g_pattern_spec_match_string (config->allowed_bridge_specs->pdata[i], bridge))
        return TRUE;

  if (config->allowed_bridges == NULL || config->allowed_bridges[0] == NULL)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_REFUSED,
                   "the administrator allows no bridge for virtual machines; to allow %s, add "
                   "it to AllowedBridges= in the [Network] group of %s",
                   bridge, config->path);
      return FALSE;
    }
  list = g_strjoinv (", ", config->allowed_bridges);
  g_set_error (error, MH_ERROR, MH_ERROR_REFUSED,
               "the administrator allows only the bridges %s (AllowedBridges= in the [Network] "
               "group of %s); %s is not one of them",
               list, config->path, bridge);
  return FALSE;
}

gboolean
mh_config_check_macvtap (const MhConfig *config, const char *link, const char *mode, GError **error)
{
  static const char *const plain_modes[] = { "bridge", "vepa", "private", NULL };
  gboolean link_ok = FALSE;

  for (guint i = 0;
       config->allowed_macvtap_links != NULL && i < config->allowed_macvtap_link_specs->len; i++)
    link_ok |= g_pattern_spec_match_string (config->allowed_macvtap_link_specs->pdata[i], link);
  if (!link_ok)
    {
      g_autofree char *list = config->allowed_macvtap_links != NULL
                                ? g_strjoinv (", ", config->allowed_macvtap_links)
                                : g_strdup ("");

      g_set_error (error, MH_ERROR, MH_ERROR_REFUSED,
                   "the administrator allows %s%s as the parent link of a macvtap "
                   "(AllowedMacvtapLinks= in the [Network] group of %s); %s is not allowed",
                   list[0] != '\0' ? "only " : "no interface", list, config->path, link);
      return FALSE;
    }
  if (g_strv_contains (plain_modes, mode) ||
      (config->allowed_macvtap_modes != NULL &&
       g_strv_contains ((const char *const *) config->allowed_macvtap_modes, mode)))
    return TRUE;
  g_set_error (error, MH_ERROR, MH_ERROR_REFUSED,
               "macvtap mode %s needs the administrator's consent: it is not in "
               "AllowedMacvtapModes= in the [Network] group of %s",
               mode, config->path);
  return FALSE;
}
