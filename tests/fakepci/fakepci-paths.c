/* Paths of the fake PCI world: which node a path names, built on the fly
 * from the world's state, so links and directories change exactly when
 * the state does. */
#include "fakepci-paths.h"

#include <errno.h>
#include <string.h>

#define PCI_ROOT "pci0000:00"

void
fake_node_free (Node *node)
{
  if (node == NULL)
    return;
  g_free (node->target);
  if (node->entries != NULL)
    g_ptr_array_unref (node->entries);
  if (node->text != NULL)
    g_string_free (node->text, TRUE);
  g_free (node);
}

static Node *
dir_node (const char *first, ...)
{
  Node *node = g_new0 (Node, 1);
  va_list args;

  node->kind = NODE_DIR;
  node->mode = 0755;
  node->entries = g_ptr_array_new_with_free_func (g_free);
  va_start (args, first);
  for (const char *name = first; name != NULL; name = va_arg (args, const char *))
    g_ptr_array_add (node->entries, g_strdup (name));
  va_end (args);
  return node;
}

static Node *
link_node (char *target)
{
  Node *node = g_new0 (Node, 1);

  node->kind = NODE_LINK;
  node->mode = 0777;
  node->target = target;
  return node;
}

static Node *
file_node (FileKind kind, mode_t mode)
{
  Node *node = g_new0 (Node, 1);

  node->kind = NODE_FILE;
  node->file = kind;
  node->mode = mode;
  return node;
}

static Node *text_node (const char *format, ...) G_GNUC_PRINTF (1, 2);

static Node *
text_node (const char *format, ...)
{
  Node *node = file_node (FILE_TEXT, 0444);
  va_list args;

  node->text = g_string_new (NULL);
  va_start (args, format);
  g_string_append_vprintf (node->text, format, args);
  va_end (args);
  return node;
}

static const char *const device_attributes[] = {
  "vendor",   "device", "subsystem_vendor", "subsystem_device", "class",     "revision", "irq",
  "resource", "config", "driver_override",  "enable",           "numa_node", "modalias", NULL,
};

static Node *
device_attribute (FakeDevice *device, const char *name)
{
  Node *node = NULL;

  if (strcmp (name, "vendor") == 0)
    node = text_node ("0x%04x\n", device->vendor);
  else if (strcmp (name, "device") == 0)
    node = text_node ("0x%04x\n", device->device);
  else if (strcmp (name, "subsystem_vendor") == 0)
    node = text_node ("0x%04x\n", device->subvendor);
  else if (strcmp (name, "subsystem_device") == 0)
    node = text_node ("0x%04x\n", device->subdevice);
  else if (strcmp (name, "class") == 0)
    node = text_node ("0x%06x\n", device->class_code);
  else if (strcmp (name, "revision") == 0)
    node = text_node ("0x%02x\n", device->revision);
  else if (strcmp (name, "irq") == 0)
    node = text_node ("%d\n", device->irq);
  else if (strcmp (name, "enable") == 0)
    node = text_node ("1\n");
  else if (strcmp (name, "numa_node") == 0)
    node = text_node ("-1\n");
  else if (strcmp (name, "modalias") == 0)
    node =
      text_node ("pci:v0000%04Xd0000%04Xsv0000%04Xsd0000%04Xbc%02Xsc%02Xi%02X\n", device->vendor,
                 device->device, device->subvendor, device->subdevice, device->class_code >> 16,
                 (device->class_code >> 8) & 0xff, device->class_code & 0xff);
  else if (strcmp (name, "resource") == 0)
    {
      node = text_node ("%s", "");
      for (int i = 0; i < 13; i++)
        g_string_append (node->text, "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
    }
  else if (strcmp (name, "config") == 0)
    node = file_node (FILE_CONFIG, 0644);
  else if (strcmp (name, "driver_override") == 0)
    node = file_node (FILE_OVERRIDE, 0644);
  else if (strcmp (name, "boot_vga") == 0 && device->boot_vga >= 0)
    node = text_node ("%d\n", device->boot_vga);
  else if (strcmp (name, "sriov_totalvfs") == 0 && device->sriov_total >= 0)
    node = text_node ("%d\n", device->sriov_total);
  else if (strcmp (name, "sriov_numvfs") == 0 && device->sriov_total >= 0)
    node = text_node ("%d\n", device->sriov_num);
  if (node != NULL)
    node->device = device;
  return node;
}

/* The virtual functions of @device, in address order. */
static GPtrArray *
virtual_functions (FakeWorld *world, const FakeDevice *device)
{
  GPtrArray *vfs = g_ptr_array_new ();
  GPtrArray *devices = fake_world_devices (world);

  for (guint i = 0; i < devices->len; i++)
    {
      FakeDevice *candidate = devices->pdata[i];
      if (g_strcmp0 (candidate->physfn, device->address) == 0)
        g_ptr_array_add (vfs, candidate);
    }
  return vfs;
}

/* sys/devices/pci0000:00/ADDRESS[/...] */
static Node *
resolve_device_dir (FakeWorld *world, FakeDevice *device, char **rest)
{
  g_autoptr (GPtrArray) vfs = virtual_functions (world, device);

  if (rest[0] == NULL)
    {
      Node *node = dir_node (NULL);
      for (gsize i = 0; device_attributes[i] != NULL; i++)
        g_ptr_array_add (node->entries, g_strdup (device_attributes[i]));
      if (device->boot_vga >= 0)
        g_ptr_array_add (node->entries, g_strdup ("boot_vga"));
      if (device->sriov_total >= 0)
        {
          g_ptr_array_add (node->entries, g_strdup ("sriov_totalvfs"));
          g_ptr_array_add (node->entries, g_strdup ("sriov_numvfs"));
        }
      for (guint i = 0; i < vfs->len; i++)
        g_ptr_array_add (node->entries, g_strdup_printf ("virtfn%u", i));
      if (device->physfn != NULL)
        g_ptr_array_add (node->entries, g_strdup ("physfn"));
      if (device->driver != NULL)
        g_ptr_array_add (node->entries, g_strdup ("driver"));
      if (device->group >= 0)
        g_ptr_array_add (node->entries, g_strdup ("iommu_group"));
      if (device->net != NULL)
        g_ptr_array_add (node->entries, g_strdup ("net"));
      if (device->block != NULL)
        g_ptr_array_add (node->entries, g_strdup ("block"));
      return node;
    }

  if (rest[1] == NULL)
    {
      if (strcmp (rest[0], "driver") == 0 && device->driver != NULL)
        return link_node (g_strdup_printf ("../../../bus/pci/drivers/%s", device->driver));
      if (strcmp (rest[0], "iommu_group") == 0 && device->group >= 0)
        return link_node (g_strdup_printf ("../../../kernel/iommu_groups/%d", device->group));
      if (strcmp (rest[0], "physfn") == 0 && device->physfn != NULL)
        return link_node (g_strdup_printf ("../%s", device->physfn));
      if (g_str_has_prefix (rest[0], "virtfn"))
        {
          guint64 n;
          if (g_ascii_string_to_unsigned (rest[0] + 6, 10, 0, G_MAXUINT, &n, NULL) && n < vfs->len)
            return link_node (g_strdup_printf ("../%s", ((FakeDevice *) vfs->pdata[n])->address));
          return NULL;
        }
      if (strcmp (rest[0], "net") == 0 && device->net != NULL)
        return dir_node (device->net, NULL);
      if (strcmp (rest[0], "block") == 0 && device->block != NULL)
        return dir_node (device->block, NULL);
      return device_attribute (device, rest[0]);
    }

  if (strcmp (rest[0], "net") == 0 && g_strcmp0 (rest[1], device->net) == 0)
    {
      if (rest[2] == NULL)
        return dir_node ("operstate", "flags", NULL);
      if (rest[3] != NULL)
        return NULL;
      if (strcmp (rest[2], "operstate") == 0)
        return text_node ("%s\n", device->net_up ? "up" : "down");
      if (strcmp (rest[2], "flags") == 0)
        return text_node ("0x%x\n", device->net_up ? 0x1003 : 0x1002);
      return NULL;
    }
  if (strcmp (rest[0], "block") == 0 && g_strcmp0 (rest[1], device->block) == 0)
    {
      if (rest[2] == NULL)
        return dir_node ("dev", NULL);
      if (rest[3] == NULL && strcmp (rest[2], "dev") == 0)
        return text_node ("%s\n", device->block_dev);
      return NULL;
    }
  return NULL;
}

static Node *
resolve_driver_dir (FakeWorld *world, FakeDriver *driver, char **rest)
{
  static const struct {
    const char *name;
    FileKind kind;
  } files[] = {
    { "bind", FILE_BIND },
    { "unbind", FILE_UNBIND },
    { "new_id", FILE_NEW_ID },
    { "remove_id", FILE_REMOVE_ID },
  };
  GPtrArray *devices = fake_world_devices (world);

  if (rest[0] == NULL)
    {
      Node *node = dir_node ("bind", "unbind", "new_id", "remove_id", NULL);
      for (guint i = 0; i < devices->len; i++)
        {
          const FakeDevice *device = devices->pdata[i];
          if (g_strcmp0 (device->driver, driver->name) == 0)
            g_ptr_array_add (node->entries, g_strdup (device->address));
        }
      return node;
    }
  if (rest[1] != NULL)
    return NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    if (strcmp (rest[0], files[i].name) == 0)
      {
        Node *node = file_node (files[i].kind, 0200);
        node->driver = driver;
        return node;
      }
  {
    FakeDevice *device = fake_world_find_device (world, rest[0]);
    if (device != NULL && g_strcmp0 (device->driver, driver->name) == 0)
      return link_node (g_strdup_printf ("../../../../devices/" PCI_ROOT "/%s", device->address));
  }
  return NULL;
}

static Node *
resolve_sys (FakeWorld *world, char **p)
{
  GPtrArray *devices = fake_world_devices (world);
  GPtrArray *drivers = fake_world_drivers (world);

  if (p[0] == NULL)
    return dir_node ("bus", "devices", "kernel", "class", NULL);

  if (strcmp (p[0], "bus") == 0)
    {
      if (p[1] == NULL)
        return dir_node ("pci", NULL);
      if (strcmp (p[1], "pci") != 0)
        return NULL;
      if (p[2] == NULL)
        return dir_node ("devices", "drivers", "drivers_probe", NULL);
      if (strcmp (p[2], "drivers_probe") == 0 && p[3] == NULL)
        return file_node (FILE_PROBE, 0200);
      if (strcmp (p[2], "devices") == 0)
        {
          if (p[3] == NULL)
            {
              Node *node = dir_node (NULL);
              for (guint i = 0; i < devices->len; i++)
                g_ptr_array_add (node->entries,
                                 g_strdup (((FakeDevice *) devices->pdata[i])->address));
              return node;
            }
          if (p[4] == NULL && fake_world_find_device (world, p[3]) != NULL)
            return link_node (g_strdup_printf ("../../../devices/" PCI_ROOT "/%s", p[3]));
          return NULL;
        }
      if (strcmp (p[2], "drivers") == 0)
        {
          FakeDriver *driver;
          if (p[3] == NULL)
            {
              Node *node = dir_node (NULL);
              for (guint i = 0; i < drivers->len; i++)
                g_ptr_array_add (node->entries,
                                 g_strdup (((FakeDriver *) drivers->pdata[i])->name));
              return node;
            }
          driver = fake_world_find_driver (world, p[3]);
          return driver != NULL ? resolve_driver_dir (world, driver, p + 4) : NULL;
        }
      return NULL;
    }

  if (strcmp (p[0], "devices") == 0)
    {
      FakeDevice *device;
      if (p[1] == NULL)
        return dir_node (PCI_ROOT, NULL);
      if (strcmp (p[1], PCI_ROOT) != 0)
        return NULL;
      if (p[2] == NULL)
        {
          Node *node = dir_node (NULL);
          for (guint i = 0; i < devices->len; i++)
            g_ptr_array_add (node->entries, g_strdup (((FakeDevice *) devices->pdata[i])->address));
          return node;
        }
      device = fake_world_find_device (world, p[2]);
      return device != NULL ? resolve_device_dir (world, device, p + 3) : NULL;
    }

  if (strcmp (p[0], "kernel") == 0)
    {
      g_autoptr (GArray) groups = fake_world_groups (world);
      guint64 group;
      gboolean known = FALSE;

      if (p[1] == NULL)
        return dir_node ("iommu_groups", NULL);
      if (strcmp (p[1], "iommu_groups") != 0)
        return NULL;
      if (p[2] == NULL)
        {
          Node *node = dir_node (NULL);
          for (guint i = 0; i < groups->len; i++)
            g_ptr_array_add (node->entries, g_strdup_printf ("%d", g_array_index (groups, int, i)));
          return node;
        }
      if (!g_ascii_string_to_unsigned (p[2], 10, 0, G_MAXINT, &group, NULL))
        return NULL;
      for (guint i = 0; i < groups->len; i++)
        known |= g_array_index (groups, int, i) == (int) group;
      if (!known)
        return NULL;
      if (p[3] == NULL)
        return dir_node ("devices", NULL);
      if (strcmp (p[3], "devices") != 0)
        return NULL;
      if (p[4] == NULL)
        {
          Node *node = dir_node (NULL);
          for (guint i = 0; i < devices->len; i++)
            {
              const FakeDevice *device = devices->pdata[i];
              if (device->group == (int) group)
                g_ptr_array_add (node->entries, g_strdup (device->address));
            }
          return node;
        }
      if (p[5] == NULL)
        {
          FakeDevice *device = fake_world_find_device (world, p[4]);
          if (device != NULL && device->group == (int) group)
            return link_node (g_strdup_printf ("../../../../devices/" PCI_ROOT "/%s", p[4]));
        }
      return NULL;
    }

  if (strcmp (p[0], "class") == 0)
    {
      gboolean net;
      if (p[1] == NULL)
        return dir_node ("net", "block", NULL);
      if (strcmp (p[1], "net") != 0 && strcmp (p[1], "block") != 0)
        return NULL;
      net = strcmp (p[1], "net") == 0;
      if (p[2] == NULL)
        {
          Node *node = dir_node (NULL);
          for (guint i = 0; i < devices->len; i++)
            {
              const FakeDevice *device = devices->pdata[i];
              const char *name = net ? device->net : device->block;
              if (name != NULL)
                g_ptr_array_add (node->entries, g_strdup (name));
            }
          return node;
        }
      if (p[3] != NULL)
        return NULL;
      for (guint i = 0; i < devices->len; i++)
        {
          const FakeDevice *device = devices->pdata[i];
          const char *name = net ? device->net : device->block;
          if (g_strcmp0 (name, p[2]) == 0)
            return link_node (
              g_strdup_printf ("../../devices/" PCI_ROOT "/%s/%s/%s", device->address, p[1], name));
        }
      return NULL;
    }
  return NULL;
}

static Node *
resolve_dev (FakeWorld *world, char **p)
{
  if (p[0] == NULL)
    return dir_node ("vfio", NULL);
  if (strcmp (p[0], "vfio") != 0)
    return NULL;
  if (p[1] == NULL)
    {
      g_autoptr (GArray) groups = fake_world_groups (world);
      Node *node = dir_node ("vfio", NULL);
      for (guint i = 0; i < groups->len; i++)
        {
          int group = g_array_index (groups, int, i);
          if (fake_world_find_node (world, group) != NULL)
            g_ptr_array_add (node->entries, g_strdup_printf ("%d", group));
        }
      return node;
    }
  if (p[2] != NULL)
    return NULL;
  if (strcmp (p[1], "vfio") == 0)
    return file_node (FILE_VFIO_CONTAINER, 0666);
  {
    guint64 group;
    FakeNode *fake;
    Node *node;

    if (!g_ascii_string_to_unsigned (p[1], 10, 0, G_MAXINT, &group, NULL))
      return NULL;
    fake = fake_world_find_node (world, (int) group);
    if (fake == NULL)
      return NULL;
    node = file_node (FILE_VFIO_GROUP, fake->mode);
    node->uid = fake->uid;
    node->gid = fake->gid;
    node->group = (int) group;
    return node;
  }
}

Node *
fake_resolve (FakeWorld *world, const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path + 1, "/", -1);
  char **p = parts;

  if (path[1] == '\0')
    return dir_node ("sys", "dev", "control", "log", NULL);
  if (strcmp (p[0], "sys") == 0)
    return resolve_sys (world, p + 1);
  if (strcmp (p[0], "dev") == 0)
    return resolve_dev (world, p + 1);
  if (p[1] == NULL && strcmp (p[0], "control") == 0)
    return file_node (FILE_CONTROL, 0600);
  if (p[1] == NULL && strcmp (p[0], "log") == 0)
    return file_node (FILE_LOG, 0400);
  return NULL;
}
