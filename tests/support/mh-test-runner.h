/* Runners for microvm-user's tests: generated under alice's home, their
 * bin/microvm-run execs mh-fake-hypervisor, which checks its world as qemu
 * would (attaches to the taps by name, holds a connection to every
 * virtiofs socket) and writes what it saw to a report file. */
#pragma once

#include "mh-test.h"

G_BEGIN_DECLS

typedef struct {
  const char *name;       /* the VM name; the runner is microvm-qemu-NAME */
  const char *taps;       /* tap-interfaces contents, NULL for none */
  const char *tap_flags;  /* tap-flags contents, NULL for none */
  gboolean shares;        /* a relative and an absolute share */
  gboolean shutdown;      /* bin/microvm-shutdown */
  const char *hypervisor; /* extra mh-fake-hypervisor arguments */
} MhTestRunnerSpec;

/* vm-f0 and vm-f1 (multi_queue), a relative and an absolute share, and
 * bin/microvm-shutdown. */
extern const MhTestRunnerSpec mh_test_full_spec;

char *mh_test_user_path (const char *user, const char *name);
void mh_test_write_file (const char *dir, const char *name, const char *contents, int mode);
/* Where the fake hypervisor of runner NAME reports. */
char *mh_test_report_path (const char *name);
/* Builds the runner microvm-qemu-NAME under alice's home; returns its path. */
char *mh_test_make_runner (const MhTestRunnerSpec *spec);
char *mh_test_microvm_user (void);
/* `microvm-user run RUNNER [EXTRA]` as @user, output into @output. */
GSubprocess *mh_test_start_run (const char *user, const char *runner, const char *output,
                                const char *extra);
char *mh_test_state_dir (const char *user, const char *name);
/* Each of @commands (e.g. "run", "inspect") on @runner, as alice, fails
 * with @message in one short line a terminal shows as it is (no control
 * characters), and nothing is left: no tap, no virtiofsd; unless
 * @helper_asked, the helper was never even started. */
void mh_test_assert_runner_refused (const char *runner, const char *const *commands,
                                    const char *message, gboolean helper_asked);
/* No tap of @taps, no virtiofsd, no fake hypervisor left (waits a little). */
void mh_test_assert_nothing_left (const char *const *taps);
/* Starts the full runner as alice and checks everything is in place. */
GSubprocess *mh_test_start_full_vm (const char *output);
/* Waits for the frontend and checks it exited with @expected_status and
 * left nothing behind. */
void mh_test_finish_full_vm (GSubprocess *frontend, const char *output, int expected_status);

G_END_DECLS
