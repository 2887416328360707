/* The fake PCI world for integration tests: starting it inside the
 * sandbox, the standard world the PCI tests use, and root's view of it
 * (which driver a device is on, who owns /dev/vfio/N, what happened). */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "mh-test.h"

G_BEGIN_DECLS

/* Where the world is mounted inside the sandbox (/run is the sandbox's). */
#define MH_TEST_PCI_ROOT "/run/mh-fakepci"

/* The standard world (see mh-test-pci.c): the devices of the PCI issue's
 * "Test it" list plus a few more.  @with_vfio FALSE leaves the vfio-pci
 * driver out, as if the module were not loaded. */
char *mh_test_pci_standard_spec (gboolean with_vfio);

/* Starts mh-fakepci with @spec at MH_TEST_PCI_ROOT and points the helper
 * at it (--sysfs-root/--dev-root), followed by @extra_helper_args (may be
 * NULL).  Call before the first call to the helper. */
void mh_test_pci_start (const char *spec, const char *extra_helper_args);

/* "" when unbound. */
char *mh_test_pci_driver (const char *address);
/* "(null)" when not set. */
char *mh_test_pci_override (const char *address);
/* MH_TEST_PCI_ROOT/dev/vfio/GROUP */
char *mh_test_pci_node (guint group);
gboolean mh_test_pci_node_exists (guint group);
/* Owner and permission bits of the group's node; asserts it exists. */
void mh_test_pci_node_owner (guint group, uid_t *uid, mode_t *mode);

/* Writes @value to MH_TEST_PCI_ROOT/sys/RELATIVE, as an administrator would. */
void mh_test_pci_sysfs_write (const char *relative, const char *value);
/* A line for the world's control file (see mh-fakepci.c). */
void mh_test_pci_control (const char *command);
/* The world's event log. */
char *mh_test_pci_log (void);
/* The number of log lines that contain @needle. */
guint mh_test_pci_log_count (const char *needle);

/* Waits up to @timeout_ms for @address to be on @driver ("" = unbound). */
gboolean mh_test_pci_wait_driver (const char *address, const char *driver, guint timeout_ms);

/* The helper's pci.registry ("" when absent). */
char *mh_test_pci_registry (void);
/* Waits up to @timeout_ms until pci.registry does (not) record @address. */
gboolean mh_test_pci_wait_registry (const char *address, gboolean present, guint timeout_ms);

/* Assertions.  "Untouched": no driver was ever changed and nothing unsafe
 * happened; "no violation": the helper never did what the kernel would
 * block on (unbinding from vfio-pci while the group is open). */
void mh_test_pci_assert_driver (const char *address, const char *driver);
void mh_test_pci_assert_override (const char *address, const char *expected);
void mh_test_pci_assert_node_owner (guint group, uid_t uid);
void mh_test_pci_assert_untouched (void);
void mh_test_pci_assert_no_violation (void);
/* The world's log has @first before @second. */
void mh_test_pci_assert_log_order (const char *first, const char *second);

/* Calls through an agent. */
char *mh_test_pci_bind_ok (MhTestAgent *agent, const char *address, const char *options);
void mh_test_pci_release_ok (MhTestAgent *agent, const char *address);
void mh_test_pci_assert_bind_error (MhTestAgent *agent, const char *address, const char *error_name,
                                    const char *message_part);
void mh_test_pci_assert_release_error (MhTestAgent *agent, const char *address,
                                       const char *error_name, const char *message_part);
/* a(sa{sv}): the agent's devices. */
GVariant *mh_test_pci_list (MhTestAgent *agent);

G_END_DECLS
