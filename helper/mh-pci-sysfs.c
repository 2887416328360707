#include "mh-pci-sysfs.h"

#include <errno.h>
#include <linux/if.h>
#include <pci/pci.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mh-error.h"
#include "mh-pci-address.h"
#include "mh-syscall.h"

struct _MhPciSysfs {
  char *sysfs_root;
  char *dev_root;
  char *bus_pci; /* <sysfs>/bus/pci, libpci's sysfs.path */
};

MhPciSysfs *
mh_pci_sysfs_new (const char *sysfs_root, const char *dev_root)
{
  MhPciSysfs *sysfs = g_new0 (MhPciSysfs, 1);

  sysfs->sysfs_root = g_strdup (sysfs_root);
  sysfs->dev_root = g_strdup (dev_root);
  sysfs->bus_pci = g_build_filename (sysfs_root, "bus", "pci", NULL);
  return sysfs;
}

void
mh_pci_sysfs_free (MhPciSysfs *sysfs)
{
  if (sysfs == NULL)
    return;
  g_free (sysfs->sysfs_root);
  g_free (sysfs->dev_root);
  g_free (sysfs->bus_pci);
  g_free (sysfs);
}

char *
mh_pci_sysfs_device_path (const MhPciSysfs *sysfs, const char *address, const char *attribute)
{
  return g_build_filename (sysfs->bus_pci, "devices", address, attribute, NULL);
}

char *
mh_pci_sysfs_driver_path (const MhPciSysfs *sysfs, const char *driver, const char *file)
{
  return g_build_filename (sysfs->bus_pci, "drivers", driver, file, NULL);
}

char *
mh_pci_sysfs_probe_path (const MhPciSysfs *sysfs)
{
  return g_build_filename (sysfs->bus_pci, "drivers_probe", NULL);
}

char *
mh_pci_sysfs_vfio_node (const MhPciSysfs *sysfs, guint group)
{
  g_autofree char *name = g_strdup_printf ("%u", group);

  return g_build_filename (sysfs->dev_root, "vfio", name, NULL);
}

gboolean
mh_pci_sysfs_device_exists (const MhPciSysfs *sysfs, const char *address)
{
  g_autofree char *path = mh_pci_sysfs_device_path (sysfs, address, NULL);
  struct stat st;

  return mh_stat (path, &st, NULL) && S_ISDIR (st.st_mode);
}

gboolean
mh_pci_sysfs_driver_loaded (const MhPciSysfs *sysfs, const char *driver)
{
  g_autofree char *path = mh_pci_sysfs_driver_path (sysfs, driver, NULL);
  struct stat st;

  return mh_stat (path, &st, NULL) && S_ISDIR (st.st_mode);
}

char *
mh_pci_sysfs_read_driver (const MhPciSysfs *sysfs, const char *address, GError **error)
{
  g_autofree char *link = mh_pci_sysfs_device_path (sysfs, address, "driver");
  g_autoptr (GError) local_error = NULL;
  g_autofree char *target = mh_readlink (link, &local_error);

  if (target != NULL)
    return g_path_get_basename (target);
  if (!g_error_matches (local_error, MH_ERRNO_ERROR, ENOENT))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!mh_pci_sysfs_device_exists (sysfs, address))
    {
      mh_set_errno_error (error, ENODEV, "PCI device %s", address);
      return NULL;
    }
  return g_strdup ("");
}

/* ------------------------------------------------------------------ */
/* libpci
 *
 * libpci reports errors through a callback that must not return (the
 * default one exits the process).  Ours jumps back to the guarded call
 * that is running on this thread; the guarded functions below hold no
 * automatic cleanups, so nothing is skipped by the jump but libpci's own
 * state, which is thrown away right after. */

static __thread jmp_buf *libpci_guard;
static __thread char libpci_message[256];

static void on_libpci_error (char *format, ...) G_GNUC_PRINTF (1, 2) G_GNUC_NORETURN;

static void
on_libpci_error (char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_vsnprintf (libpci_message, sizeof libpci_message, format, args);
  va_end (args);
  if (libpci_guard != NULL)
    longjmp (*libpci_guard, 1);
  g_error ("libpci failed outside a guarded call: %s", libpci_message);
  abort ();
}

static void on_libpci_warning (char *format, ...) G_GNUC_PRINTF (1, 2);

static void
on_libpci_warning (char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_debug ("libpci: %s", message);
}

static void on_libpci_debug (char *format, ...) G_GNUC_PRINTF (1, 2);

static void
on_libpci_debug (char *format, ...)
{
}

static void
libpci_set_callbacks (struct pci_access *access)
{
  access->error = on_libpci_error;
  access->warning = on_libpci_warning;
  access->debug = on_libpci_debug;
}

typedef struct {
  guint16 vendor;
  guint16 device;
  guint32 class_code;
  int header_type;
  gboolean has_group;
  char group[32];
  char driver[128];
} LibpciFacts;

static gboolean
libpci_read (const char *bus_pci, guint domain, guint bus, guint dev, guint func,
             LibpciFacts *facts, char **message)
{
  struct pci_access *volatile access = NULL;
  struct pci_dev *volatile device = NULL;
  jmp_buf *volatile saved = libpci_guard;
  volatile gboolean ok = FALSE;
  jmp_buf env;

  if (setjmp (env) == 0)
    {
      struct pci_dev *d;
      const char *text;
      u8 header;

      libpci_guard = &env;
      access = pci_alloc ();
      libpci_set_callbacks (access);
      access->method = PCI_ACCESS_SYS_BUS_PCI;
      if (pci_set_param (access, (char *) "sysfs.path", (char *) bus_pci) != 0)
        on_libpci_error ("this libpci has no sysfs.path parameter");
      pci_init (access);
      d = device = pci_get_dev (access, (int) domain, (int) bus, (int) dev, (int) func);
      pci_fill_info (d, PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_CLASS_EXT |
                          PCI_FILL_IOMMU_GROUP | PCI_FILL_DRIVER);
      facts->vendor = d->vendor_id;
      facts->device = d->device_id;
      facts->class_code = ((guint32) d->device_class << 8) | d->prog_if;
      facts->header_type = pci_read_block (d, PCI_HEADER_TYPE, &header, 1) ? header & 0x7f : -1;
      text = pci_get_string_property (d, PCI_FILL_IOMMU_GROUP);
      facts->has_group = text != NULL;
      g_strlcpy (facts->group, text != NULL ? text : "", sizeof facts->group);
      text = pci_get_string_property (d, PCI_FILL_DRIVER);
      g_strlcpy (facts->driver, text != NULL ? text : "", sizeof facts->driver);
      ok = TRUE;
    }
  else
    *message = g_strdup (libpci_message);

  libpci_guard = saved;
  if (device != NULL)
    pci_free_dev (device);
  if (access != NULL)
    pci_cleanup (access);
  return ok;
}

/* pci.ids is parsed once and kept; lookups from several workers take
 * turns. */
static GMutex names_lock;
static struct pci_access *names_access;

static char *
lookup_name (guint16 vendor, guint16 device)
{
  jmp_buf *volatile saved;
  char *volatile found = NULL;
  jmp_buf env;

  g_mutex_lock (&names_lock);
  saved = libpci_guard;
  if (setjmp (env) == 0)
    {
      char buf[256];
      const char *name;

      libpci_guard = &env;
      if (names_access == NULL)
        {
          names_access = pci_alloc ();
          libpci_set_callbacks (names_access);
        }
      name = pci_lookup_name (names_access, buf, sizeof buf,
                              PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS |
                                PCI_LOOKUP_NO_HWDB,
                              vendor, device);
      if (name != NULL)
        found = g_strdup (name);
    }
  libpci_guard = saved;
  g_mutex_unlock (&names_lock);

  if (found == NULL)
    return g_strdup_printf ("%04x:%04x", vendor, device);
  return found;
}

/* ------------------------------------------------------------------ */

void
mh_pci_device_free (MhPciDevice *device)
{
  if (device == NULL)
    return;
  g_free (device->address);
  g_free (device->driver);
  g_free (device->driver_override);
  g_free (device->name);
  g_free (device);
}

gboolean
mh_pci_device_is_bridge (const MhPciDevice *device)
{
  return device->header_type != 0 || (device->class_code >> 16) == 0x06;
}

char *
mh_pci_device_class_text (const MhPciDevice *device)
{
  return g_strdup_printf ("0x%06x", device->class_code);
}

/* An optional numeric attribute: missing means @fallback. */
static gboolean
read_optional_number (const char *path, gint64 fallback, gint64 *value, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (mh_read_attribute_int64 (path, value, &local_error))
    return TRUE;
  if (g_error_matches (local_error, MH_ERRNO_ERROR, ENOENT))
    {
      *value = fallback;
      return TRUE;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

MhPciDevice *
mh_pci_sysfs_read_device (const MhPciSysfs *sysfs, const char *address, gboolean want_name,
                          GError **error)
{
  g_autoptr (MhPciDevice) device = g_new0 (MhPciDevice, 1);
  g_autofree char *message = NULL;
  g_autofree char *override_path = NULL;
  g_autofree char *boot_vga_path = NULL;
  g_autofree char *numvfs_path = NULL;
  g_autofree char *override = NULL;
  guint domain, bus, dev, func;
  LibpciFacts facts = { 0 };
  gint64 number;

  g_return_val_if_fail (mh_pci_address_is_canonical (address), NULL);

  if (!mh_pci_sysfs_device_exists (sysfs, address))
    {
      g_set_error (error, MH_ERROR, MH_ERROR_NOT_FOUND,
                   "there is no PCI device %s on this machine (lspci -D lists them)", address);
      return NULL;
    }

  sscanf (address, "%x:%x:%x.%x", &domain, &bus, &dev, &func);
  if (!libpci_read (sysfs->bus_pci, domain, bus, dev, func, &facts, &message))
    {
      g_set_error (error, MH_ERROR, MH_ERROR_FAILED, "cannot read PCI device %s: %s", address,
                   message);
      return NULL;
    }

  device->address = g_strdup (address);
  device->vendor = facts.vendor;
  device->device = facts.device;
  device->class_code = facts.class_code;
  device->header_type = facts.header_type;
  device->driver = g_strdup (facts.driver);
  device->iommu_group = -1;
  if (facts.has_group)
    {
      guint64 group;
      if (!g_ascii_string_to_unsigned (facts.group, 10, 0, G_MAXINT, &group, NULL))
        {
          g_set_error (error, MH_ERROR, MH_ERROR_FAILED,
                       "PCI device %s: its IOMMU group \"%s\" is not a number", address,
                       facts.group);
          return NULL;
        }
      device->iommu_group = (gint64) group;
    }

  override_path = mh_pci_sysfs_device_path (sysfs, address, "driver_override");
  if (!mh_read_attribute (override_path, &override, error))
    return NULL;
  device->driver_override = g_strdup (strcmp (override, "(null)") == 0 ? "" : override);

  /* Only display devices have boot_vga, only SR-IOV capable ones
   * sriov_numvfs. */
  boot_vga_path = mh_pci_sysfs_device_path (sysfs, address, "boot_vga");
  if (!read_optional_number (boot_vga_path, 0, &number, error))
    return NULL;
  device->boot_vga = number != 0;
  numvfs_path = mh_pci_sysfs_device_path (sysfs, address, "sriov_numvfs");
  if (!read_optional_number (numvfs_path, 0, &number, error))
    return NULL;
  device->sriov_numvfs = (guint) CLAMP (number, 0, G_MAXUINT);

  if (want_name)
    device->name = lookup_name (device->vendor, device->device);
  return g_steal_pointer (&device);
}

GPtrArray *
mh_pci_sysfs_group_members (const MhPciSysfs *sysfs, guint group, GError **error)
{
  g_autofree char *name = g_strdup_printf ("%u", group);
  g_autofree char *path =
    g_build_filename (sysfs->sysfs_root, "kernel", "iommu_groups", name, "devices", NULL);
  g_autoptr (GPtrArray) entries = mh_list_dir (path, error);
  g_autoptr (GPtrArray) members = g_ptr_array_new_with_free_func (g_free);

  if (entries == NULL)
    return NULL;
  for (guint i = 0; i < entries->len; i++)
    {
      char *address = mh_pci_address_canonicalize (entries->pdata[i], NULL);
      /* Group members that are not PCI devices (rare) cannot be bound by
       * the helper and are not its business. */
      if (address != NULL)
        g_ptr_array_add (members, address);
    }
  return g_steal_pointer (&members);
}

/* "MAJ:MIN" -> mount point, from this process's mount table. */
static GHashTable *
read_mounted_devices (GError **error)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  GHashTable *mounted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (!mh_read_small_file ("/proc/self/mountinfo", 4 * 1024 * 1024, &text, NULL, error))
    {
      g_hash_table_unref (mounted);
      return NULL;
    }
  lines = g_strsplit (text, "\n", -1);
  for (gsize i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) fields = g_strsplit (lines[i], " ", 6);

      if (g_strv_length (fields) < 5)
        continue;
      if (!g_hash_table_contains (mounted, fields[2]))
        g_hash_table_insert (mounted, g_strdup (fields[2]), g_strdup (fields[4]));
    }
  return mounted;
}

/* The entries of <sysfs>/class/CLASS whose device lies below @below. */
static GPtrArray *
class_members_below (const MhPciSysfs *sysfs, const char *class_name, const char *below,
                     GError **error)
{
  g_autofree char *dir = g_build_filename (sysfs->sysfs_root, "class", class_name, NULL);
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *prefix = g_strconcat (below, "/", NULL);

  entries = mh_list_dir (dir, &local_error);
  if (entries == NULL)
    {
      if (g_error_matches (local_error, MH_ERRNO_ERROR, ENOENT))
        return g_steal_pointer (&found);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  for (guint i = 0; i < entries->len; i++)
    {
      g_autofree char *link = g_build_filename (dir, entries->pdata[i], NULL);
      g_autofree char *target = mh_realpath (link, NULL);

      if (target != NULL && g_str_has_prefix (target, prefix))
        g_ptr_array_add (found, g_strdup (entries->pdata[i]));
    }
  return g_steal_pointer (&found);
}

static gboolean
find_block_users (const MhPciSysfs *sysfs, const char *below, GPtrArray *users, GError **error)
{
  g_autoptr (GPtrArray) disks = class_members_below (sysfs, "block", below, error);
  g_autoptr (GHashTable) mounted = NULL;

  if (disks == NULL)
    return FALSE;
  if (disks->len == 0)
    return TRUE;
  mounted = read_mounted_devices (error);
  if (mounted == NULL)
    return FALSE;

  for (guint i = 0; i < disks->len; i++)
    {
      const char *name = disks->pdata[i];
      g_autofree char *dev_path =
        g_build_filename (sysfs->sysfs_root, "class", "block", name, "dev", NULL);
      g_autofree char *holders_path =
        g_build_filename (sysfs->sysfs_root, "class", "block", name, "holders", NULL);
      g_autofree char *numbers = NULL;
      g_autoptr (GPtrArray) holders = NULL;
      const char *mount_point;

      if (!mh_read_attribute (dev_path, &numbers, NULL))
        continue;
      mount_point = g_hash_table_lookup (mounted, numbers);
      if (mount_point != NULL)
        {
          g_autofree char *quoted = mh_quote_untrusted (mount_point, 64);
          g_ptr_array_add (users,
                           g_strdup_printf ("block device %s is mounted on %s", name, quoted));
        }
      holders = mh_list_dir (holders_path, NULL);
      if (holders != NULL && holders->len > 0)
        g_ptr_array_add (users, g_strdup_printf ("block device %s is used by %s", name,
                                                 (const char *) holders->pdata[0]));
    }
  return TRUE;
}

static gboolean
find_network_users (const MhPciSysfs *sysfs, const char *below, GPtrArray *users, GError **error)
{
  g_autoptr (GPtrArray) interfaces = class_members_below (sysfs, "net", below, error);

  if (interfaces == NULL)
    return FALSE;
  for (guint i = 0; i < interfaces->len; i++)
    {
      const char *name = interfaces->pdata[i];
      g_autofree char *flags_path =
        g_build_filename (sysfs->sysfs_root, "class", "net", name, "flags", NULL);
      gint64 flags;

      if (mh_read_attribute_int64 (flags_path, &flags, NULL) && (flags & IFF_UP) != 0)
        g_ptr_array_add (users, g_strdup_printf ("network interface %s is up", name));
    }
  return TRUE;
}

GPtrArray *
mh_pci_sysfs_find_users (const MhPciSysfs *sysfs, const char *address, GError **error)
{
  g_autofree char *link = mh_pci_sysfs_device_path (sysfs, address, NULL);
  g_autofree char *device_dir = mh_realpath (link, error);
  g_autoptr (GPtrArray) users = g_ptr_array_new_with_free_func (g_free);

  if (device_dir == NULL)
    return NULL;
  if (!find_block_users (sysfs, device_dir, users, error) ||
      !find_network_users (sysfs, device_dir, users, error))
    return NULL;
  return g_steal_pointer (&users);
}
