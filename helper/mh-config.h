/* The administrator's configuration, /etc/microvm-helper/helper.conf
 * (GKeyFile).  A missing file means safe defaults; a file that cannot be
 * parsed, or that has a key this version does not know, stops the helper
 * from starting: a typo in a security setting must not silently widen
 * what users may do. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MH_CONFIG_DEFAULT_MAX_TAPS_PER_USER 32
#define MH_CONFIG_DEFAULT_MAX_TAPS_TOTAL 1024
/* SetMemlockLimit is refused until the administrator sets [PCI] MaxMemlock:
 * pinned memory cannot be swapped or reclaimed, so how much a user may
 * pin is the administrator's decision, not a built-in guess. */
#define MH_CONFIG_DEFAULT_MAX_MEMLOCK 0

typedef struct {
  char *path;                   /* where it was read from, for messages */
  guint max_taps_per_user;      /* [Taps] MaxPerUser */
  guint max_taps_total;         /* [Taps] MaxTotal */
  GStrv allowed_tap_names;      /* [Taps] AllowedNames: glob patterns; NULL = any */
  GPtrArray *allowed_tap_specs; /* compiled GPatternSpec of the above */
  /* [Taps] HostIPv6: keep IPv6 on the host side of each tap (a routed
   * setup).  Off by default: the host then has no IPv6 at all on a tap.
   * Even when on, the host accepts no router advertisements or redirects
   * from a tap. */
  gboolean host_ipv6;
  /* [PCI] Allow and Deny: canonical addresses ("0000:01:00.0") and ids
   * ("8086:10d3").  pci_allow NULL = any device; Deny wins over Allow. */
  GStrv pci_allow;
  GStrv pci_deny;
  guint64 max_memlock; /* [PCI] MaxMemlock, bytes; 0 = SetMemlockLimit refused */
  /* [Network] AllowedBridges: names or glob patterns of the bridges a
   * user's tap may be a port of.  NULL (no key) = none: a bridge is a
   * network the administrator owns, so it is never open by default. */
  GStrv allowed_bridges;
  GPtrArray *allowed_bridge_specs; /* compiled GPatternSpec of the above */
  /* [Network] AllowedMacvtapLinks: the parent interfaces a user's macvtap
   * may sit on, names or patterns; NULL = none. */
  GStrv allowed_macvtap_links;
  GPtrArray *allowed_macvtap_link_specs;
  /* [Network] AllowedMacvtapModes: the modes beyond bridge, vepa and
   * private (passthru, source); NULL = none. */
  GStrv allowed_macvtap_modes;
} MhConfig;

MhConfig *mh_config_new_default (void);

/* Loads @path; a missing file gives the defaults. */
MhConfig *mh_config_load (const char *path, GError **error);

/* Parses configuration text; @origin names it in error messages. */
MhConfig *mh_config_parse (const char *text, gsize length, const char *origin, GError **error);

void mh_config_free (MhConfig *config);

/* Whether a tap of this (already valid) name is allowed: not one of the
 * names the kernel or common services create for themselves, and one the
 * administrator allows.  If not, sets MH_ERROR_REFUSED saying which. */
gboolean mh_config_check_tap_name (const MhConfig *config, const char *name, GError **error);

/* Whether the administrator allows binding the device at canonical
 * @address with these ids.  If not, sets MH_ERROR_REFUSED naming the
 * entry (or the missing one) and the file. */
gboolean mh_config_check_pci_device (const MhConfig *config, const char *address, guint16 vendor,
                                     guint16 device, GError **error);

/* Whether the administrator lets a user's tap be a port of @bridge
 * (AllowedBridges=).  If not, sets MH_ERROR_REFUSED naming the key and
 * the file. */
gboolean mh_config_check_bridge (const MhConfig *config, const char *bridge, GError **error);

/* Whether a user's macvtap may have @link as its parent
 * (AllowedMacvtapLinks=) and @mode (bridge, vepa and private always;
 * passthru and source only if in AllowedMacvtapModes=).  If not,
 * MH_ERROR_REFUSED naming the key and the file. */
gboolean mh_config_check_macvtap (const MhConfig *config, const char *link, const char *mode,
                                  GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhConfig, mh_config_free)

G_END_DECLS
