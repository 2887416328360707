#include "mh-pci-kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "mh-error.h"
#include "mh-fault.h"
#include "mh-syscall.h"

#define NODE_WAIT_MS 2000

static gboolean
write_step (const char *path, const char *value, const char *step, const char *address,
            GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (mh_write_attribute (path, value, &local_error))
    return TRUE;
  g_set_error (error, MH_ERRNO_ERROR, local_error->code, "%s %s failed: %s", step, address,
               local_error->message);
  return FALSE;
}

static gboolean
set_override (const MhPciSysfs *sysfs, const char *address, const char *value, GError **error)
{
  g_autofree char *path = mh_pci_sysfs_device_path (sysfs, address, "driver_override");

  return write_step (
    path, value, value[0] == '\n' ? "clearing driver_override of" : "setting driver_override of",
    address, error);
}

static gboolean
unbind_from (const MhPciSysfs *sysfs, const char *address, const char *driver, GError **error)
{
  g_autofree char *path = mh_pci_sysfs_driver_path (sysfs, driver, "unbind");
  g_autofree char *step = g_strdup_printf ("unbinding from %s:", driver);

  return write_step (path, address, step, address, error);
}

static gboolean
probe (const MhPciSysfs *sysfs, const char *address, GError **error)
{
  g_autofree char *path = mh_pci_sysfs_probe_path (sysfs);

  return write_step (path, address, "drivers_probe for", address, error);
}

static gboolean
bind_to (const MhPciSysfs *sysfs, const char *address, const char *driver, GError **error)
{
  g_autofree char *path = mh_pci_sysfs_driver_path (sysfs, driver, "bind");
  g_autofree char *step = g_strdup_printf ("binding to %s:", driver);

  return write_step (path, address, step, address, error);
}

static char *
describe_driver (const char *driver)
{
  return driver[0] != '\0' ? g_strdup_printf ("driver %s", driver) : g_strdup ("no driver");
}

/* Puts the override back as it was ("" = none: a single newline, since an
 * empty write is ignored), takes the device off vfio-pci and brings
 * @original back ("" = leave it unbound, as it was). */
static gboolean
restore_driver (const MhPciSysfs *sysfs, const char *address, const char *original,
                const char *original_override, GError **error)
{
  g_autofree char *driver = NULL;
  g_autoptr (GError) override_error = NULL;

  /* A failed write only matters if the override is not what it should be
   * (the write that set it may have failed itself). */
  if (!set_override (sysfs, address, original_override[0] != '\0' ? original_override : "\n",
                     &override_error))
    {
      g_autofree char *path = mh_pci_sysfs_device_path (sysfs, address, "driver_override");
      g_autofree char *now = NULL;

      if (!mh_read_attribute (path, &now, NULL) ||
          strcmp (strcmp (now, "(null)") == 0 ? "" : now, original_override) != 0)
        {
          g_propagate_error (error, g_steal_pointer (&override_error));
          return FALSE;
        }
    }
  mh_fault_point ("pci-restore-override");
  driver = mh_pci_sysfs_read_driver (sysfs, address, error);
  if (driver == NULL)
    return FALSE;
  if (strcmp (driver, MH_PCI_VFIO_DRIVER) == 0)
    {
      if (!unbind_from (sysfs, address, MH_PCI_VFIO_DRIVER, error))
        return FALSE;
      mh_fault_point ("pci-restore-unbound");
      g_free (driver);
      driver = mh_pci_sysfs_read_driver (sysfs, address, error);
      if (driver == NULL)
        return FALSE;
    }
  if (strcmp (driver, original) == 0)
    return TRUE;
  if (driver[0] != '\0')
    {
      g_autofree char *now = describe_driver (driver);
      g_set_error (error, MH_ERRNO_ERROR, EBUSY, "%s is now on %s instead of %s", address, now,
                   original[0] != '\0' ? original : "no driver");
      return FALSE;
    }

  /* Unbound now, and it had a driver: probing finds the driver whose ids
   * match, as at boot; a driver that took it through new_id or bind needs
   * to be asked by name, which is also the way left if probing fails. */
  {
    g_autoptr (GError) probe_error = NULL;
    if (!probe (sysfs, address, &probe_error))
      g_debug ("%s; binding to %s by name instead", probe_error->message, original);
  }
  mh_fault_point ("pci-restore-probed");
  g_free (driver);
  driver = mh_pci_sysfs_read_driver (sysfs, address, error);
  if (driver == NULL)
    return FALSE;
  if (driver[0] == '\0' && mh_pci_sysfs_driver_loaded (sysfs, original))
    {
      if (!bind_to (sysfs, address, original, error))
        return FALSE;
      mh_fault_point ("pci-restore-bound-by-name");
      g_free (driver);
      driver = mh_pci_sysfs_read_driver (sysfs, address, error);
      if (driver == NULL)
        return FALSE;
    }
  if (strcmp (driver, original) != 0)
    {
      g_autofree char *now = describe_driver (driver);
      g_set_error (error, MH_ERRNO_ERROR, ENODEV,
                   "%s did not go back to %s (it has %s now); the kernel log (dmesg) says why",
                   address, original, now);
      return FALSE;
    }
  return TRUE;
}

gboolean
mh_pci_kernel_bind (const MhPciSysfs *sysfs, const char *address, const char *current_driver,
                    const char *current_override, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GError) undo_error = NULL;
  g_autofree char *driver = NULL;
  const char *back_to = current_driver[0] != '\0' ? current_driver : "no driver";

  if (!set_override (sysfs, address, MH_PCI_VFIO_DRIVER, &local_error))
    goto failed;
  mh_fault_point ("pci-bind-override");
  if (current_driver[0] != '\0' && !unbind_from (sysfs, address, current_driver, &local_error))
    goto failed;
  mh_fault_point ("pci-bind-unbound");
  if (!probe (sysfs, address, &local_error))
    goto failed;
  mh_fault_point ("pci-bind-probed");
  driver = mh_pci_sysfs_read_driver (sysfs, address, &local_error);
  if (driver == NULL)
    goto failed;
  if (strcmp (driver, MH_PCI_VFIO_DRIVER) != 0)
    {
      g_autofree char *now = describe_driver (driver);
      g_set_error (&local_error, MH_ERRNO_ERROR, ENODEV,
                   "vfio-pci did not take %s (it has %s); the kernel log (dmesg) says why", address,
                   now);
      goto failed;
    }
  mh_fault_point ("pci-bind-checked");
  return TRUE;

failed:
  if (restore_driver (sysfs, address, current_driver, current_override, &undo_error))
    g_set_error (error, MH_ERROR, MH_ERROR_FAILED, "%s; %s was put back on %s",
                 local_error->message, address, back_to);
  else
    g_set_error (error, MH_ERROR, MH_ERROR_FAILED,
                 "%s; putting %s back on %s failed too (%s): an administrator must check it",
                 local_error->message, address, back_to, undo_error->message);
  return FALSE;
}

gboolean
mh_pci_kernel_hand_node (const MhPciSysfs *sysfs, guint group, guint32 uid, GError **error)
{
  g_autofree char *node = mh_pci_sysfs_vfio_node (sysfs, group);
  gint64 deadline = g_get_monotonic_time () + NODE_WAIT_MS * 1000;
  struct stat st;

  /* devtmpfs creates the node while the driver binds; the wait only
   * covers a slow udev rename. */
  while (!mh_lstat (node, &st, NULL))
    {
      if (g_get_monotonic_time () > deadline)
        return mh_set_errno_error (error, ENOENT, "%s did not appear after the bind", node);
      g_usleep (10 * 1000);
    }
  if (!mh_set_owner_and_mode (node, uid, 0, 0600, error))
    return FALSE;
  mh_fault_point ("pci-bind-node-owned");
  return TRUE;
}

/* Whether a program holds the group open.  Needs the node to be root's
 * (the helper keeps no CAP_DAC_OVERRIDE). */
static gboolean
group_is_open (const char *node, gboolean *is_open, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  int fd = mh_open (node, O_RDWR | O_NONBLOCK | O_NOCTTY, 0, &local_error);

  *is_open = FALSE;
  if (fd >= 0)
    {
      mh_close_fd (&fd);
      return TRUE;
    }
  if (g_error_matches (local_error, MH_ERRNO_ERROR, EBUSY))
    *is_open = TRUE;
  else if (!g_error_matches (local_error, MH_ERRNO_ERROR, ENOENT))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* The device left vfio-pci without the helper: take our override away so
 * the next probe does not put it back, and if nothing drives it, let its
 * original driver have it. */
static void
tidy_after_outside_change (const MhPciSysfs *sysfs, const char *address, const char *driver,
                           const char *original, const char *original_override)
{
  g_autofree char *path = mh_pci_sysfs_device_path (sysfs, address, "driver_override");
  g_autofree char *override = NULL;
  g_autoptr (GError) error = NULL;

  if (!mh_read_attribute (path, &override, NULL) || strcmp (override, MH_PCI_VFIO_DRIVER) != 0)
    return;
  if (!set_override (sysfs, address, original_override[0] != '\0' ? original_override : "\n",
                     &error))
    {
      g_warning ("%s", error->message);
      return;
    }
  if (driver[0] == '\0' && original[0] != '\0' && !probe (sysfs, address, &error))
    g_warning ("%s", error->message);
}

MhPciReleaseOutcome
mh_pci_kernel_release (const MhPciSysfs *sysfs, const char *address, guint group,
                       const char *original_driver, const char *original_override, guint32 holder,
                       gboolean keep_node_for_holder, gboolean interrupted, GError **error)
{
  g_autofree char *node = mh_pci_sysfs_vfio_node (sysfs, group);
  g_autofree char *driver = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GError) give_back_error = NULL;
  gboolean is_open = FALSE;
  struct stat st;

  driver = mh_pci_sysfs_read_driver (sysfs, address, &local_error);
  if (driver == NULL)
    {
      if (g_error_matches (local_error, MH_ERRNO_ERROR, ENODEV))
        {
          g_set_error (error, MH_ERROR, MH_ERROR_NOT_FOUND,
                       "PCI device %s no longer exists (it was removed)", address);
          return MH_PCI_RELEASE_GONE;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return MH_PCI_RELEASE_FAILED;
    }
  if (strcmp (driver, MH_PCI_VFIO_DRIVER) != 0 && interrupted)
    {
      /* Off vfio-pci (or never on it): no group to take from anyone. */
      if (restore_driver (sysfs, address, original_driver, original_override, &local_error))
        return MH_PCI_RELEASED;
      g_set_error (error, MH_ERROR, MH_ERROR_FAILED, "%s is not back on %s: %s", address,
                   original_driver[0] != '\0' ? original_driver : "no driver",
                   local_error->message);
      return MH_PCI_RELEASE_NOT_RESTORED;
    }
  if (strcmp (driver, MH_PCI_VFIO_DRIVER) != 0)
    {
      g_autofree char *now = describe_driver (driver);
      tidy_after_outside_change (sysfs, address, driver, original_driver, original_override);
      g_set_error (error, MH_ERROR, MH_ERROR_NOT_FOUND,
                   "%s is no longer on vfio-pci (it has %s now: changed outside "
                   "microvm-helper)",
                   address, now);
      return MH_PCI_RELEASE_GONE;
    }

  /* From here on the holder cannot open the group any more; a program
   * that has it open already makes our open fail with EBUSY. */
  if (!mh_set_owner_and_mode (node, 0, 0, 0600, &local_error) &&
      !g_error_matches (local_error, MH_ERRNO_ERROR, ENOENT))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return MH_PCI_RELEASE_FAILED;
    }
  mh_fault_point ("pci-release-node-taken");
  g_clear_error (&local_error);
  if (!group_is_open (node, &is_open, &local_error) || is_open)
    {
      if (!mh_set_owner_and_mode (node, holder, 0, 0600, &give_back_error))
        g_warning ("cannot give %s back to uid %u: %s", node, holder, give_back_error->message);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return MH_PCI_RELEASE_FAILED;
        }
      g_set_error (error, MH_ERROR, MH_ERROR_BUSY,
                   "%s is still in use: a program (the VM's hypervisor?) has %s open; stop "
                   "the VM first, then release the device",
                   address, node);
      return MH_PCI_RELEASE_BUSY;
    }

  if (!restore_driver (sysfs, address, original_driver, original_override, &local_error))
    {
      g_autofree char *now = mh_pci_sysfs_read_driver (sysfs, address, NULL);

      if (g_strcmp0 (now, MH_PCI_VFIO_DRIVER) == 0)
        {
          if (!mh_set_owner_and_mode (node, holder, 0, 0600, &give_back_error))
            g_warning ("cannot give %s back to uid %u: %s", node, holder, give_back_error->message);
          g_set_error (error, MH_ERROR, MH_ERROR_FAILED,
                       "cannot release %s, it stays on vfio-pci and yours: %s", address,
                       local_error->message);
          return MH_PCI_RELEASE_FAILED;
        }
      g_set_error (error, MH_ERROR, MH_ERROR_FAILED,
                   "%s left vfio-pci, but %s; an administrator can bind it with: echo %s > "
                   "/sys/bus/pci/drivers/%s/bind",
                   address, local_error->message, address,
                   original_driver[0] != '\0' ? original_driver : "DRIVER");
      return MH_PCI_RELEASE_NOT_RESTORED;
    }

  if (keep_node_for_holder && mh_lstat (node, &st, NULL) &&
      !mh_set_owner_and_mode (node, holder, 0, 0600, &give_back_error))
    g_warning ("cannot give %s back to uid %u: %s", node, holder, give_back_error->message);
  return MH_PCI_RELEASED;
}
