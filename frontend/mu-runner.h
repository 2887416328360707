/* A microvm.nix runner package, read and validated.
 *
 * The layout is the whole interface (../shared/RUNNER-LAYOUT.md): bin/ holds
 * what the user runs, share/microvm/ holds data files written by `echo`.
 * Missing data files mean "none"; blank lines and surrounding blanks are
 * tolerated; anything else malformed is an error naming the file and line,
 * found before anything is started or asked of the helper. */
#pragma once

#include <glib.h>

#include "mu-share-options.h"

G_BEGIN_DECLS

/* Data files larger than this are refused: the biggest legitimate one is a
 * list of a few interface names or PCI addresses. */
#define MU_RUNNER_MAX_FILE_SIZE (64 * 1024)
/* virtio-fs tags are at most 36 bytes (the virtio spec's tag field). */
#define MU_RUNNER_MAX_TAG_LEN 36

typedef struct {
  char *tag;
  char *source; /* as written: absolute, or relative to the state directory */
  char *socket; /* likewise */
  /* From bin/virtiofsd-run's supervisord configuration; empty (today's
   * defaults) when the runner has none.  Never NULL. */
  MuShareOptions *options;
} MuShare;

typedef struct {
  char *id;
  char *mac;
  char *link;
  char *mode;
} MuMacvtap;

typedef struct {
  char *given_path; /* as the user wrote it, for messages and `current` */
  char *path;       /* resolved directory */
  char *name;       /* derived from the package name, see mu_runner_derive_name */
  char *hypervisor; /* share/microvm/hypervisor, or NULL */
  GPtrArray *taps;  /* interface names (char *) */
  gboolean tap_multi_queue;
  gboolean tap_vnet_hdr;
  GPtrArray *pci_devices;        /* canonical addresses (char *) */
  GPtrArray *macvtaps;           /* MuMacvtap */
  GPtrArray *usb_devices;        /* selectors as written (char *) */
  GPtrArray *shares;             /* MuShare, sorted by tag */
  char *system;                  /* target of share/microvm/system, or NULL */
  gint64 vsock_cid;              /* -1 when absent */
  char *run_path;                /* bin/microvm-run */
  char *shutdown_path;           /* bin/microvm-shutdown, or NULL */
  gboolean has_virtiofsd_run;    /* the share options came from bin/virtiofsd-run */
  gboolean has_machine_register; /* bin/microvm-register: registerWithMachined */
} MuRunner;

/* Reads the runner at @path (a `result` symlink is resolved first). */
MuRunner *mu_runner_load (const char *path, GError **error);
void mu_runner_free (MuRunner *runner);

/* The VM name microvm.nix gives a runner: its package is named
 * "<hash>-microvm-<hypervisor>-<name>" in the store and
 * "microvm-<hypervisor>-<name>" elsewhere; the hypervisor word may contain
 * a dash (cloud-hypervisor), so it is split off with the word the runner
 * itself records.  Otherwise the directory name (without a store hash). */
char *mu_runner_derive_name (const char *directory, const char *hypervisor);

/* VM names become directory names: 1..64 of [A-Za-z0-9_.-], not starting
 * with '.' or '-'. */
gboolean mu_vm_name_validate (const char *name, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MuRunner, mu_runner_free)

G_END_DECLS
