#include "mh-fake-tap-backend.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/if_tun.h>

#include "mh-error.h"

typedef struct {
  MhTapBackend parent;
  GMutex lock;
  GHashTable *interfaces; /* name -> MhTapKernelInfo */
  GHashTable *failures;   /* name -> errno */
  int next_ifindex;
  guint n_creates;
  guint n_group_deletes;       /* remove_many calls that deleted something */
  gboolean group_delete_fails; /* as on a kernel without group deletion */
} FakeBackend;

static gboolean
fake_create (MhTapBackend *self, const char *name, guint32 uid, const MhTapSpec *spec, int *ifindex,
             GError **error)
{
  FakeBackend *fake = (FakeBackend *) self;
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);
  MhTapKernelInfo *info;
  MhTapKernelInfo *master = NULL;
  gpointer failure;

  fake->n_creates++;
  if (g_hash_table_lookup_extended (fake->failures, name, NULL, &failure))
    {
      g_hash_table_remove (fake->failures, name);
      return mh_set_errno_error (error, GPOINTER_TO_INT (failure), "TUNSETIFF %s", name);
    }
  if (g_hash_table_contains (fake->interfaces, name))
    return mh_set_errno_error (error, EBUSY, "TUNSETIFF %s", name);
  if (spec->bridge != NULL)
    {
      master = g_hash_table_lookup (fake->interfaces, spec->bridge);
      if (master == NULL || !master->is_bridge)
        return mh_set_errno_error (error, master == NULL ? ENODEV : EINVAL, "bridge %s",
                                   spec->bridge);
    }

  info = g_new0 (MhTapKernelInfo, 1);
  info->ifindex = fake->next_ifindex++;
  info->is_tap = TRUE;
  info->owner = uid;
  info->tun_flags = IFF_TAP | IFF_NO_PI | IFF_PERSIST | (spec->multi_queue ? IFF_MULTI_QUEUE : 0) |
                    (spec->vnet_hdr ? IFF_VNET_HDR : 0);
  info->up = TRUE;
  info->mtu = spec->mtu != 0 ? spec->mtu : 1500;
  if (master != NULL)
    {
      info->master_ifindex = master->ifindex;
      g_strlcpy (info->master, spec->bridge, sizeof info->master);
    }
  g_hash_table_insert (fake->interfaces, g_strdup (name), info);
  *ifindex = info->ifindex;
  return TRUE;
}

static gboolean
fake_lookup (MhTapBackend *self, const char *name, MhTapKernelInfo *info, GError **error)
{
  FakeBackend *fake = (FakeBackend *) self;
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);
  MhTapKernelInfo *found = g_hash_table_lookup (fake->interfaces, name);

  if (found == NULL)
    return mh_set_errno_error (error, ENODEV, "look up %s", name);
  *info = *found;
  return TRUE;
}

static gboolean
fake_remove (MhTapBackend *self, int ifindex, const char *name, GError **error)
{
  FakeBackend *fake = (FakeBackend *) self;
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, fake->interfaces);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (((MhTapKernelInfo *) value)->ifindex == ifindex)
      {
        g_hash_table_iter_remove (&iter);
        return TRUE;
      }
  return mh_set_errno_error (error, ENODEV, "delete %s", name);
}

/* Like the kernel's group deletion: all or nothing. */
static gboolean
fake_remove_many (MhTapBackend *self, const int *ifindexes, guint n, gboolean *removed,
                  GError **error)
{
  FakeBackend *fake = (FakeBackend *) self;
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);
  GHashTableIter iter;
  gpointer value;

  if (fake->group_delete_fails)
    return mh_set_errno_error (error, EOPNOTSUPP, "delete %u taps together", n);
  for (guint i = 0; i < n; i++)
    {
      removed[i] = FALSE;
      g_hash_table_iter_init (&iter, fake->interfaces);
      while (!removed[i] && g_hash_table_iter_next (&iter, NULL, &value))
        if (((MhTapKernelInfo *) value)->ifindex == ifindexes[i])
          {
            g_hash_table_iter_remove (&iter);
            removed[i] = TRUE;
          }
    }
  fake->n_group_deletes++;
  return TRUE;
}

static void
fake_free (MhTapBackend *self)
{
  FakeBackend *fake = (FakeBackend *) self;

  g_hash_table_unref (fake->interfaces);
  g_hash_table_unref (fake->failures);
  g_mutex_clear (&fake->lock);
  g_free (fake);
}

MhTapBackend *
mh_fake_tap_backend_new (void)
{
  FakeBackend *fake = g_new0 (FakeBackend, 1);

  fake->parent.create = fake_create;
  fake->parent.lookup = fake_lookup;
  fake->parent.remove = fake_remove;
  fake->parent.remove_many = fake_remove_many;
  fake->parent.free = fake_free;
  g_mutex_init (&fake->lock);
  fake->interfaces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  fake->failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fake->next_ifindex = 100;
  return &fake->parent;
}

void
mh_fake_tap_backend_add (MhTapBackend *backend, const char *name, gboolean is_tap, gint64 owner)
{
  FakeBackend *fake = (FakeBackend *) backend;
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);
  MhTapKernelInfo *info = g_new0 (MhTapKernelInfo, 1);

  info->ifindex = fake->next_ifindex++;
  info->is_tap = is_tap;
  info->owner = is_tap ? owner : -1;
  info->tun_flags = is_tap ? (IFF_TAP | IFF_NO_PI | IFF_PERSIST) : 0;
  info->up = TRUE;
  info->mtu = 1500;
  g_hash_table_insert (fake->interfaces, g_strdup (name), info);
}

void
mh_fake_tap_backend_add_bridge (MhTapBackend *backend, const char *name, guint mtu)
{
  FakeBackend *fake = (FakeBackend *) backend;
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);
  MhTapKernelInfo *info = g_new0 (MhTapKernelInfo, 1);

  info->ifindex = fake->next_ifindex++;
  info->owner = -1;
  info->is_bridge = TRUE;
  info->mtu = mtu;
  info->up = TRUE;
  g_hash_table_insert (fake->interfaces, g_strdup (name), info);
}

void
mh_fake_tap_backend_fail_create (MhTapBackend *backend, const char *name, int errsv)
{
  FakeBackend *fake = (FakeBackend *) backend;
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);

  g_hash_table_insert (fake->failures, g_strdup (name), GINT_TO_POINTER (errsv));
}

void
mh_fake_tap_backend_drop (MhTapBackend *backend, const char *name)
{
  FakeBackend *fake = (FakeBackend *) backend;
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);

  g_hash_table_remove (fake->interfaces, name);
}

void
mh_fake_tap_backend_set_owner (MhTapBackend *backend, const char *name, gint64 owner)
{
  FakeBackend *fake = (FakeBackend *) backend;
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);
  MhTapKernelInfo *info = g_hash_table_lookup (fake->interfaces, name);

  g_assert (info != NULL);
  info->owner = owner;
}

gboolean
mh_fake_tap_backend_has (MhTapBackend *backend, const char *name)
{
  FakeBackend *fake = (FakeBackend *) backend;
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);

  return g_hash_table_contains (fake->interfaces, name);
}

guint
mh_fake_tap_backend_count (MhTapBackend *backend)
{
  FakeBackend *fake = (FakeBackend *) backend;
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);

  return g_hash_table_size (fake->interfaces);
}

guint
mh_fake_tap_backend_n_creates (MhTapBackend *backend)
{
  FakeBackend *fake = (FakeBackend *) backend;
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);

  return fake->n_creates;
}

void
mh_fake_tap_backend_fail_group_delete (MhTapBackend *backend)
{
  FakeBackend *fake = (FakeBackend *) backend;
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);

  fake->group_delete_fails = TRUE;
}

guint
mh_fake_tap_backend_n_group_deletes (MhTapBackend *backend)
{
  FakeBackend *fake = (FakeBackend *) backend;
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&fake->lock);

  return fake->n_group_deletes;
}
