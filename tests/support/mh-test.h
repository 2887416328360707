/* Test support for integration tests that run inside mh-sandbox as root.
 * Tests act as users through agents (mh-test-agent processes started as
 * that user) and check the result from root's side: sysfs, netlink, the
 * helper's registry. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MH_TEST_UID_ALICE 61001
#define MH_TEST_UID_BOB 61002
#define MH_TEST_UID_MALLORY 61003
#define MH_TEST_UID_CAROL 61004
#define MH_TEST_UID_DAVE 61005
/* load01 .. load20, in group microvm like alice: the load test's callers */
#define MH_TEST_N_LOAD_USERS 20
#define MH_TEST_UID_LOAD_FIRST 61201

typedef struct _MhTestAgent MhTestAgent;

/* Initialises GTest and checks that we are inside the sandbox. */
void mh_test_init (int *argc, char ***argv);

/* Starts an agent as @user (alice, bob, mallory, carol, dave, loadNN). */
MhTestAgent *mh_test_agent_new (const char *user);
/* The same, inside a new user namespace owned by root with identity maps
 * (see mh-test-agent.c): for prlimit() without CAP_SYS_RESOURCE. */
MhTestAgent *mh_test_agent_new_in_user_namespace (const char *user);
void mh_test_agent_free (MhTestAgent *agent);
/* SIGKILL and reap: the agent's bus connection ends abruptly. */
void mh_test_agent_kill (MhTestAgent *agent);
GPid mh_test_agent_get_pid (MhTestAgent *agent);

/* Sends one command line; returns the answer line. */
char *mh_test_agent_command (MhTestAgent *agent, const char *format, ...) G_GNUC_PRINTF (2, 3);
/* The same in two halves, so that several agents can be sent a command
 * before any answer is read (races). */
void mh_test_agent_send (MhTestAgent *agent, const char *format, ...) G_GNUC_PRINTF (2, 3);
char *mh_test_agent_receive (MhTestAgent *agent);

/* Calls a helper method; ARGS is GVariant text of the in-arguments.
 * Returns the result (NULL on error) and sets @error_name/@message. */
GVariant *mh_test_agent_call (MhTestAgent *agent, const char *method, const char *args,
                              char **error_name, char **message);

/* Asserting forms: the call must succeed / fail with the given short error
 * name ("Busy") and a message containing @message_part (may be NULL).
 * The error message is returned for further checks. */
GVariant *mh_test_assert_call_ok (MhTestAgent *agent, const char *method, const char *args);
char *mh_test_assert_call_error (MhTestAgent *agent, const char *method, const char *args,
                                 const char *short_name, const char *message_part);

/* Asserts that @value prints (g_variant_print, no types) as @expected. */
void mh_test_assert_printed (GVariant *value, const char *expected);

/* Root-side view of the network namespace. */
gboolean mh_test_iface_exists (const char *name);
gint64 mh_test_iface_attr_int (const char *name, const char *attribute);
void mh_test_tap_set_owner (const char *name, guint32 uid);
/* Sorted names of /sys/class/net, space separated. */
char *mh_test_iface_list (void);
/* The taps (tun/tap devices) the kernel has, and the tap names the
 * helper's registry records: sorted, space separated. */
char *mh_test_kernel_taps (void);
char *mh_test_registry_taps (void);
/* Waits up to @timeout_ms for the interface to (dis)appear. */
gboolean mh_test_wait_iface (const char *name, gboolean present, guint timeout_ms);

/* Runs a command as root and asserts that it succeeds. */
void mh_test_run (const char *const *argv);
#define MH_TEST_RUN(...) mh_test_run ((const char *const[]){ __VA_ARGS__, NULL })

/* The helper: its pid (0 when not running), SIGKILL it, and its config. */
GPid mh_test_helper_pid (void);
void mh_test_helper_kill (void);
/* Waits until the helper has exited (killed, crashed) and the bus has let
 * go of its name, so that the next call starts a new one. */
void mh_test_helper_wait_gone (void);
void mh_test_helper_set_config (const char *text);
void mh_test_helper_set_args (const char *args);
/* KEY=VALUE lines for the helper's environment from its next start
 * (fault injection). */
void mh_test_helper_set_env (const char *lines);
/* The helper's registry file contents ("" when absent). */
char *mh_test_helper_registry (void);
/* Waits up to @timeout_ms until the registry does (not) mention @name:
 * the helper writes it after the kernel work. */
gboolean mh_test_wait_registry (const char *name, gboolean present, guint timeout_ms);

/* Programs run as a test user, with HOME under the sandbox, an
 * XDG_RUNTIME_DIR of /run/user/UID and a plain PATH.  Output (stdout and
 * stderr) goes to @output_path. */
char *mh_test_home (const char *user);
GSubprocess *mh_test_spawn_as (const char *user, const char *output_path, const char *const *argv);
/* Waits up to @timeout_ms; fails the test on timeout.  Returns the exit
 * status in the shell's convention (128 + signal when killed). */
int mh_test_wait_exit (GSubprocess *process, guint timeout_ms);
/* Runs to completion (60 s at most) and returns the status; *output gets
 * what it printed. */
int mh_test_run_as (const char *user, char **output, const char *const *argv);

/* Starts @argv as @user with a pseudo-terminal as its stdin, stdout and
 * stderr (and controlling terminal), as if typed in a terminal; returns
 * the pid and the master side of the terminal. */
GPid mh_test_spawn_in_terminal (const char *user, const char *const *argv, int *master);
/* Reads what the terminal shows until @needle appears (appended to
 * @seen); FALSE after @timeout_ms. */
gboolean mh_test_terminal_wait (int master, GString *seen, const char *needle, guint timeout_ms);
/* Types @text into the terminal once the program has turned echo off (a
 * password prompt flushes what was typed before). */
void mh_test_terminal_type_secret (int master, const char *text);
/* Waits for @pid (a child of the test) and returns its shell-style status. */
int mh_test_wait_pid (GPid pid, guint timeout_ms);

/* Waits up to @timeout_ms for @path to contain @needle. */
gboolean mh_test_wait_file_contains (const char *path, const char *needle, guint timeout_ms);
gboolean mh_test_file_contains (const char *path, const char *needle);

/* Processes in the sandbox whose name (comm) is @comm, and owned by @uid
 * unless it is -1. */
guint mh_test_count_processes (const char *comm, gint64 uid);
/* The pids of such processes, ascending. */
GArray *mh_test_find_processes (const char *comm, gint64 uid);
/* The real uid of @pid, or -1 when it is gone. */
gint64 mh_test_process_uid (GPid pid);
/* Waits up to @timeout_ms until no such process is left. */
gboolean mh_test_wait_no_process (const char *comm, guint timeout_ms);
/* Whether this (root) process's bounding set holds capability @cap: what
 * the system grants at all. */
gboolean mh_test_root_has_capability (guint cap);

/* A fresh GDBusConnection as root (for watching names). */
GDBusConnection *mh_test_root_bus (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MhTestAgent, mh_test_agent_free)

G_END_DECLS
