#include "fakepci-world.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define VFIO "vfio-pci"
/* How long an unbind from vfio-pci waits for the group to be closed (the
 * kernel waits for ever; a helper that gets here has a bug, and the log
 * says so), and how long an open waits for a close that is still on its
 * way through FUSE (release requests are asynchronous). */
#define UNBIND_WAIT_US (2 * G_USEC_PER_SEC)
#define OPEN_GRACE_US (G_USEC_PER_SEC)

typedef struct {
  char *step; /* driver_override, bind, unbind, drivers_probe, probe */
  char *address;
  char *driver; /* probe: whose probe fails */
  int errsv;
} Failure;

struct _FakeWorld {
  GMutex lock;
  GCond changed;
  GPtrArray *devices;
  GPtrArray *drivers;
  GHashTable *nodes; /* group -> FakeNode */
  GPtrArray *failures;
  GString *log;
  guint events;
};

static void
device_free (gpointer data)
{
  FakeDevice *device = data;

  g_free (device->address);
  g_free (device->driver);
  g_free (device->override);
  g_free (device->physfn);
  g_free (device->net);
  g_free (device->block);
  g_free (device->block_dev);
  g_free (device);
}

static void
driver_free (gpointer data)
{
  FakeDriver *driver = data;

  g_free (driver->name);
  g_ptr_array_unref (driver->ids);
  g_ptr_array_unref (driver->dynamic_ids);
  g_free (driver);
}

static void
failure_free (gpointer data)
{
  Failure *failure = data;

  g_free (failure->step);
  g_free (failure->address);
  g_free (failure->driver);
  g_free (failure);
}

static void world_log (FakeWorld *world, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
world_log (FakeWorld *world, const char *format, ...)
{
  va_list args;

  g_string_append_printf (world->log, "%u ", ++world->events);
  va_start (args, format);
  g_string_append_vprintf (world->log, format, args);
  va_end (args);
  g_string_append_c (world->log, '\n');
}

void
fake_world_lock (FakeWorld *world)
{
  g_mutex_lock (&world->lock);
}

void
fake_world_unlock (FakeWorld *world)
{
  g_mutex_unlock (&world->lock);
}

GPtrArray *
fake_world_devices (FakeWorld *world)
{
  return world->devices;
}

GPtrArray *
fake_world_drivers (FakeWorld *world)
{
  return world->drivers;
}

const char *
fake_world_log (FakeWorld *world)
{
  return world->log->str;
}

FakeDevice *
fake_world_find_device (FakeWorld *world, const char *address)
{
  for (guint i = 0; i < world->devices->len; i++)
    {
      FakeDevice *device = world->devices->pdata[i];
      if (strcmp (device->address, address) == 0)
        return device;
    }
  return NULL;
}

FakeDriver *
fake_world_find_driver (FakeWorld *world, const char *name)
{
  for (guint i = 0; i < world->drivers->len; i++)
    {
      FakeDriver *driver = world->drivers->pdata[i];
      if (strcmp (driver->name, name) == 0)
        return driver;
    }
  return NULL;
}

FakeNode *
fake_world_find_node (FakeWorld *world, int group)
{
  FakeNode *node = g_hash_table_lookup (world->nodes, GINT_TO_POINTER (group));

  return node != NULL && node->exists ? node : NULL;
}

static FakeNode *
node_for (FakeWorld *world, int group)
{
  FakeNode *node = g_hash_table_lookup (world->nodes, GINT_TO_POINTER (group));

  if (node == NULL)
    {
      node = g_new0 (FakeNode, 1);
      node->group = group;
      g_hash_table_insert (world->nodes, GINT_TO_POINTER (group), node);
    }
  return node;
}

static gint
compare_ints (gconstpointer a, gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

GArray *
fake_world_groups (FakeWorld *world)
{
  GArray *groups = g_array_new (FALSE, FALSE, sizeof (int));

  for (guint i = 0; i < world->devices->len; i++)
    {
      const FakeDevice *device = world->devices->pdata[i];
      gboolean seen = FALSE;

      if (device->group < 0)
        continue;
      for (guint j = 0; j < groups->len; j++)
        if (g_array_index (groups, int, j) == device->group)
          seen = TRUE;
      if (!seen)
        g_array_append_val (groups, device->group);
    }
  g_array_sort (groups, compare_ints);
  return groups;
}

guint8 *
fake_world_config_space (const FakeDevice *device)
{
  guint8 *config = g_malloc0 (256);

  config[0x00] = device->vendor & 0xff;
  config[0x01] = device->vendor >> 8;
  config[0x02] = device->device & 0xff;
  config[0x03] = device->device >> 8;
  config[0x04] = 0x06; /* memory space, bus master */
  config[0x08] = device->revision;
  config[0x09] = device->class_code & 0xff;
  config[0x0a] = (device->class_code >> 8) & 0xff;
  config[0x0b] = (device->class_code >> 16) & 0xff;
  config[0x0e] = device->header_type | (device->multifunction ? 0x80 : 0);
  if (device->header_type == 0)
    {
      config[0x2c] = device->subvendor & 0xff;
      config[0x2d] = device->subvendor >> 8;
      config[0x2e] = device->subdevice & 0xff;
      config[0x2f] = device->subdevice >> 8;
    }
  config[0x3c] = (guint8) device->irq;
  config[0x3d] = 1;
  return config;
}

/* ------------------------------------------------------------------ */
/* Spec */

static gboolean spec_error (GError **error, guint line, const char *format, ...)
  G_GNUC_PRINTF (3, 4);

static gboolean
spec_error (GError **error, guint line, const char *format, ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "spec line %u: %s", line, what);
  return FALSE;
}

static gboolean
parse_hex (const char *text, guint64 max, guint64 *value)
{
  return g_ascii_string_to_unsigned (text, 16, 0, max, value, NULL);
}

static gboolean
parse_device (FakeWorld *world, char **words, guint line, GError **error)
{
  FakeDevice *device = g_new0 (FakeDevice, 1);
  guint64 v;

  device->address = g_strdup (words[1]);
  device->group = -1;
  device->boot_vga = -1;
  device->sriov_total = -1;
  device->irq = 16;
  g_ptr_array_add (world->devices, device);

  for (gsize i = 2; words[i] != NULL; i++)
    {
      char *value = strchr (words[i], '=');
      const char *key = words[i];

      if (value == NULL)
        return spec_error (error, line, "%s is not KEY=VALUE", words[i]);
      *value++ = '\0';
      if (strcmp (key, "vendor") == 0 && parse_hex (value, 0xffff, &v))
        device->vendor = (guint16) v;
      else if (strcmp (key, "device") == 0 && parse_hex (value, 0xffff, &v))
        device->device = (guint16) v;
      else if (strcmp (key, "class") == 0 && parse_hex (value, 0xffffff, &v))
        device->class_code = (guint32) v;
      else if (strcmp (key, "revision") == 0 && parse_hex (value, 0xff, &v))
        device->revision = (guint8) v;
      else if (strcmp (key, "subsys") == 0 && strlen (value) == 9 && value[4] == ':')
        {
          value[4] = '\0';
          if (!parse_hex (value, 0xffff, &v))
            return spec_error (error, line, "bad subsys");
          device->subvendor = (guint16) v;
          if (!parse_hex (value + 5, 0xffff, &v))
            return spec_error (error, line, "bad subsys");
          device->subdevice = (guint16) v;
        }
      else if (strcmp (key, "header") == 0 && parse_hex (value, 2, &v))
        device->header_type = (guint8) v;
      else if (strcmp (key, "multifunction") == 0 && parse_hex (value, 1, &v))
        device->multifunction = v != 0;
      else if (strcmp (key, "group") == 0 &&
               g_ascii_string_to_unsigned (value, 10, 0, 100000, &v, NULL))
        device->group = (int) v;
      else if (strcmp (key, "driver") == 0)
        device->driver = g_strdup (value);
      else if (strcmp (key, "override") == 0)
        device->override = g_strdup (value);
      else if (strcmp (key, "boot_vga") == 0 && parse_hex (value, 1, &v))
        device->boot_vga = (int) v;
      else if (strcmp (key, "sriov_total") == 0 &&
               g_ascii_string_to_unsigned (value, 10, 0, 256, &v, NULL))
        device->sriov_total = (int) v;
      else if (strcmp (key, "sriov_num") == 0 &&
               g_ascii_string_to_unsigned (value, 10, 0, 256, &v, NULL))
        device->sriov_num = (int) v;
      else if (strcmp (key, "physfn") == 0)
        device->physfn = g_strdup (value);
      else if (strcmp (key, "net") == 0)
        device->net = g_strdup (value);
      else if (strcmp (key, "net_up") == 0 && parse_hex (value, 1, &v))
        device->net_up = v != 0;
      else if (strcmp (key, "block") == 0)
        device->block = g_strdup (value);
      else if (strcmp (key, "block_dev") == 0)
        device->block_dev = g_strdup (value);
      else if (strcmp (key, "irq") == 0 && g_ascii_string_to_unsigned (value, 10, 0, 255, &v, NULL))
        device->irq = (int) v;
      else
        return spec_error (error, line, "unknown key or bad value: %s=%s", key, value);
    }
  if (device->vendor == 0)
    return spec_error (error, line, "device %s needs vendor=", device->address);
  if (device->block != NULL && device->block_dev == NULL)
    return spec_error (error, line, "block= needs block_dev=MAJ:MIN");
  return TRUE;
}

static gint
compare_devices (gconstpointer a, gconstpointer b)
{
  const FakeDevice *da = *(const FakeDevice *const *) a;
  const FakeDevice *db = *(const FakeDevice *const *) b;

  return strcmp (da->address, db->address);
}

FakeWorld *
fake_world_new_from_spec (const char *text, GError **error)
{
  FakeWorld *world = g_new0 (FakeWorld, 1);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  g_mutex_init (&world->lock);
  g_cond_init (&world->changed);
  world->devices = g_ptr_array_new_with_free_func (device_free);
  world->drivers = g_ptr_array_new_with_free_func (driver_free);
  world->nodes = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  world->failures = g_ptr_array_new_with_free_func (failure_free);
  world->log = g_string_new (NULL);

  for (guint n = 0; lines[n] != NULL; n++)
    {
      g_autofree char *line = g_strstrip (g_strdup (lines[n]));
      g_auto (GStrv) words = NULL;

      if (line[0] == '\0' || line[0] == '#')
        continue;
      words = g_strsplit_set (line, " \t", -1);
      /* g_strsplit_set keeps empty words between repeated blanks. */
      {
        guint kept = 0;
        for (guint i = 0; words[i] != NULL; i++)
          if (words[i][0] != '\0')
            words[kept++] = words[i];
          else
            g_free (words[i]);
        words[kept] = NULL;
      }
      if (strcmp (words[0], "driver") == 0 && words[1] != NULL)
        {
          FakeDriver *driver = g_new0 (FakeDriver, 1);
          driver->name = g_strdup (words[1]);
          driver->ids = g_ptr_array_new_with_free_func (g_free);
          driver->dynamic_ids = g_ptr_array_new_with_free_func (g_free);
          for (guint i = 2; words[i] != NULL; i++)
            g_ptr_array_add (driver->ids, g_ascii_strdown (words[i], -1));
          g_ptr_array_add (world->drivers, driver);
        }
      else if (strcmp (words[0], "device") == 0 && words[1] != NULL)
        {
          if (!parse_device (world, words, n + 1, error))
            return NULL;
        }
      else
        {
          spec_error (error, n + 1,
                      "expected \"driver NAME [IDS...]\" or \"device ADDRESS "
                      "KEY=VALUE...\"");
          return NULL;
        }
    }

  g_ptr_array_sort (world->devices, compare_devices);
  for (guint i = 0; i < world->devices->len; i++)
    {
      FakeDevice *device = world->devices->pdata[i];
      if (device->driver != NULL && fake_world_find_driver (world, device->driver) == NULL)
        {
          spec_error (error, 0, "device %s is on driver %s, which the spec does not declare",
                      device->address, device->driver);
          return NULL;
        }
      if (device->driver != NULL && strcmp (device->driver, VFIO) == 0)
        {
          FakeNode *node = node_for (world, device->group);
          node->exists = TRUE;
          node->mode = 0600;
        }
    }
  world_log (world, "world ready: %u devices, %u drivers", world->devices->len,
             world->drivers->len);
  return world;
}

/* ------------------------------------------------------------------ */
/* Kernel behaviour */

static int
injected (FakeWorld *world, const char *step, const char *address, const char *driver)
{
  for (guint i = 0; i < world->failures->len; i++)
    {
      const Failure *failure = world->failures->pdata[i];
      if (strcmp (failure->step, step) == 0 && strcmp (failure->address, address) == 0 &&
          (failure->driver == NULL || g_strcmp0 (failure->driver, driver) == 0))
        return failure->errsv;
    }
  return 0;
}

/* What sysfs passes on: the written text up to the first newline. */
static char *
written_word (const char *data, size_t size)
{
  g_autofree char *text = g_strndup (data, size);

  return g_strdup (g_strstrip (text));
}

static gboolean
id_matches (const char *id, const FakeDevice *device)
{
  g_autofree char *ids = g_strdup_printf ("%04x:%04x", device->vendor, device->device);
  g_autofree char *class_id = g_strdup_printf ("class:%04x", device->class_code >> 8);

  return strcmp (id, ids) == 0 || strcmp (id, class_id) == 0;
}

/* pci_match_device(): an override names the only driver that may take the
 * device, whatever the ids say. */
static gboolean
driver_matches (const FakeDriver *driver, const FakeDevice *device)
{
  if (device->override != NULL)
    return strcmp (device->override, driver->name) == 0;
  for (guint i = 0; i < driver->dynamic_ids->len; i++)
    if (id_matches (driver->dynamic_ids->pdata[i], device))
      return TRUE;
  for (guint i = 0; i < driver->ids->len; i++)
    if (id_matches (driver->ids->pdata[i], device))
      return TRUE;
  return FALSE;
}

static gboolean
group_on_vfio (FakeWorld *world, int group)
{
  for (guint i = 0; i < world->devices->len; i++)
    {
      const FakeDevice *device = world->devices->pdata[i];
      if (device->group == group && g_strcmp0 (device->driver, VFIO) == 0)
        return TRUE;
    }
  return FALSE;
}

static int
probe (FakeWorld *world, FakeDriver *driver, FakeDevice *device)
{
  int errsv = injected (world, "probe", device->address, driver->name);

  if (errsv == 0 && strcmp (driver->name, VFIO) == 0)
    {
      /* vfio_pci_probe(): endpoints only; and not a PF whose VFs the host
       * may be using. */
      if (device->header_type != 0)
        errsv = EINVAL;
      else if (device->sriov_num > 0)
        errsv = EBUSY;
      else if (device->group < 0)
        errsv = EINVAL;
    }
  if (errsv != 0)
    {
      world_log (world, "probe %s by %s failed: %s", device->address, driver->name,
                 g_strerror (errsv));
      return errsv;
    }

  device->driver = g_strdup (driver->name);
  world_log (world, "bound %s to %s", device->address, driver->name);
  if (strcmp (driver->name, VFIO) == 0)
    {
      FakeNode *node = node_for (world, device->group);
      if (!node->exists)
        {
          /* devtmpfs makes a fresh node: root's, 0600. */
          node->exists = TRUE;
          node->uid = 0;
          node->gid = 0;
          node->mode = 0600;
          node->opens = 0;
          world_log (world, "vfio/%d appeared", device->group);
        }
    }
  return 0;
}

/* device_attach(): the first driver that matches and probes takes it. */
static void
attach (FakeWorld *world, FakeDevice *device)
{
  for (guint i = 0; i < world->drivers->len && device->driver == NULL; i++)
    {
      FakeDriver *driver = world->drivers->pdata[i];
      if (driver_matches (driver, device))
        probe (world, driver, device);
    }
  if (device->driver == NULL)
    world_log (world, "no driver took %s", device->address);
}

static int
detach (FakeWorld *world, FakeDevice *device)
{
  g_autofree char *was = device->driver;

  if (strcmp (was, VFIO) == 0)
    {
      FakeNode *node = node_for (world, device->group);
      gint64 deadline = g_get_monotonic_time () + UNBIND_WAIT_US;

      while (node->exists && node->opens > 0 &&
             g_cond_wait_until (&world->changed, &world->lock, deadline))
        ;
      if (node->exists && node->opens > 0)
        {
          world_log (world,
                     "VIOLATION: unbind of %s from vfio-pci while vfio/%d is open (the kernel "
                     "would block here)",
                     device->address, device->group);
          device->driver = g_steal_pointer (&was);
          return EBUSY;
        }
    }
  device->driver = NULL;
  world_log (world, "unbound %s from %s", device->address, was);
  if (strcmp (was, VFIO) == 0 && !group_on_vfio (world, device->group))
    {
      FakeNode *node = node_for (world, device->group);
      node->exists = FALSE;
      node->opens = 0;
      world_log (world, "vfio/%d disappeared", device->group);
    }
  return 0;
}

int
fake_world_write_override (FakeWorld *world, FakeDevice *device, const char *data, size_t size)
{
  int errsv = injected (world, "driver_override", device->address, NULL);
  g_autofree char *text = NULL;
  char *newline;

  if (errsv != 0)
    {
      world_log (world, "driver_override of %s failed (injected): %s", device->address,
                 g_strerror (errsv));
      return errsv;
    }
  /* sysfs never passes a zero-byte write on. */
  if (size == 0)
    return 0;
  if (size >= 4095)
    return EINVAL;
  text = g_strndup (data, size);
  newline = strchr (text, '\n');
  if (newline != NULL)
    *newline = '\0';
  g_free (device->override);
  device->override = text[0] != '\0' ? g_strdup (text) : NULL;
  world_log (world, "driver_override of %s = %s", device->address,
             device->override != NULL ? device->override : "(null)");
  return 0;
}

int
fake_world_write_bind (FakeWorld *world, FakeDriver *driver, const char *data, size_t size)
{
  g_autofree char *address = written_word (data, size);
  FakeDevice *device = fake_world_find_device (world, address);
  int errsv = injected (world, "bind", address, NULL);

  if (errsv != 0)
    {
      world_log (world, "bind %s to %s failed (injected): %s", address, driver->name,
                 g_strerror (errsv));
      return errsv;
    }
  if (device == NULL)
    return ENODEV;
  if (device->driver != NULL)
    return EBUSY;
  if (!driver_matches (driver, device))
    {
      world_log (world, "bind %s to %s: no match", address, driver->name);
      return ENODEV;
    }
  return probe (world, driver, device);
}

int
fake_world_write_unbind (FakeWorld *world, FakeDriver *driver, const char *data, size_t size)
{
  g_autofree char *address = written_word (data, size);
  FakeDevice *device = fake_world_find_device (world, address);
  int errsv = injected (world, "unbind", address, NULL);

  if (errsv != 0)
    {
      world_log (world, "unbind %s from %s failed (injected): %s", address, driver->name,
                 g_strerror (errsv));
      return errsv;
    }
  if (device == NULL || g_strcmp0 (device->driver, driver->name) != 0)
    return ENODEV;
  return detach (world, device);
}

int
fake_world_write_new_id (FakeWorld *world, FakeDriver *driver, const char *data, size_t size,
                         gboolean add)
{
  g_autofree char *text = written_word (data, size);
  g_auto (GStrv) words = g_strsplit (text, " ", -1);
  g_autofree char *id = NULL;
  guint64 vendor, device;

  if (g_strv_length (words) < 2 || !parse_hex (words[0], 0xffff, &vendor) ||
      !parse_hex (words[1], 0xffff, &device))
    return EINVAL;
  id = g_strdup_printf ("%04x:%04x", (guint) vendor, (guint) device);
  if (!add)
    {
      for (guint i = 0; i < driver->dynamic_ids->len; i++)
        if (strcmp (driver->dynamic_ids->pdata[i], id) == 0)
          {
            g_ptr_array_remove_index (driver->dynamic_ids, i);
            world_log (world, "%s: removed id %s", driver->name, id);
            return 0;
          }
      return ENODEV;
    }
  g_ptr_array_add (driver->dynamic_ids, g_strdup (id));
  world_log (world, "%s: new id %s", driver->name, id);
  /* new_id probes the unbound devices that match now. */
  for (guint i = 0; i < world->devices->len; i++)
    {
      FakeDevice *candidate = world->devices->pdata[i];
      if (candidate->driver == NULL && driver_matches (driver, candidate))
        probe (world, driver, candidate);
    }
  return 0;
}

int
fake_world_write_probe (FakeWorld *world, const char *data, size_t size)
{
  g_autofree char *address = written_word (data, size);
  FakeDevice *device = fake_world_find_device (world, address);
  int errsv = injected (world, "drivers_probe", address, NULL);

  if (errsv != 0)
    {
      world_log (world, "drivers_probe %s failed (injected): %s", address, g_strerror (errsv));
      return errsv;
    }
  if (device == NULL)
    return ENODEV;
  /* Succeeds whether or not a driver takes the device. */
  if (device->driver == NULL)
    attach (world, device);
  return 0;
}

/* ------------------------------------------------------------------ */
/* /dev/vfio/N */

int
fake_world_open_node (FakeWorld *world, int group)
{
  FakeNode *node = fake_world_find_node (world, group);
  gint64 deadline = g_get_monotonic_time () + OPEN_GRACE_US;

  if (node == NULL)
    return ENOENT;
  if (node->busy)
    {
      world_log (world, "open vfio/%d: busy (test switch)", group);
      return EBUSY;
    }
  while (node->exists && node->opens > 0 &&
         g_cond_wait_until (&world->changed, &world->lock, deadline))
    ;
  if (!node->exists)
    return ENOENT;
  if (node->opens > 0)
    {
      world_log (world, "open vfio/%d: busy (already open)", group);
      return EBUSY;
    }
  node->opens++;
  world_log (world, "opened vfio/%d", group);
  return 0;
}

void
fake_world_close_node (FakeWorld *world, int group)
{
  FakeNode *node = g_hash_table_lookup (world->nodes, GINT_TO_POINTER (group));

  if (node != NULL && node->opens > 0)
    {
      node->opens--;
      world_log (world, "closed vfio/%d", group);
    }
  g_cond_broadcast (&world->changed);
}

int
fake_world_chown_node (FakeWorld *world, int group, uid_t uid, gid_t gid)
{
  FakeNode *node = fake_world_find_node (world, group);

  if (node == NULL)
    return ENOENT;
  if (uid != (uid_t) -1)
    node->uid = uid;
  if (gid != (gid_t) -1)
    node->gid = gid;
  world_log (world, "vfio/%d owner %u:%u", group, (guint) node->uid, (guint) node->gid);
  return 0;
}

int
fake_world_chmod_node (FakeWorld *world, int group, mode_t mode)
{
  FakeNode *node = fake_world_find_node (world, group);

  if (node == NULL)
    return ENOENT;
  node->mode = mode & 07777;
  world_log (world, "vfio/%d mode %04o", group, (guint) node->mode);
  return 0;
}

/* ------------------------------------------------------------------ */
/* Control */

static int
control_one (FakeWorld *world, char **words)
{
  guint n = g_strv_length (words);
  guint64 number;

  if (n >= 3 && strcmp (words[0], "fail") == 0)
    {
      Failure *failure = g_new0 (Failure, 1);
      failure->step = g_strdup (words[1]);
      failure->address = g_strdup (words[2]);
      failure->errsv = n >= 4 ? atoi (words[3]) : EIO;
      g_ptr_array_add (world->failures, failure);
      world_log (world, "control: %s of %s will fail with %s", words[1], words[2],
                 g_strerror (failure->errsv));
      return 0;
    }
  if (n >= 3 && strcmp (words[0], "fail-probe") == 0)
    {
      Failure *failure = g_new0 (Failure, 1);
      failure->step = g_strdup ("probe");
      failure->driver = g_strdup (words[1]);
      failure->address = g_strdup (words[2]);
      failure->errsv = n >= 4 ? atoi (words[3]) : ENODEV;
      g_ptr_array_add (world->failures, failure);
      world_log (world, "control: %s will fail to probe %s", words[1], words[2]);
      return 0;
    }
  if (n == 1 && strcmp (words[0], "clear-failures") == 0)
    {
      g_ptr_array_set_size (world->failures, 0);
      world_log (world, "control: failures cleared");
      return 0;
    }
  if (n == 3 && strcmp (words[0], "busy") == 0 &&
      g_ascii_string_to_unsigned (words[1], 10, 0, 100000, &number, NULL))
    {
      node_for (world, (int) number)->busy = strcmp (words[2], "1") == 0;
      world_log (world, "control: vfio/%d busy=%s", (int) number, words[2]);
      return 0;
    }
  if (n == 2 && strcmp (words[0], "remove") == 0)
    {
      FakeDevice *device = fake_world_find_device (world, words[1]);
      if (device == NULL)
        return ENODEV;
      if (device->driver != NULL)
        {
          /* Hot-unplug: the driver lets go first. */
          FakeNode *node = node_for (world, device->group);
          int was_vfio = strcmp (device->driver, VFIO) == 0;
          g_clear_pointer (&device->driver, g_free);
          if (was_vfio && !group_on_vfio (world, device->group))
            node->exists = FALSE;
        }
      world_log (world, "control: removed %s", words[1]);
      g_ptr_array_remove (world->devices, device);
      return 0;
    }
  return EINVAL;
}

int
fake_world_write_control (FakeWorld *world, const char *data, size_t size)
{
  g_autofree char *text = g_strndup (data, size);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (gsize i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) words = NULL;
      int errsv;

      g_strstrip (lines[i]);
      if (lines[i][0] == '\0')
        continue;
      words = g_strsplit (lines[i], " ", -1);
      errsv = control_one (world, words);
      if (errsv != 0)
        return errsv;
    }
  return 0;
}
