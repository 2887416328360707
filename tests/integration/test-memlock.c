/* Integration tests of SetMemlockLimit: the real helper raising the real
 * RLIMIT_MEMLOCK of the calling process, authorized by the real polkitd.
 *
 * These machines withhold CAP_SYS_RESOURCE from every process, so the
 * helper cannot prlimit() another user's process the usual way, nor raise
 * a hard limit.  The agents therefore run in user namespaces owned by
 * root (mh-test-agent --userns), where the kernel lets root change their
 * limits anyway, within the hard limit: the helper's own code path against
 * the real kernel.  Where CAP_SYS_RESOURCE exists, raising the hard limit
 * is checked too.  The helper also runs with the fake PCI world, as it
 * would on a machine doing passthrough. */
#include <stdio.h>
#include <string.h>

#include "mh-test-pci.h"
#include "mh-test.h"

#define MiB (1024 * 1024)

static void
start_world (void)
{
  g_autofree char *spec = mh_test_pci_standard_spec (TRUE);

  mh_test_pci_start (spec, NULL);
}

static char *
agent_says (MhTestAgent *agent, const char *command)
{
  return mh_test_agent_command (agent, "%s", command);
}

static guint64
memlock_of (MhTestAgent *agent, gboolean hard)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/limits", mh_test_agent_get_pid (agent));
  g_autofree char *text = NULL;
  const char *line;
  guint64 soft_value, hard_value;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  line = strstr (text, "Max locked memory");
  g_assert_nonnull (line);
  g_assert_cmpint (sscanf (line, "Max locked memory %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
                           &soft_value, &hard_value),
                   ==, 2);
  return hard ? hard_value : soft_value;
}

static void
test_memlock (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new_in_user_namespace ("alice");
  g_autoptr (MhTestAgent) other = mh_test_agent_new_in_user_namespace ("alice");
  g_autoptr (MhTestAgent) mallory = mh_test_agent_new_in_user_namespace ("mallory");
  g_autofree char *a = NULL, *b = NULL, *m = NULL;

  mh_test_helper_set_config ("[PCI]\nMaxMemlock=6291456\n");
  start_world ();
  a = agent_says (alice, "memlock 1048576 8388608");
  g_assert_cmpstr (a, ==, "ok");
  b = agent_says (other, "memlock 1048576 8388608");
  g_assert_cmpstr (b, ==, "ok");

  g_variant_unref (mh_test_assert_call_ok (alice, "SetMemlockLimit", "(uint64 4194304,)"));
  g_assert_cmpuint (memlock_of (alice, FALSE), ==, 4 * MiB);
  g_assert_cmpuint (memlock_of (alice, TRUE), ==, 8 * MiB);
  /* Only the caller's process. */
  g_assert_cmpuint (memlock_of (other, FALSE), ==, 1 * MiB);

  /* More than MaxMemlock: refused, nothing changes. */
  m = mh_test_assert_call_error (alice, "SetMemlockLimit", "(uint64 7340032,)", "LimitExceeded",
                                 "MaxMemlock=6291456");
  g_assert_cmpuint (memlock_of (alice, FALSE), ==, 4 * MiB);
  /* Less than it has: never lowered. */
  g_variant_unref (mh_test_assert_call_ok (alice, "SetMemlockLimit", "(uint64 2097152,)"));
  g_assert_cmpuint (memlock_of (alice, FALSE), ==, 4 * MiB);

  g_free (m);
  m = mh_test_assert_call_error (mallory, "SetMemlockLimit", "(uint64 4194304,)", "NotAuthorized",
                                 "polkit's rules do not allow uid 61003");

  if (mh_test_root_has_capability (24 /* CAP_SYS_RESOURCE */))
    {
      g_autofree char *lowered = agent_says (other, "memlock 1048576 2097152");
      g_assert_cmpstr (lowered, ==, "ok");
      g_variant_unref (mh_test_assert_call_ok (other, "SetMemlockLimit", "(uint64 6291456,)"));
      g_assert_cmpuint (memlock_of (other, FALSE), ==, 6 * MiB);
      g_assert_cmpuint (memlock_of (other, TRUE), ==, 6 * MiB);
    }
  else
    g_test_message ("no CAP_SYS_RESOURCE on this machine: raising the hard limit is not "
                    "exercised");
}

static void
test_memlock_not_configured (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new_in_user_namespace ("alice");
  g_autofree char *lowered = NULL, *m = NULL;

  start_world ();
  lowered = agent_says (alice, "memlock 1048576 8388608");
  g_assert_cmpstr (lowered, ==, "ok");
  m = mh_test_assert_call_error (alice, "SetMemlockLimit", "(uint64 2097152,)", "Refused",
                                 "needs MaxMemlock= in [PCI]");
  g_assert_cmpuint (memlock_of (alice, FALSE), ==, 1 * MiB);
}

int
main (int argc, char **argv)
{
  mh_test_init (&argc, &argv);

  g_test_add_func ("/memlock/raise-caller-only-and-cap", test_memlock);
  g_test_add_func ("/memlock/not-configured", test_memlock_not_configured);

  return g_test_run ();
}
