#include "mh-tap-registry.h"

#include <gio/gio.h>

#include <errno.h>
#include <string.h>

#include "mh-error.h"
#include "mh-ifname.h"
#include "mh-registry-file.h"
#include "mh-tap-request.h"

/* Group names are numbered rather than named after the tap: a valid
 * interface name may contain '[' or ']', which a key file group may not. */
#define GROUP_PREFIX "tap"

MhTapRecord *
mh_tap_record_new (const char *name, guint32 uid)
{
  MhTapRecord *record = g_new0 (MhTapRecord, 1);

  mh_leased_record_init (record, name, uid);
  record->vnet_hdr = TRUE;
  return record;
}

void
mh_tap_record_free (MhTapRecord *record)
{
  if (record == NULL)
    return;
  mh_leased_record_clear (record);
  g_free (record->bridge);
  g_free (record->link);
  g_free (record->mode);
  g_free (record->mac);
  g_free (record->release_error);
  g_free (record);
}

static gboolean
parse_record (GKeyFile *file, const char *group, const char *origin, gpointer *out, GError **error)
{
  g_autoptr (MhTapRecord) record = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *state = NULL;
  g_autofree char *lease = NULL;
  g_autofree char *lease_bus = NULL;
  g_autofree char *bridge = NULL;
  gint64 uid, ifindex, mtu = 0;

  name = g_key_file_get_string (file, group, "name", NULL);
  if (name == NULL || !mh_ifname_validate (name, NULL))
    return mh_registry_corrupt (error, origin, group, "missing or invalid name");

  uid = g_key_file_get_int64 (file, group, "uid", &local_error);
  if (local_error != NULL || uid < 0 || uid > G_MAXUINT32)
    return mh_registry_corrupt (error, origin, group, "missing or invalid uid");

  ifindex = g_key_file_get_int64 (file, group, "ifindex", &local_error);
  if (local_error != NULL || ifindex < 0 || ifindex > G_MAXINT)
    return mh_registry_corrupt (error, origin, group, "missing or invalid ifindex");

  record = mh_tap_record_new (name, (guint32) uid);
  record->ifindex = (int) ifindex;

  state = g_key_file_get_string (file, group, "state", NULL);
  if (g_strcmp0 (state, "ready") == 0)
    record->state = MH_TAP_STATE_READY;
  else if (g_strcmp0 (state, "creating") == 0)
    record->state = MH_TAP_STATE_CREATING;
  else
    return mh_registry_corrupt (error, origin, group, "state is neither ready nor creating");

  record->multi_queue = g_key_file_get_boolean (file, group, "multi_queue", &local_error);
  if (local_error != NULL)
    return mh_registry_corrupt (error, origin, group, "missing or invalid multi_queue");
  record->vnet_hdr = g_key_file_get_boolean (file, group, "vnet_hdr", &local_error);
  if (local_error != NULL)
    return mh_registry_corrupt (error, origin, group, "missing or invalid vnet_hdr");

  /* Written only for what has them: files of older versions have neither. */
  bridge = g_key_file_get_string (file, group, "bridge", NULL);
  if (bridge != NULL && !mh_ifname_validate (bridge, NULL))
    return mh_registry_corrupt (error, origin, group, "invalid bridge");
  record->bridge = g_steal_pointer (&bridge);
  {
    g_autofree char *type = g_key_file_get_string (file, group, "type", NULL);

    if (type != NULL && strcmp (type, "macvtap") == 0)
      record->macvtap = TRUE;
    else if (type != NULL && strcmp (type, "tap") != 0)
      return mh_registry_corrupt (error, origin, group, "type is neither tap nor macvtap");
    if (record->macvtap)
      {
        record->link = g_key_file_get_string (file, group, "link", NULL);
        record->mode = g_key_file_get_string (file, group, "mode", NULL);
        record->mac = g_key_file_get_string (file, group, "mac", NULL);
        if (record->link == NULL || !mh_ifname_validate (record->link, NULL) ||
            record->mode == NULL || (record->mac != NULL && !mh_mac_parse (record->mac, NULL)))
          return mh_registry_corrupt (error, origin, group, "invalid macvtap link, mode or mac");
      }
  }
  if (g_key_file_has_key (file, group, "mtu", NULL))
    {
      mtu = g_key_file_get_int64 (file, group, "mtu", &local_error);
      if (local_error != NULL || mtu < 0 || mtu > G_MAXUINT32)
        return mh_registry_corrupt (error, origin, group, "invalid mtu");
      record->mtu = (guint) mtu;
    }

  if (!mh_registry_read_lease (file, group, origin, &lease, &lease_bus, error))
    return FALSE;
  if (lease != NULL)
    mh_tap_record_set_lease (record, lease, lease_bus);

  *out = g_steal_pointer (&record);
  return TRUE;
}

/* A key file value, escaped as GKeyFile escapes (and its loader
 * unescapes) them: whatever a record holds reads back the same. */
static void
append_value (GString *out, const char *key, const char *value)
{
  g_string_append (out, key);
  g_string_append_c (out, '=');
  for (const char *p = value; *p != '\0'; p++)
    switch (*p)
      {
      case '\\':
        g_string_append (out, "\\\\");
        break;
      case '\n':
        g_string_append (out, "\\n");
        break;
      case '\t':
        g_string_append (out, "\\t");
        break;
      case '\r':
        g_string_append (out, "\\r");
        break;
      case ' ':
        /* GKeyFile trims a leading blank unless it is escaped. */
        g_string_append (out, p == value ? "\\s" : " ");
        break;
      default:
        g_string_append_c (out, *p);
      }
  g_string_append_c (out, '\n');
}

/* Written directly rather than through a GKeyFile, which costs about 20
 * times more per record; it is written on every change, so with hundreds of
 * taps that was most of a CreateTap.  The loader still is GKeyFile's. */
static char *
to_data (GPtrArray *all, gsize *length)
{
  GString *out = g_string_sized_new (64 + all->len * 128);

  g_string_append (out, "# Taps created by microvm-helperd. Written by the helper; do not edit.\n");
  for (guint i = 0; i < all->len; i++)
    {
      const MhTapRecord *record = all->pdata[i];

      g_string_append_printf (out, "\n[" GROUP_PREFIX "%u]\n", i);
      append_value (out, "name", record->name);
      g_string_append_printf (
        out, "uid=%u\nifindex=%d\nstate=%s\nmulti_queue=%s\nvnet_hdr=%s\n", record->uid,
        record->ifindex, record->state == MH_TAP_STATE_READY ? "ready" : "creating",
        record->multi_queue ? "true" : "false", record->vnet_hdr ? "true" : "false");
      if (record->bridge != NULL)
        append_value (out, "bridge", record->bridge);
      if (record->macvtap)
        {
          g_string_append (out, "type=macvtap\n");
          append_value (out, "link", record->link);
          append_value (out, "mode", record->mode);
          if (record->mac != NULL)
            append_value (out, "mac", record->mac);
        }
      if (record->mtu != 0)
        g_string_append_printf (out, "mtu=%u\n", record->mtu);
      if (record->lease_name != NULL)
        {
          append_value (out, "lease", record->lease_name);
          append_value (out, "lease_bus", record->lease_bus_id);
        }
    }
  *length = out->len;
  return g_string_free (out, FALSE);
}

static const MhLeasedFormat registry_format = {
  .group_prefix = GROUP_PREFIX,
  .parse = parse_record,
  .free_record = (GDestroyNotify) mh_tap_record_free,
  .duplicate_why = "the name is recorded twice",
  .what = "taps",
  .to_data = to_data,
};

MhTapRegistry *
mh_tap_registry_new (const char *path)
{
  return mh_leased_registry_new (path, &registry_format);
}
