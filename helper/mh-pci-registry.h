/* The helper's memory of the PCI devices it moved to vfio-pci: whose they
 * are, which driver they had before (to give them back), their IOMMU
 * group and whose D-Bus connection leases them.  Kept in pci.registry
 * under the runtime directory, written atomically before any kernel work,
 * so a restarted helper still knows what to give back and to whom. */
#pragma once

#include "mh-leased-registry.h"

G_BEGIN_DECLS

/* The core's states under the PCI words. */
typedef MhLeasedState MhPciState;
#define MH_PCI_STATE_BINDING MH_LEASED_RESERVED /* recorded before the kernel work */
#define MH_PCI_STATE_BOUND MH_LEASED_READY      /* on vfio-pci, /dev/vfio/N the holder's */
/* recorded before giving it back: a restart finishes the job */
#define MH_PCI_STATE_RELEASING MH_LEASED_RELEASING

typedef struct {
  MH_LEASED_RECORD_FIELDS (address); /* canonical */
  guint iommu_group;
  guint16 vendor; /* its ids when bound: polkit's details if it vanishes */
  guint16 device;
  guint32 class_code;
  char *original_driver;   /* "" when it had none */
  char *original_override; /* its driver_override before, "" when none (e.g. pci-stub) */

  /* In memory only. */
  gboolean give_back; /* nobody holds it any more (lease ended, bind interrupted):
                       * keep trying to give it back */
} MhPciRecord;

typedef MhLeasedRegistry MhPciRegistry;

MhPciRecord *mh_pci_record_new (const char *address, guint32 uid);
void mh_pci_record_free (MhPciRecord *record);
#define mh_pci_record_set_lease mh_leased_record_set_lease

MhPciRegistry *mh_pci_registry_new (const char *path);

/* The rest is the core's registry (mh-leased-registry.h), under the
 * names the PCI code and its tests use. */
#define mh_pci_registry_free mh_leased_registry_free
#define mh_pci_registry_get_path mh_leased_registry_get_path
#define mh_pci_registry_load mh_leased_registry_load
#define mh_pci_registry_load_from_data mh_leased_registry_load_from_data
#define mh_pci_registry_save mh_leased_registry_save
#define mh_pci_registry_to_data mh_leased_registry_to_data
#define mh_pci_registry_insert mh_leased_registry_insert
#define mh_pci_registry_remove mh_leased_registry_remove
#define mh_pci_registry_count mh_leased_registry_count
#define mh_pci_registry_list mh_leased_registry_list
#define mh_pci_registry_list_leased_by mh_leased_registry_list_leased_by
#define mh_pci_registry_snapshot_holders mh_leased_registry_snapshot_holders

static inline MhPciRecord *
mh_pci_registry_lookup (MhPciRegistry *registry, const char *address)
{
  return mh_leased_registry_lookup (registry, address);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhPciRecord, mh_pci_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhPciRegistry, mh_leased_registry_free)

G_END_DECLS
