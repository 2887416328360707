#include "fakepci-world-private.h"

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

void
fake_device_free (gpointer data)
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

void
fake_driver_free (gpointer data)
{
  FakeDriver *driver = data;

  g_free (driver->name);
  g_ptr_array_unref (driver->ids);
  g_ptr_array_unref (driver->dynamic_ids);
  g_free (driver);
}

void
fake_failure_free (gpointer data)
{
  FakeFailure *failure = data;

  g_free (failure->step);
  g_free (failure->address);
  g_free (failure->driver);
  g_free (failure);
}

void
fake_world_log_event (FakeWorld *world, const char *format, ...)
{
  va_list args;

  g_string_append_printf (world->log, "%u ", ++world->events);
  va_start (args, format);
  g_string_append_vprintf (world->log, format, args);
  va_end (args);
  g_string_append_c (world->log, '\n');
}

gboolean
fake_parse_hex (const char *text, guint64 max, guint64 *value)
{
  return g_ascii_string_to_unsigned (text, 16, 0, max, value, NULL);
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

FakeNode *
fake_world_node_for (FakeWorld *world, int group)
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
/* Kernel behaviour */

static int
injected (FakeWorld *world, const char *step, const char *address, const char *driver)
{
  for (guint i = 0; i < world->failures->len; i++)
    {
      const FakeFailure *failure = world->failures->pdata[i];
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
      fake_world_log_event (world, "probe %s by %s failed: %s", device->address, driver->name,
                            g_strerror (errsv));
      return errsv;
    }

  device->driver = g_strdup (driver->name);
  fake_world_log_event (world, "bound %s to %s", device->address, driver->name);
  if (strcmp (driver->name, VFIO) == 0)
    {
      FakeNode *node = fake_world_node_for (world, device->group);
      if (!node->exists)
        {
          /* devtmpfs makes a fresh node: root's, 0600. */
          node->exists = TRUE;
          node->uid = 0;
          node->gid = 0;
          node->mode = 0600;
          node->opens = 0;
          fake_world_log_event (world, "vfio/%d appeared", device->group);
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
    fake_world_log_event (world, "no driver took %s", device->address);
}

static int
detach (FakeWorld *world, FakeDevice *device)
{
  g_autofree char *was = device->driver;

  if (strcmp (was, VFIO) == 0)
    {
      FakeNode *node = fake_world_node_for (world, device->group);
      gint64 deadline = g_get_monotonic_time () + UNBIND_WAIT_US;

      while (node->exists && node->opens > 0 &&
             g_cond_wait_until (&world->changed, &world->lock, deadline))
        ;
      if (node->exists && node->opens > 0)
        {
          fake_world_log_event (
            world,
            "VIOLATION: unbind of %s from vfio-pci while vfio/%d is open (the kernel "
            "would block here)",
            device->address, device->group);
          device->driver = g_steal_pointer (&was);
          return EBUSY;
        }
    }
  device->driver = NULL;
  fake_world_log_event (world, "unbound %s from %s", device->address, was);
  if (strcmp (was, VFIO) == 0 && !group_on_vfio (world, device->group))
    {
      FakeNode *node = fake_world_node_for (world, device->group);
      node->exists = FALSE;
      node->opens = 0;
      fake_world_log_event (world, "vfio/%d disappeared", device->group);
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
      fake_world_log_event (world, "driver_override of %s failed (injected): %s", device->address,
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
  fake_world_log_event (world, "driver_override of %s = %s", device->address,
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
      fake_world_log_event (world, "bind %s to %s failed (injected): %s", address, driver->name,
                            g_strerror (errsv));
      return errsv;
    }
  if (device == NULL)
    return ENODEV;
  if (device->driver != NULL)
    return EBUSY;
  if (!driver_matches (driver, device))
    {
      fake_world_log_event (world, "bind %s to %s: no match", address, driver->name);
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
      fake_world_log_event (world, "unbind %s from %s failed (injected): %s", address, driver->name,
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

  if (g_strv_length (words) < 2 || !fake_parse_hex (words[0], 0xffff, &vendor) ||
      !fake_parse_hex (words[1], 0xffff, &device))
    return EINVAL;
  id = g_strdup_printf ("%04x:%04x", (guint) vendor, (guint) device);
  if (!add)
    {
      for (guint i = 0; i < driver->dynamic_ids->len; i++)
        if (strcmp (driver->dynamic_ids->pdata[i], id) == 0)
          {
            g_ptr_array_remove_index (driver->dynamic_ids, i);
            fake_world_log_event (world, "%s: removed id %s", driver->name, id);
            return 0;
          }
      return ENODEV;
    }
  g_ptr_array_add (driver->dynamic_ids, g_strdup (id));
  fake_world_log_event (world, "%s: new id %s", driver->name, id);
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
      fake_world_log_event (world, "drivers_probe %s failed (injected): %s", address,
                            g_strerror (errsv));
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
      fake_world_log_event (world, "open vfio/%d: busy (test switch)", group);
      return EBUSY;
    }
  while (node->exists && node->opens > 0 &&
         g_cond_wait_until (&world->changed, &world->lock, deadline))
    ;
  if (!node->exists)
    return ENOENT;
  if (node->opens > 0)
    {
      fake_world_log_event (world, "open vfio/%d: busy (already open)", group);
      return EBUSY;
    }
  node->opens++;
  fake_world_log_event (world, "opened vfio/%d", group);
  return 0;
}

void
fake_world_close_node (FakeWorld *world, int group)
{
  FakeNode *node = g_hash_table_lookup (world->nodes, GINT_TO_POINTER (group));

  if (node != NULL && node->opens > 0)
    {
      node->opens--;
      fake_world_log_event (world, "closed vfio/%d", group);
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
  fake_world_log_event (world, "vfio/%d owner %u:%u", group, (guint) node->uid, (guint) node->gid);
  return 0;
}

int
fake_world_chmod_node (FakeWorld *world, int group, mode_t mode)
{
  FakeNode *node = fake_world_find_node (world, group);

  if (node == NULL)
    return ENOENT;
  node->mode = mode & 07777;
  fake_world_log_event (world, "vfio/%d mode %04o", group, (guint) node->mode);
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
      FakeFailure *failure = g_new0 (FakeFailure, 1);
      failure->step = g_strdup (words[1]);
      failure->address = g_strdup (words[2]);
      failure->errsv = n >= 4 ? atoi (words[3]) : EIO;
      g_ptr_array_add (world->failures, failure);
      fake_world_log_event (world, "control: %s of %s will fail with %s", words[1], words[2],
                            g_strerror (failure->errsv));
      return 0;
    }
  if (n >= 3 && strcmp (words[0], "fail-probe") == 0)
    {
      FakeFailure *failure = g_new0 (FakeFailure, 1);
      failure->step = g_strdup ("probe");
      failure->driver = g_strdup (words[1]);
      failure->address = g_strdup (words[2]);
      failure->errsv = n >= 4 ? atoi (words[3]) : ENODEV;
      g_ptr_array_add (world->failures, failure);
      fake_world_log_event (world, "control: %s will fail to probe %s", words[1], words[2]);
      return 0;
    }
  if (n == 1 && strcmp (words[0], "clear-failures") == 0)
    {
      g_ptr_array_set_size (world->failures, 0);
      fake_world_log_event (world, "control: failures cleared");
      return 0;
    }
  if (n == 3 && strcmp (words[0], "busy") == 0 &&
      g_ascii_string_to_unsigned (words[1], 10, 0, 100000, &number, NULL))
    {
      fake_world_node_for (world, (int) number)->busy = strcmp (words[2], "1") == 0;
      fake_world_log_event (world, "control: vfio/%d busy=%s", (int) number, words[2]);
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
          FakeNode *node = fake_world_node_for (world, device->group);
          int was_vfio = strcmp (device->driver, VFIO) == 0;
          g_clear_pointer (&device->driver, g_free);
          if (was_vfio && !group_on_vfio (world, device->group))
            node->exists = FALSE;
        }
      fake_world_log_event (world, "control: removed %s", words[1]);
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
