#include "mh-pci-checks.h"

#include <string.h>

#include "mh-error.h"

void
mh_pci_inspection_free (MhPciInspection *inspection)
{
  if (inspection == NULL)
    return;
  mh_pci_device_free (inspection->device);
  g_clear_pointer (&inspection->peers, g_ptr_array_unref);
  g_clear_pointer (&inspection->users, g_ptr_array_unref);
  g_free (inspection);
}

MhPciInspection *
mh_pci_inspect (const MhPciSysfs *sysfs, const char *address, gboolean want_name, GError **error)
{
  g_autoptr (MhPciInspection) inspection = g_new0 (MhPciInspection, 1);

  inspection->peers = g_ptr_array_new_with_free_func ((GDestroyNotify) mh_pci_device_free);
  inspection->device = mh_pci_sysfs_read_device (sysfs, address, want_name, error);
  if (inspection->device == NULL)
    return NULL;

  if (inspection->device->iommu_group >= 0)
    {
      g_autoptr (GPtrArray) members =
        mh_pci_sysfs_group_members (sysfs, (guint) inspection->device->iommu_group, error);
      if (members == NULL)
        return NULL;
      for (guint i = 0; i < members->len; i++)
        {
          MhPciDevice *peer;

          if (strcmp (members->pdata[i], address) == 0)
            continue;
          peer = mh_pci_sysfs_read_device (sysfs, members->pdata[i], FALSE, error);
          if (peer == NULL)
            return NULL;
          g_ptr_array_add (inspection->peers, peer);
        }
    }

  inspection->users = mh_pci_sysfs_find_users (sysfs, address, error);
  if (inspection->users == NULL)
    return NULL;
  inspection->vfio_driver_loaded = mh_pci_sysfs_driver_loaded (sysfs, MH_PCI_VFIO_DRIVER);
  return g_steal_pointer (&inspection);
}

static gboolean
lookup_holder (GHashTable *holders, const char *address, guint32 *uid)
{
  gpointer value;

  if (!g_hash_table_lookup_extended (holders, address, NULL, &value))
    return FALSE;
  *uid = GPOINTER_TO_UINT (value);
  return TRUE;
}

/* A group goes to a VM as a whole: the kernel lets the user have it only
 * if no other member is driven by the host.  Bridges, unbound devices and
 * devices on pci-stub are fine; a member on vfio-pci is fine only when the
 * helper bound it for the same user (its /dev/vfio/N is that user's
 * already). */
static gboolean
check_peers (const MhPciInspection *inspection, GHashTable *holders, guint32 uid, GError **error)
{
  const MhPciDevice *device = inspection->device;
  g_autoptr (GString) on_host = g_string_new (NULL);

  for (guint i = 0; i < inspection->peers->len; i++)
    {
      const MhPciDevice *peer = inspection->peers->pdata[i];
      guint32 holder;

      if (mh_pci_device_is_bridge (peer) || peer->driver[0] == '\0' ||
          strcmp (peer->driver, "pci-stub") == 0)
        continue;
      if (strcmp (peer->driver, MH_PCI_VFIO_DRIVER) == 0)
        {
          if (!lookup_holder (holders, peer->address, &holder))
            {
              g_set_error (error, MH_ERROR, MH_ERROR_BUSY,
                           "%s shares IOMMU group %" G_GINT64_FORMAT " with %s, which is on "
                           "vfio-pci but was not bound by microvm-helper (a system VM may use "
                           "it); its owner must release it first",
                           device->address, device->iommu_group, peer->address);
              return FALSE;
            }
          if (holder != uid)
            {
              g_set_error (error, MH_ERROR, MH_ERROR_BUSY,
                           "%s shares IOMMU group %" G_GINT64_FORMAT " with %s, which "
                           "microvm-helper bound for another user; a group can only go to "
                           "one user",
                           device->address, device->iommu_group, peer->address);
              return FALSE;
            }
          continue;
        }
      if (on_host->len > 0)
        g_string_append (on_host, ", ");
      g_string_append_printf (on_host, "%s (driver %s)", peer->address, peer->driver);
    }

  if (on_host->len > 0)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_BUSY,
                   "%s is in IOMMU group %" G_GINT64_FORMAT " together with %s, still used by "
                   "the host; a group goes to a VM as a whole, so release those too first "
                   "(unbind them from their drivers, or bind them to vfio-pci or pci-stub)",
                   device->address, device->iommu_group, on_host->str);
      return FALSE;
    }
  return TRUE;
}

gboolean
mh_pci_check_bind (const MhPciInspection *inspection, const MhConfig *config, GHashTable *holders,
                   guint32 uid, MhPciBindKind *kind, GError **error)
{
  const MhPciDevice *device = inspection->device;
  const char *address = device->address;
  guint32 holder;

  if (!mh_config_check_pci_device (config, address, device->vendor, device->device, error))
    return FALSE;

  if (lookup_holder (holders, address, &holder) && holder != uid)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_BUSY,
                   "%s is held by another user through microvm-helper; it must be released "
                   "first",
                   address);
      return FALSE;
    }

  if (strcmp (device->driver, MH_PCI_VFIO_DRIVER) == 0)
    {
      if (lookup_holder (holders, address, &holder))
        {
          *kind = MH_PCI_BIND_REUSE;
          return TRUE;
        }
      g_set_error (error, MH_ERROR, MH_ERROR_BUSY,
                   "%s is already on vfio-pci, but microvm-helper did not bind it (a system VM "
                   "may use it); its owner must release it first",
                   address);
      return FALSE;
    }

  if (!inspection->vfio_driver_loaded)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_FAILED,
                   "the vfio-pci driver is not loaded, so %s cannot be passed through; an "
                   "administrator must load it (modprobe vfio-pci, or list vfio-pci in "
                   "/etc/modules-load.d/)",
                   address);
      return FALSE;
    }

  if (device->header_type < 0)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_FAILED,
                   "cannot read the configuration space of %s, so it is left alone", address);
      return FALSE;
    }
  if (mh_pci_device_is_bridge (device))
    {
      g_set_error (error, MH_ERROR, MH_ERROR_REFUSED,
                   "%s is a PCI bridge or another non-endpoint device (class 0x%06x, header "
                   "type %d); only endpoint devices can be passed through: give the devices "
                   "behind it instead",
                   address, device->class_code, device->header_type);
      return FALSE;
    }
  if (device->iommu_group < 0)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_REFUSED,
                   "%s has no IOMMU group, so it cannot be passed through safely; enable the "
                   "IOMMU (intel_iommu=on or amd_iommu=on on the kernel command line, and "
                   "VT-d/AMD-Vi in the firmware)",
                   address);
      return FALSE;
    }
  if (device->boot_vga)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_REFUSED,
                   "%s is the boot display (boot_vga is 1); taking it away from the host "
                   "would leave it without a console, so microvm-helper refuses",
                   address);
      return FALSE;
    }
  if (device->sriov_numvfs > 0)
    {
      g_set_error (error, MH_ERROR, MH_ERROR_REFUSED,
                   "%s is an SR-IOV physical function with %u virtual functions enabled; pass "
                   "a virtual function through instead, or disable them first (echo 0 > "
                   "sriov_numvfs)",
                   address, device->sriov_numvfs);
      return FALSE;
    }
  if (inspection->users->len > 0)
    {
      g_autoptr (GString) users = g_string_new (NULL);

      for (guint i = 0; i < inspection->users->len; i++)
        g_string_append_printf (users, "%s%s", i > 0 ? "; " : "",
                                (const char *) inspection->users->pdata[i]);
      g_set_error (error, MH_ERROR, MH_ERROR_BUSY,
                   "the host is using %s: %s; stop using it first (unmount, or set the "
                   "interface down)",
                   address, users->str);
      return FALSE;
    }
  if (!check_peers (inspection, holders, uid, error))
    return FALSE;

  *kind = MH_PCI_BIND_NEW;
  return TRUE;
}
