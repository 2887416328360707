/* The method table: the one place that says which polkit action each
 * method of org.microvm.Helper1 needs.  A method of the interface that is
 * not listed here is refused by the dispatcher; the test suite checks that
 * every method of the introspection XML has an entry. */
#include <string.h>

#include "mh-dispatch.h"
#include "mh-pci-methods.h"
#include "mh-tap-methods.h"

static const MhMethod methods[] = {
  { "CreateTap", MH_ACTION_MANAGE_TAPS, mh_tap_methods_prepare_create_tap,
    mh_tap_methods_run_create_tap },
  { "CreateTaps", MH_ACTION_MANAGE_TAPS, mh_tap_methods_prepare_create_taps,
    mh_tap_methods_run_create_taps },
  { "DeleteTap", MH_ACTION_MANAGE_TAPS, mh_tap_methods_prepare_delete_tap,
    mh_tap_methods_run_delete_tap },
  /* Read-only: lists only the caller's own taps. */
  { "ListTaps", NULL, mh_tap_methods_prepare_list_taps, mh_tap_methods_run_list_taps },
  /* The polkit details (vendor, class, driver...) are read from sysfs by
   * the inspect step, off the main loop. */
  { "BindPciDevice", MH_ACTION_BIND_PCI, mh_pci_methods_prepare_bind, mh_pci_methods_run_bind,
    mh_pci_methods_inspect_bind },
  { "ReleasePciDevice", MH_ACTION_BIND_PCI, mh_pci_methods_prepare_release,
    mh_pci_methods_run_release, mh_pci_methods_inspect_release },
  /* Read-only: lists only the caller's own devices. */
  { "ListPciDevices", NULL, mh_pci_methods_prepare_list, mh_pci_methods_run_list },
  { "SetMemlockLimit", MH_ACTION_BIND_PCI, mh_pci_methods_prepare_memlock,
    mh_pci_methods_run_memlock },
};

const MhMethod *
mh_methods_lookup (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++)
    if (strcmp (methods[i].name, name) == 0)
      return &methods[i];
  return NULL;
}

const MhMethod *
mh_methods_get_table (gsize *n_methods)
{
  *n_methods = G_N_ELEMENTS (methods);
  return methods;
}
