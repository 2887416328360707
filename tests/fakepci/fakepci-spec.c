/* Reading the fake PCI world's spec (the format is described in
 * mh-fakepci.c). */
#include <errno.h>
#include <string.h>

#include "fakepci-world-private.h"

#define VFIO "vfio-pci"

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
      if (strcmp (key, "vendor") == 0 && fake_parse_hex (value, 0xffff, &v))
        device->vendor = (guint16) v;
      else if (strcmp (key, "device") == 0 && fake_parse_hex (value, 0xffff, &v))
        device->device = (guint16) v;
      else if (strcmp (key, "class") == 0 && fake_parse_hex (value, 0xffffff, &v))
        device->class_code = (guint32) v;
      else if (strcmp (key, "revision") == 0 && fake_parse_hex (value, 0xff, &v))
        device->revision = (guint8) v;
      else if (strcmp (key, "subsys") == 0 && strlen (value) == 9 && value[4] == ':')
        {
          value[4] = '\0';
          if (!fake_parse_hex (value, 0xffff, &v))
            return spec_error (error, line, "bad subsys");
          device->subvendor = (guint16) v;
          if (!fake_parse_hex (value + 5, 0xffff, &v))
            return spec_error (error, line, "bad subsys");
          device->subdevice = (guint16) v;
        }
      else if (strcmp (key, "header") == 0 && fake_parse_hex (value, 2, &v))
        device->header_type = (guint8) v;
      else if (strcmp (key, "multifunction") == 0 && fake_parse_hex (value, 1, &v))
        device->multifunction = v != 0;
      else if (strcmp (key, "group") == 0 &&
               g_ascii_string_to_unsigned (value, 10, 0, 100000, &v, NULL))
        device->group = (int) v;
      else if (strcmp (key, "driver") == 0)
        device->driver = g_strdup (value);
      else if (strcmp (key, "override") == 0)
        device->override = g_strdup (value);
      else if (strcmp (key, "boot_vga") == 0 && fake_parse_hex (value, 1, &v))
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
      else if (strcmp (key, "net_up") == 0 && fake_parse_hex (value, 1, &v))
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
  world->devices = g_ptr_array_new_with_free_func (fake_device_free);
  world->drivers = g_ptr_array_new_with_free_func (fake_driver_free);
  world->nodes = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  world->failures = g_ptr_array_new_with_free_func (fake_failure_free);
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
          FakeNode *node = fake_world_node_for (world, device->group);
          node->exists = TRUE;
          node->mode = 0600;
        }
    }
  fake_world_log_event (world, "world ready: %u devices, %u drivers", world->devices->len,
                        world->drivers->len);
  return world;
}
