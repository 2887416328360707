/* The input encoding of fuzz-runner (described at the top of
 * fuzz-runner.c), shared with fuzz-make-seeds, which writes seeds in it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

enum {
  RECORD_FILE = 0,
  RECORD_DIR = 1,
  RECORD_SYMLINK = 2,
  RECORD_FIFO = 3,
  RECORD_REPEAT = 4,  /* with RECORD_FILE: repeat the body */
  RECORD_SPECIAL = 4, /* with RECORD_SYMLINK: a special target */
};

enum {
  HEADER_VIA_RESULT_LINK = 1,
};

static const char *const known_paths[] = {
  "bin",
  "bin/microvm-run",
  "bin/microvm-shutdown",
  "share",
  "share/microvm",
  "share/microvm/hypervisor",
  "share/microvm/tap-interfaces",
  "share/microvm/tap-flags",
  "share/microvm/macvtap-interfaces",
  "share/microvm/pci-devices",
  "share/microvm/usb-devices",
  "share/microvm/vsock-cid",
  "share/microvm/system",
  "share/microvm/virtiofs",
  "share/microvm/virtiofs/home",
  "share/microvm/virtiofs/home/source",
  "share/microvm/virtiofs/home/socket",
  "share/microvm/virtiofs/ro-store",
  "share/microvm/virtiofs/ro-store/source",
  "share/microvm/virtiofs/ro-store/socket",
};
/* Path bytes from G_N_ELEMENTS (known_paths) to N_PATH_CHOICES - 1 (mod
 * N_PATH_CHOICES) are followed by a literal path. */
#define N_PATH_CHOICES 24
#define PATH_LITERAL 20

typedef enum {
  TARGET_CANARY_FILE,     /* ../…/<name>-outside/data, relative */
  TARGET_CANARY_DIR,      /* ../…/<name>-outside, relative */
  TARGET_CANARY_MICROVM,  /* ../…/<name>-outside/share/microvm, relative */
  TARGET_CANARY_ABSOLUTE, /* /…/<name>-outside/data */
  TARGET_SELF,            /* the link itself: a loop */
  TARGET_RUNNER_ROOT,     /* the runner, absolute */
  TARGET_FIXED,           /* fixed_targets[] from here on */
} SpecialTarget;

static const char *const fixed_targets[] = {
  "/proc/self/mem",
  "/proc/self/fd/0",
  "/proc/self/root",
  "/proc/self/cwd",
  "/proc/self/exe",
  "/proc/self/environ",
  "/dev/zero",
  "/dev/null",
  "/etc/passwd",
  "/",
  ".",
  "..",
  "../..",
  "/nonexistent/microvm-run",
};
#define N_SPECIAL_TARGETS (TARGET_FIXED + (int) G_N_ELEMENTS (fixed_targets))

/* Mode bytes: owner rwx in bits 0-2, group rwx in bits 3-5, others wx in
 * bits 6-7. */
#define MODE_EXECUTABLE 0x6f /* rwxr-x--x */
#define MODE_READABLE 0x26   /* rw-r----- */
#define MODE_DIR 0x6f        /* rwxr-x--x */

G_END_DECLS
