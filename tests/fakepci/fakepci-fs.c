#include "fakepci-fs.h"

#include <errno.h>
#include <string.h>

#include "fakepci-paths.h"

static FakeWorld *
world_of_context (void)
{
  return fuse_get_context ()->private_data;
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
  node = fake_resolve (world, path);
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
  node = fake_resolve (world, path);
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
  node = fake_resolve (world, path);
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
  node = fake_resolve (world, path);
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
  node = fake_resolve (world, path);
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
  node = fake_resolve (world, path);
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
  node = fake_resolve (world, path);
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
  node = fake_resolve (world, path);
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
