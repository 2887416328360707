/* What the helper knows of its taps against what the kernel has, the tap
 * kind's inventory steps for the leased core: an entry of ListTaps, and
 * the check of one record at start-up, before the helper serves. */
#include <errno.h>
#include <linux/if_tun.h>

#include "mh-error.h"
#include "mh-tap-kind.h"

typedef struct {
  char *name;
  int ifindex;
  guint32 uid;
  gboolean leased;
  gboolean macvtap;
  char *release_error; /* a failed release being retried, or NULL */
} Listed;

/* The kernel's interface is of the record's type. */
static gboolean
same_type (const MhTapKernelInfo *info, gboolean macvtap)
{
  return macvtap ? info->is_macvtap : info->is_tap;
}

gpointer
mh_tap_inventory_list_snapshot (gpointer data)
{
  const MhTapRecord *record = data;
  Listed *entry;

  if (record->state != MH_TAP_STATE_READY)
    return NULL;
  entry = g_new0 (Listed, 1);
  entry->name = g_strdup (record->name);
  entry->ifindex = record->ifindex;
  entry->uid = record->uid;
  entry->leased = record->lease_name != NULL;
  entry->macvtap = record->macvtap;
  entry->release_error = g_strdup (record->release_error);
  return entry;
}

void
mh_tap_inventory_list_snapshot_free (gpointer data)
{
  Listed *entry = data;

  g_free (entry->name);
  g_free (entry->release_error);
  g_free (entry);
}

void
mh_tap_inventory_list_describe (gpointer kernel, gpointer data, GVariantBuilder *builder)
{
  MhTapBackend *backend = kernel;
  const Listed *entry = data;
  g_auto (GVariantDict) details = G_VARIANT_DICT_INIT (NULL);
  MhTapKernelInfo info;

  /* Gone, replaced, or given away (TUNSETOWNER): not the caller's. */
  if (!backend->lookup (backend, entry->name, &info, NULL) || !same_type (&info, entry->macvtap) ||
      info.ifindex != entry->ifindex || info.owner != (gint64) entry->uid)
    return;

  g_variant_dict_insert (&details, "owner", "u", (guint32) info.owner);
  if (entry->macvtap)
    {
      g_autofree char *device = g_strdup_printf ("/dev/tap%d", info.ifindex);

      g_variant_dict_insert (&details, "type", "s", "macvtap");
      g_variant_dict_insert (&details, "link", "s", info.link);
      g_variant_dict_insert (&details, "mode", "s", info.mode);
      g_variant_dict_insert (&details, "mac", "s", info.mac);
      g_variant_dict_insert (&details, "device", "s", device);
    }
  else
    {
      g_variant_dict_insert (&details, "type", "s", "tap");
      g_variant_dict_insert (&details, "multi_queue", "b", (info.tun_flags & IFF_MULTI_QUEUE) != 0);
      g_variant_dict_insert (&details, "vnet_hdr", "b", (info.tun_flags & IFF_VNET_HDR) != 0);
    }
  g_variant_dict_insert (&details, "release_on_disconnect", "b", entry->leased);
  g_variant_dict_insert (&details, "up", "b", info.up);
  g_variant_dict_insert (&details, "mtu", "u", info.mtu);
  if (info.master_ifindex > 0 && info.master[0] != '\0')
    g_variant_dict_insert (&details, "bridge", "s", info.master);
  if (entry->release_error != NULL)
    g_variant_dict_insert (&details, "release_error", "s", entry->release_error);
  g_variant_builder_add (builder, "(si@a{sv})", entry->name, entry->ifindex,
                         g_variant_dict_end (&details));
}

/* Main thread, synchronous: only for answers that would otherwise refuse
 * (the core's mh_leased_service_forget_vanished). */
gboolean
mh_tap_inventory_vanished (gpointer kernel, gpointer data)
{
  MhTapBackend *backend = kernel;
  const MhTapRecord *record = data;
  g_autoptr (GError) error = NULL;
  MhTapKernelInfo info;

  if (backend->lookup (backend, record->name, &info, &error))
    return !same_type (&info, record->macvtap) || info.ifindex != record->ifindex;
  return g_error_matches (error, MH_ERRNO_ERROR, ENODEV);
}

/* ------------------------------------------------------------------ */
/* Start-up */

MhLeasedVerdict
mh_tap_inventory_reconcile (MhLeasedService *service, gpointer data, MhLeaseAliveFunc alive,
                            gpointer alive_data)
{
  MhTapRecord *record = data;
  MhTapBackend *backend = mh_leased_service_get_kernel (service);
  g_autoptr (GError) error = NULL;
  MhTapKernelInfo info;
  gboolean present;

  present = backend->lookup (backend, record->name, &info, &error);
  if (!present && !g_error_matches (error, MH_ERRNO_ERROR, ENODEV))
    {
      g_warning ("cannot inspect %s, keeping its record: %s", record->name, error->message);
      return MH_LEASED_KEEP_UNWATCHED;
    }

  if (record->state == MH_TAP_STATE_CREATING && record->macvtap)
    {
      /* A macvtap lives from its RTM_NEWLINK on: complete (up, its node
       * given to its user) it is adopted, half-made it is deleted, as the
       * name was reserved for it.  One on another parent is not ours. */
      if (present && info.is_macvtap && g_strcmp0 (info.link, record->link) == 0 && info.up &&
          info.owner == (gint64) record->uid)
        {
          record->state = MH_TAP_STATE_READY;
          record->ifindex = info.ifindex;
          g_message ("adopted macvtap %s (uid %u, ifindex %d), completed just before a restart",
                     record->name, record->uid, info.ifindex);
        }
      else
        {
          if (present && info.is_macvtap && g_strcmp0 (info.link, record->link) == 0 &&
              !backend->remove (backend, info.ifindex, record->name, &error))
            {
              g_warning ("cannot delete half-made macvtap %s: %s", record->name, error->message);
              return MH_LEASED_KEEP_UNWATCHED;
            }
          g_message ("forgot half-made macvtap %s (uid %u)%s", record->name, record->uid,
                     present && info.is_macvtap ? ", deleted it" : "");
          return MH_LEASED_FORGET;
        }
    }
  else if (record->state == MH_TAP_STATE_CREATING)
    {
      /* Killed between writing the record and the reply.  Without
       * TUNSETPERSIST the device died with the helper; with it, the tap is
       * complete and is adopted if it matches what was asked. */
      if (present && info.is_tap && info.owner == (gint64) record->uid &&
          (info.tun_flags & IFF_PERSIST) != 0 &&
          ((info.tun_flags & IFF_MULTI_QUEUE) != 0) == record->multi_queue)
        {
          record->state = MH_TAP_STATE_READY;
          record->ifindex = info.ifindex;
          g_message ("adopted tap %s (uid %u, ifindex %d), completed just before a restart",
                     record->name, record->uid, info.ifindex);
        }
      else
        {
          g_message ("forgot half-recorded tap %s (uid %u): the kernel does not have it",
                     record->name, record->uid);
          return MH_LEASED_FORGET;
        }
    }
  else if (!present || !same_type (&info, record->macvtap) || info.ifindex != record->ifindex)
    {
      g_message ("forgot tap %s (uid %u): it was removed while the helper was not running",
                 record->name, record->uid);
      return MH_LEASED_FORGET;
    }

  if (record->lease_name != NULL && !alive (record->lease_name, record->lease_bus_id, alive_data))
    {
      if (info.owner == (gint64) record->uid &&
          !backend->remove (backend, record->ifindex, record->name, &error))
        {
          g_warning ("cannot delete %s whose client %s is gone: %s", record->name,
                     record->lease_name, error->message);
          return MH_LEASED_KEEP_UNWATCHED;
        }
      g_message ("deleted tap %s (uid %u): its client %s left while the helper was not running",
                 record->name, record->uid, record->lease_name);
      return MH_LEASED_FORGET;
    }
  return MH_LEASED_KEEP; /* the core watches its lease again */
}
