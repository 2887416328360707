#include "mu-child.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mh-error.h"
#include "mu-error.h"

#define MAX_RUN_ENTRIES 512

typedef enum {
  RUN_ENTRY_DIRECTORY,
  RUN_ENTRY_SYMLINK,
  RUN_ENTRY_OTHER,
} RunEntryType;

typedef struct {
  char name[256];
  RunEntryType type;
} RunEntry;

/* Everything the child needs is prepared before fork(): between fork and
 * exec only async-signal-safe calls are allowed. */
typedef struct {
  MuChildFlags flags;
  pid_t parent;
  char uid_map[64];
  char gid_map[64];
  guint n_run_entries;
  RunEntry run_entries[MAX_RUN_ENTRIES]; /* the real /run's top level */
  char read_only_dir[PATH_MAX];          /* "" for none */
  unsigned long read_only_locked_flags;  /* its mount's flags a remount must keep */
} ChildSetup;

static void
child_fail (const char *what)
{
  int errsv = errno;
  const char *text = strerror (errsv);

  /* write(2) only: stdio is not async-signal-safe. */
  (void) !write (STDERR_FILENO, "microvm-user: child setup: ", 27);
  (void) !write (STDERR_FILENO, what, strlen (what));
  (void) !write (STDERR_FILENO, ": ", 2);
  (void) !write (STDERR_FILENO, text, strlen (text));
  (void) !write (STDERR_FILENO, "\n", 1);
  _exit (127);
}

static void
write_proc_file (const char *path, const char *text)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);

  if (fd < 0 || write (fd, text, strlen (text)) != (ssize_t) strlen (text))
    child_fail (path);
  close (fd);
}

/* Puts one entry of the real /run (reached through @run_fd) back in place
 * on the new tmpfs.  Best effort: an entry that cannot be bound is left
 * out rather than failing the child. */
static void
restore_run_entry (int run_fd, const RunEntry *entry)
{
  char source[320];
  char target[320];
  char link_target[4096];
  ssize_t n;
  int fd;

  snprintf (source, sizeof source, "/proc/self/fd/%d/%s", run_fd, entry->name);
  snprintf (target, sizeof target, "/run/%s", entry->name);
  switch (entry->type)
    {
    case RUN_ENTRY_SYMLINK:
      n = readlink (source, link_target, sizeof link_target - 1);
      if (n > 0)
        {
          link_target[n] = '\0';
          (void) !symlink (link_target, target);
        }
      break;
    case RUN_ENTRY_DIRECTORY:
      if (mkdir (target, 0755) == 0)
        (void) !mount (source, target, NULL, MS_BIND | MS_REC, NULL);
      break;
    case RUN_ENTRY_OTHER:
    default:
      fd = open (target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd >= 0)
        {
          close (fd);
          (void) !mount (source, target, NULL, MS_BIND, NULL);
        }
      break;
    }
}

static void
enter_user_namespace (ChildSetup *setup)
{
  int run_fd;

  if (unshare (CLONE_NEWUSER | CLONE_NEWNS) < 0)
    child_fail ("unshare a user and mount namespace");
  write_proc_file ("/proc/self/setgroups", "deny");
  write_proc_file ("/proc/self/uid_map", setup->uid_map);
  write_proc_file ("/proc/self/gid_map", setup->gid_map);
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    child_fail ("make mounts private");
  run_fd = open ("/run", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (run_fd < 0)
    child_fail ("/run");
  if (mount ("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
    child_fail ("mount a tmpfs on /run");
  for (guint i = 0; i < setup->n_run_entries; i++)
    restore_run_entry (run_fd, &setup->run_entries[i]);
  close (run_fd);
}

/* Makes @setup->read_only_dir a read-only bind mount of itself in the
 * child's own mount namespace: what it serves can then not be written,
 * whatever the program does.  mount_setattr covers submounts too; before
 * Linux 5.12 a remount covers the top one, keeping the flags that a user
 * namespace may not clear (nosuid, nodev...). */
static void
bind_read_only (ChildSetup *setup)
{
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
  const char *dir = setup->read_only_dir;

  if (!(setup->flags & MU_CHILD_USER_NAMESPACE))
    {
      if (unshare (CLONE_NEWNS) < 0)
        child_fail ("unshare a mount namespace");
      if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        child_fail ("make mounts private");
    }
  if (mount (dir, dir, NULL, MS_BIND | MS_REC, NULL) < 0)
    child_fail ("bind the read-only share onto itself");
  if (mount_setattr (AT_FDCWD, dir, AT_RECURSIVE, &attr, sizeof attr) == 0)
    return;
  if (errno != ENOSYS)
    child_fail ("make the share read-only");
  if (mount (NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | setup->read_only_locked_flags,
             NULL) < 0)
    child_fail ("make the share read-only");
}

#if defined(__x86_64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

static void
ignore_setgroups (void)
{
#ifdef NATIVE_AUDIT_ARCH
  /* setgroups() returns 0 without running: SECCOMP_RET_ERRNO with errno 0. */
  struct sock_filter filter[] = {
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch)),
    BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, NATIVE_AUDIT_ARCH, 1, 0),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_setgroups, 0, 1),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 0),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog program = { .len = G_N_ELEMENTS (filter), .filter = filter };

  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    child_fail ("PR_SET_NO_NEW_PRIVS");
  if (prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) < 0)
    child_fail ("install the setgroups filter");
#endif
}

static void
child_setup (gpointer data)
{
  ChildSetup *setup = data;

  /* Die with the frontend.  If it died before this line, we were already
   * re-parented: give up at once. */
  if (prctl (PR_SET_PDEATHSIG, SIGKILL) < 0)
    child_fail ("PR_SET_PDEATHSIG");
  if (getppid () != setup->parent)
    _exit (127);
  if ((setup->flags & MU_CHILD_NEW_SESSION) && setsid () < 0)
    child_fail ("setsid");
  if (setup->flags & MU_CHILD_USER_NAMESPACE)
    enter_user_namespace (setup);
  if (setup->read_only_dir[0] != '\0')
    bind_read_only (setup);
  if ((setup->flags & MU_CHILD_USER_NAMESPACE) && (setup->flags & MU_CHILD_IGNORE_SETGROUPS))
    ignore_setgroups ();
}

static void
list_run_entries (ChildSetup *setup)
{
  g_autoptr (GDir) dir = g_dir_open ("/run", 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL &&
         setup->n_run_entries < MAX_RUN_ENTRIES)
    {
      g_autofree char *path = g_build_filename ("/run", name, NULL);
      RunEntry *entry = &setup->run_entries[setup->n_run_entries];

      /* Our own, writable: the C virtiofsd keeps its lock files there, and
       * one left by a root virtiofsd would not let us write. */
      if (strlen (name) >= sizeof entry->name || strcmp (name, "virtiofsd") == 0)
        continue;
      g_strlcpy (entry->name, name, sizeof entry->name);
      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        entry->type = RUN_ENTRY_SYMLINK;
      else if (g_file_test (path, G_FILE_TEST_IS_DIR))
        entry->type = RUN_ENTRY_DIRECTORY;
      else
        entry->type = RUN_ENTRY_OTHER;
      setup->n_run_entries++;
    }
}

GSubprocess *
mu_child_spawn (const char *const *argv, const char *cwd, MuChildFlags flags, GError **error)
{
  return mu_child_spawn_read_only (argv, cwd, flags, NULL, error);
}

static unsigned long
locked_mount_flags (const char *dir)
{
  struct statvfs st;
  unsigned long flags = 0;

  if (statvfs (dir, &st) < 0)
    return 0;
  if (st.f_flag & ST_NOSUID)
    flags |= MS_NOSUID;
  if (st.f_flag & ST_NODEV)
    flags |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC)
    flags |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME)
    flags |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME)
    flags |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME)
    flags |= MS_RELATIME;
  return flags;
}

GSubprocess *
mu_child_spawn_read_only (const char *const *argv, const char *cwd, MuChildFlags flags,
                          const char *read_only_dir, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  ChildSetup *setup = g_new0 (ChildSetup, 1);
  GSubprocessFlags spawn_flags = G_SUBPROCESS_FLAGS_NONE;

  if (read_only_dir != NULL)
    {
      if (!g_path_is_absolute (read_only_dir) ||
          g_strlcpy (setup->read_only_dir, read_only_dir, sizeof setup->read_only_dir) >=
            sizeof setup->read_only_dir)
        {
          g_set_error (error, MU_ERROR, MU_ERROR_FAILED,
                       "cannot serve %s read-only: the path is not absolute or too long",
                       read_only_dir);
          g_free (setup);
          return NULL;
        }
      setup->read_only_locked_flags = locked_mount_flags (read_only_dir);
    }

  setup->flags = flags;
  setup->parent = getpid ();
  snprintf (setup->uid_map, sizeof setup->uid_map, "0 %u 1\n", (unsigned) getuid ());
  snprintf (setup->gid_map, sizeof setup->gid_map, "0 %u 1\n", (unsigned) getgid ());
  if (flags & MU_CHILD_USER_NAMESPACE)
    list_run_entries (setup);

  if (flags & MU_CHILD_INHERIT_STDIN)
    spawn_flags |= G_SUBPROCESS_FLAGS_STDIN_INHERIT;
  if (flags & MU_CHILD_CAPTURE_OUTPUT)
    spawn_flags |= G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE;
  launcher = g_subprocess_launcher_new (spawn_flags);
  g_subprocess_launcher_set_cwd (launcher, cwd);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, setup, g_free);
  return g_subprocess_launcher_spawnv (launcher, argv, error);
}

char *
mu_child_describe_status (int wait_status)
{
  if (WIFEXITED (wait_status))
    return g_strdup_printf ("exited with status %d", WEXITSTATUS (wait_status));
  if (WIFSIGNALED (wait_status))
    return g_strdup_printf ("was killed by signal %d (%s)", WTERMSIG (wait_status),
                            g_strsignal (WTERMSIG (wait_status)));
  return g_strdup_printf ("ended with wait status %d", wait_status);
}

int
mu_child_exit_code (int wait_status)
{
  if (WIFEXITED (wait_status))
    return WEXITSTATUS (wait_status);
  if (WIFSIGNALED (wait_status))
    return 128 + WTERMSIG (wait_status);
  return 1;
}
