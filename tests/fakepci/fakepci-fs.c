#include "fakepci-fs.h"

#include <errno.h>
#include <string.h>

#define PCI_ROOT "pci0000:00"

typedef enum {
  NODE_DIR,
  NODE_LINK,
  NODE_FILE,
} NodeKind;

typedef enum {
  FILE_TEXT,     /* read-only attribute: content fixed at lookup */
  FILE_CONFIG,   /* binary config space */
  FILE_OVERRIDE, /* driver_override */
  FILE_BIND,
  FILE_UNBIND,
  FILE_NEW_ID,
  FILE_REMOVE_ID,
  FILE_PROBE,
  FILE_CONTROL,
  FILE_LOG,
  FILE_VFIO_GROUP,
  FILE_VFIO_CONTAINER,
} FileKind;

typedef struct {
  NodeKind kind;
  FileKind file;
  mode_t mode;
  uid_t uid;
  gid_t gid;
  char *target;       /* NODE_LINK */
  GPtrArray *entries; /* NODE_DIR */
  GString *text;      /* FILE_TEXT */
  FakeDevice *device;
  FakeDriver *driver;
  int group;
} Node;

static void
node_free (Node *node)
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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Node, node_free)

static FakeWorld *
world_of_context (void)
{
  return fuse_get_context ()->private_data;
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

/* Called with the world locked. */
static Node *
resolve (FakeWorld *world, const char *path)
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

/* ------------------------------------------------------------------ */
/* FUSE operations */

static void *
fs_init (struct fuse_conn_info *conn, struct fuse_config *cfg)
{
  /* Nothing may be cached: links and contents change under the kernel's
   * feet, exactly as in sysfs. */
  cfg->entry_timeout = 0;
  cfg->attr_timeout = 0;
  cfg->negative_timeout = 0;
  cfg->direct_io = 1;
  return fuse_get_context ()->private_data;
}

static int
fs_getattr (const char *path, struct stat *st, struct fuse_file_info *fi)
{
  FakeWorld *world = world_of_context ();
  g_autoptr (Node) node = NULL;

  fake_world_lock (world);
  node = resolve (world, path);
  memset (st, 0, sizeof *st);
  if (node != NULL)
    {
      st->st_uid = node->uid;
      st->st_gid = node->gid;
      switch (node->kind)
        {
        case NODE_DIR:
          st->st_mode = S_IFDIR | node->mode;
          st->st_nlink = 2;
          break;
        case NODE_LINK:
          st->st_mode = S_IFLNK | 0777;
          st->st_nlink = 1;
          st->st_size = (off_t) strlen (node->target);
          break;
        case NODE_FILE:
        default:
          st->st_mode = S_IFREG | node->mode;
          st->st_nlink = 1;
          st->st_size = node->file == FILE_CONFIG ? 256
                        : node->file == FILE_LOG  ? (off_t) strlen (fake_world_log (world))
                        : node->file == FILE_VFIO_GROUP || node->file == FILE_VFIO_CONTAINER ? 0
                                                                                             : 4096;
          break;
        }
    }
  fake_world_unlock (world);
  return node != NULL ? 0 : -ENOENT;
}

static int
fs_readlink (const char *path, char *buf, size_t size)
{
  FakeWorld *world = world_of_context ();
  g_autoptr (Node) node = NULL;

  fake_world_lock (world);
  node = resolve (world, path);
  fake_world_unlock (world);
  if (node == NULL)
    return -ENOENT;
  if (node->kind != NODE_LINK)
    return -EINVAL;
  g_strlcpy (buf, node->target, size);
  return 0;
}

static int
fs_readdir (const char *path, void *buf, fuse_fill_dir_t filler, off_t offset,
            struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
  FakeWorld *world = world_of_context ();
  g_autoptr (Node) node = NULL;

  fake_world_lock (world);
  node = resolve (world, path);
  fake_world_unlock (world);
  if (node == NULL)
    return -ENOENT;
  if (node->kind != NODE_DIR)
    return -ENOTDIR;
  filler (buf, ".", NULL, 0, 0);
  filler (buf, "..", NULL, 0, 0);
  for (guint i = 0; i < node->entries->len; i++)
    filler (buf, node->entries->pdata[i], NULL, 0, 0);
  return 0;
}

static int
fs_open (const char *path, struct fuse_file_info *fi)
{
  FakeWorld *world = world_of_context ();
  g_autoptr (Node) node = NULL;
  int errsv = 0;

  fake_world_lock (world);
  node = resolve (world, path);
  if (node == NULL)
    errsv = ENOENT;
  else if (node->kind != NODE_FILE)
    errsv = EISDIR;
  else if (node->file == FILE_VFIO_GROUP)
    {
      errsv = fake_world_open_node (world, node->group);
      if (errsv == 0)
        fi->fh = (uint64_t) node->group + 1;
    }
  fake_world_unlock (world);
  fi->direct_io = 1;
  return -errsv;
}

static int
fs_release (const char *path, struct fuse_file_info *fi)
{
  FakeWorld *world = world_of_context ();

  if (fi->fh != 0)
    {
      fake_world_lock (world);
      fake_world_close_node (world, (int) (fi->fh - 1));
      fake_world_unlock (world);
    }
  return 0;
}

static int
copy_out (const char *data, size_t length, char *buf, size_t size, off_t offset)
{
  if (offset < 0 || (size_t) offset >= length)
    return 0;
  if (size > length - (size_t) offset)
    size = length - (size_t) offset;
  memcpy (buf, data + offset, size);
  return (int) size;
}

static int
fs_read (const char *path, char *buf, size_t size, off_t offset, struct fuse_file_info *fi)
{
  FakeWorld *world = world_of_context ();
  g_autoptr (Node) node = NULL;
  int result = 0;

  fake_world_lock (world);
  node = resolve (world, path);
  if (node == NULL)
    result = -ENOENT;
  else
    switch (node->file)
      {
      case FILE_TEXT:
        result = copy_out (node->text->str, node->text->len, buf, size, offset);
        break;
      case FILE_CONFIG:
        {
          g_autofree guint8 *config = fake_world_config_space (node->device);
          result = copy_out ((const char *) config, 256, buf, size, offset);
        }
        break;
      case FILE_OVERRIDE:
        {
          g_autofree char *text = g_strdup_printf (
            "%s\n", node->device->override != NULL ? node->device->override : "(null)");
          result = copy_out (text, strlen (text), buf, size, offset);
        }
        break;
      case FILE_LOG:
        {
          const char *log = fake_world_log (world);
          result = copy_out (log, strlen (log), buf, size, offset);
        }
        break;
      case FILE_CONTROL:
        {
          static const char help[] =
            "fail driver_override|bind|unbind|drivers_probe ADDRESS [ERRNO]\n"
            "fail-probe DRIVER ADDRESS [ERRNO]\nclear-failures\nbusy GROUP 0|1\n"
            "remove ADDRESS\n";
          result = copy_out (help, strlen (help), buf, size, offset);
        }
        break;
      case FILE_BIND:
      case FILE_UNBIND:
      case FILE_NEW_ID:
      case FILE_REMOVE_ID:
      case FILE_PROBE:
        result = -EACCES;
        break;
      case FILE_VFIO_GROUP:
      case FILE_VFIO_CONTAINER:
      default:
        result = 0;
        break;
      }
  fake_world_unlock (world);
  return result;
}

static int
fs_write (const char *path, const char *buf, size_t size, off_t offset, struct fuse_file_info *fi)
{
  FakeWorld *world = world_of_context ();
  g_autoptr (Node) node = NULL;
  int errsv = 0;

  fake_world_lock (world);
  node = resolve (world, path);
  if (node == NULL)
    errsv = ENOENT;
  else
    switch (node->file)
      {
      case FILE_OVERRIDE:
        errsv = fake_world_write_override (world, node->device, buf, size);
        break;
      case FILE_BIND:
        errsv = fake_world_write_bind (world, node->driver, buf, size);
        break;
      case FILE_UNBIND:
        errsv = fake_world_write_unbind (world, node->driver, buf, size);
        break;
      case FILE_NEW_ID:
      case FILE_REMOVE_ID:
        errsv = fake_world_write_new_id (world, node->driver, buf, size, node->file == FILE_NEW_ID);
        break;
      case FILE_PROBE:
        errsv = fake_world_write_probe (world, buf, size);
        break;
      case FILE_CONTROL:
        errsv = fake_world_write_control (world, buf, size);
        break;
      case FILE_VFIO_GROUP:
      case FILE_VFIO_CONTAINER:
        errsv = EINVAL;
        break;
      case FILE_TEXT:
      case FILE_CONFIG:
      case FILE_LOG:
      default:
        errsv = EACCES;
        break;
      }
  fake_world_unlock (world);
  return errsv != 0 ? -errsv : (int) size;
}

/* `echo x > attribute` opens with O_TRUNC; sysfs ignores that. */
static int
fs_truncate (const char *path, off_t size, struct fuse_file_info *fi)
{
  return 0;
}

static int
fs_chown (const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
  FakeWorld *world = world_of_context ();
  g_autoptr (Node) node = NULL;
  int errsv;

  fake_world_lock (world);
  node = resolve (world, path);
  if (node == NULL)
    errsv = ENOENT;
  else if (node->kind == NODE_FILE && node->file == FILE_VFIO_GROUP)
    errsv = fake_world_chown_node (world, node->group, uid, gid);
  else
    errsv = EPERM;
  fake_world_unlock (world);
  return -errsv;
}

static int
fs_chmod (const char *path, mode_t mode, struct fuse_file_info *fi)
{
  FakeWorld *world = world_of_context ();
  g_autoptr (Node) node = NULL;
  int errsv;

  fake_world_lock (world);
  node = resolve (world, path);
  if (node == NULL)
    errsv = ENOENT;
  else if (node->kind == NODE_FILE && node->file == FILE_VFIO_GROUP)
    errsv = fake_world_chmod_node (world, node->group, mode);
  else
    errsv = EPERM;
  fake_world_unlock (world);
  return -errsv;
}

static int
fs_utimens (const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
  return 0;
}

const struct fuse_operations fake_fs_operations = {
  .init = fs_init,
  .getattr = fs_getattr,
  .readlink = fs_readlink,
  .readdir = fs_readdir,
  .open = fs_open,
  .release = fs_release,
  .read = fs_read,
  .write = fs_write,
  .truncate = fs_truncate,
  .chown = fs_chown,
  .chmod = fs_chmod,
  .utimens = fs_utimens,
};
