/* The helper's memory of the PCI devices it moved to vfio-pci: whose they
 * are, which driver they had before (to give them back), their IOMMU
 * group and whose D-Bus connection leases them.  Kept in pci.registry
 * under the runtime directory, written atomically before any kernel work,
 * so a restarted helper still knows what to give back and to whom. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  MH_PCI_STATE_BINDING,   /* recorded before the kernel work; not handed out yet */
  MH_PCI_STATE_BOUND,     /* on vfio-pci, /dev/vfio/N given to the holder */
  MH_PCI_STATE_RELEASING, /* recorded before giving it back: a restart finishes the job */
} MhPciState;

typedef struct {
  char *address; /* canonical */
  guint32 uid;   /* the holder */
  guint iommu_group;
  guint16 vendor; /* its ids when bound: polkit's details if it vanishes */
  guint16 device;
  guint32 class_code;
  char *original_driver;   /* "" when it had none */
  char *original_override; /* its driver_override before, "" when none (e.g. pci-stub) */
  MhPciState state;
  char *lease_name;   /* unique bus name of the leasing connection, or NULL */
  char *lease_bus_id; /* the bus the lease name belongs to */

  /* In memory only. */
  gboolean busy;            /* a request is working on it */
  gboolean give_back;       /* nobody holds it any more (lease ended, bind interrupted):
                              * keep trying to give it back */
  gboolean release_pending; /* give_back was set while a request was busy with it */
  guint retry_source;       /* a scheduled retry of that release, 0 if none */
  guint retry_delay_ms;     /* the next retry's delay */
} MhPciRecord;

typedef struct _MhPciRegistry MhPciRegistry;

MhPciRecord *mh_pci_record_new (const char *address, guint32 uid);
void mh_pci_record_free (MhPciRecord *record);
void mh_pci_record_set_lease (MhPciRecord *record, const char *lease_name, const char *bus_id);

MhPciRegistry *mh_pci_registry_new (const char *path);
void mh_pci_registry_free (MhPciRegistry *registry);
const char *mh_pci_registry_get_path (MhPciRegistry *registry);

/* A missing file is an empty registry; a corrupt one is an error. */
gboolean mh_pci_registry_load (MhPciRegistry *registry, GError **error);
gboolean mh_pci_registry_load_from_data (MhPciRegistry *registry, const char *text, gsize length,
                                         GError **error);
gboolean mh_pci_registry_save (MhPciRegistry *registry, GError **error);
char *mh_pci_registry_to_data (MhPciRegistry *registry, gsize *length);

MhPciRecord *mh_pci_registry_lookup (MhPciRegistry *registry, const char *address);
/* Takes ownership; the address must not be present yet. */
void mh_pci_registry_insert (MhPciRegistry *registry, MhPciRecord *record);
void mh_pci_registry_remove (MhPciRegistry *registry, const char *address);
guint mh_pci_registry_count (MhPciRegistry *registry);

/* Sorted by address, borrowed; uid G_MAXUINT32 = all. */
GPtrArray *mh_pci_registry_list (MhPciRegistry *registry, guint32 uid);
GPtrArray *mh_pci_registry_list_leased_by (MhPciRegistry *registry, const char *lease_name);

/* address -> holder uid (GUINT_TO_POINTER) of every record: a snapshot for
 * worker threads, which must not touch the registry itself. */
GHashTable *mh_pci_registry_snapshot_holders (MhPciRegistry *registry);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhPciRecord, mh_pci_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhPciRegistry, mh_pci_registry_free)

G_END_DECLS
