/* The tap kind's records: which user each tap belongs to, its ifindex and
 * flags, and whose D-Bus connection leases it.  Kept in taps.registry
 * under the runtime directory so that a restarted helper can tell its own
 * taps from anybody else's.  The table and the file are the leased core's
 * (mh-leased-registry.h); this file says what a tap record holds and how
 * it is written down. */
#pragma once

#include "mh-leased-registry.h"

G_BEGIN_DECLS

/* The core's states under the tap's words. */
typedef MhLeasedState MhTapState;
#define MH_TAP_STATE_CREATING MH_LEASED_RESERVED /* recorded before the kernel work, no ifindex */
#define MH_TAP_STATE_READY MH_LEASED_READY

typedef struct {
  MH_LEASED_RECORD_FIELDS (name);
  int ifindex;
  gboolean multi_queue;
  gboolean vnet_hdr;
  gboolean macvtap; /* a macvtap rather than a tun-driver tap */
  char *link;       /* macvtap: its parent */
  char *mode;       /* macvtap: its mode */
  char *mac;        /* macvtap: the address asked for, NULL: the kernel's */
  char *bridge;     /* the bridge it was made a port of, NULL: standalone */
  guint mtu;        /* the MTU it was made with, 0: the kernel's default */

  /* In memory only. */
  char *release_error; /* why the last release failed, NULL if none did */
} MhTapRecord;

typedef MhLeasedRegistry MhTapRegistry;

MhTapRecord *mh_tap_record_new (const char *name, guint32 uid);
void mh_tap_record_free (MhTapRecord *record);
#define mh_tap_record_set_lease mh_leased_record_set_lease

MhTapRegistry *mh_tap_registry_new (const char *path);

/* The rest is the core's registry (mh-leased-registry.h), under the
 * names the tap code and its tests use. */
#define mh_tap_registry_free mh_leased_registry_free
#define mh_tap_registry_get_path mh_leased_registry_get_path
#define mh_tap_registry_load mh_leased_registry_load
#define mh_tap_registry_load_from_data mh_leased_registry_load_from_data
#define mh_tap_registry_save mh_leased_registry_save
#define mh_tap_registry_to_data mh_leased_registry_to_data
#define mh_tap_registry_insert mh_leased_registry_insert
#define mh_tap_registry_remove mh_leased_registry_remove
#define mh_tap_registry_count mh_leased_registry_count
#define mh_tap_registry_count_for_uid mh_leased_registry_count_for_uid
#define mh_tap_registry_list mh_leased_registry_list
#define mh_tap_registry_list_leased_by mh_leased_registry_list_leased_by

static inline MhTapRecord *
mh_tap_registry_lookup (MhTapRegistry *registry, const char *name)
{
  return mh_leased_registry_lookup (registry, name);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhTapRecord, mh_tap_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhTapRegistry, mh_leased_registry_free)

G_END_DECLS
