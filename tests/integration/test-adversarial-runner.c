/* Adversarial runners: what `microvm-user run` and `inspect` are handed
 * is a directory anyone may have built.  Symlinks into /proc and /dev,
 * FIFOs, a tap list of 17,000 valid names under the 64 KiB limit, a
 * socket path exactly one byte too long, file names with terminal escape
 * sequences.  Each is refused with one sentence that names the file,
 * before anything privileged is asked for.  (Symlinks to /etc/shadow, a
 * tap list of over 100,000 lines and a 115-byte socket path are in
 * test-frontend.c.) */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mh-test-runner.h"
#include "mh-test.h"

/* The least a runner has, under alice's home; taken apart again first. */
static char *
make_runner (const char *name)
{
  g_autofree char *home = mh_test_home ("alice");
  g_autofree char *dir_name = g_strdup_printf ("microvm-qemu-%s", name);
  char *runner = g_build_filename (home, dir_name, NULL);

  MH_TEST_RUN ("rm", "-rf", runner);
  mh_test_write_file (runner, "bin/microvm-run", "#!/bin/sh\nexit 0\n", 0755);
  mh_test_write_file (runner, "share/microvm/hypervisor", "qemu\n", 0644);
  return runner;
}

static void
replace_with_symlink (const char *runner, const char *file, const char *target)
{
  g_autofree char *path = g_build_filename (runner, file, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  unlink (path);
  g_assert_cmpint (symlink (target, path), ==, 0);
}

static void
check_refused (const char *runner, const char *const *commands, const char *message)
{
  mh_test_assert_runner_refused (runner, commands, message, FALSE);
}

static const char *const run_and_inspect[] = { "run", "inspect", NULL };

static void
test_symlinks_into_proc (void)
{
  const struct {
    const char *file;
    const char *target;
    const char *message;
  } cases[] = {
    { "share/microvm/tap-interfaces", "/proc/self/environ",
      "leading outside the runner (to \"/proc/" },
    { "share/microvm/tap-interfaces", "/proc/1/environ", "(to \"/proc/1/environ\")" },
    { "share/microvm/tap-flags", "../../../../../../../../../../proc/self/cmdline",
      "leading outside the runner (to \"/proc/" },
    { "share/microvm/pci-devices", "/proc/self/mem", "leading outside the runner (to \"/proc/" },
    { "share/microvm/pci-devices", "/proc/1/cmdline", "(to \"/proc/1/cmdline\")" },
    /* Resolves to whatever the reader's stdin is: /dev/null here. */
    { "share/microvm/tap-interfaces", "/proc/self/fd/0", "leading outside the runner (to \"/" },
    { "share/microvm/tap-interfaces", "/dev/zero", "(to \"/dev/zero\")" },
    { "share/microvm/hypervisor", "/proc/self/status", "leading outside the runner (to \"/proc/" },
    { "share/microvm/virtiofs/data/source", "/proc/self/environ",
      "share/microvm/virtiofs/data/source: it is a symlink leading outside the runner" },
    { "share/microvm/virtiofs/data/socket", "/proc/self/root/etc/shadow",
      "share/microvm/virtiofs/data/socket: it is a symlink leading outside the runner (to "
      "\"/etc/shadow\")" },
    /* Not even resolvable by the user. */
    { "share/microvm/virtiofs/data/socket", "/proc/1/root/etc/shadow",
      "share/microvm/virtiofs/data/socket: cannot resolve it: Permission denied" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *runner = make_runner ("proc");

      mh_test_write_file (runner, "share/microvm/virtiofs/data/source", "/tmp\n", 0644);
      mh_test_write_file (runner, "share/microvm/virtiofs/data/socket", "data.sock\n", 0644);
      replace_with_symlink (runner, cases[i].file, cases[i].target);
      check_refused (runner, run_and_inspect, cases[i].message);
    }
}

/* Reading a FIFO would wait forever for a writer; a directory is no list. */
static void
test_not_regular_files (void)
{
  g_autofree char *runner = make_runner ("fifo");
  g_autofree char *taps = g_build_filename (runner, "share/microvm/tap-interfaces", NULL);

  g_assert_cmpint (mkfifo (taps, 0644), ==, 0);
  check_refused (runner, run_and_inspect, "share/microvm/tap-interfaces: it is not a regular file");

  g_free (runner);
  runner = make_runner ("dir");
  g_free (taps);
  taps = g_build_filename (runner, "share/microvm/pci-devices", NULL);
  g_assert_cmpint (g_mkdir_with_parents (taps, 0755), ==, 0);
  check_refused (runner, run_and_inspect, "share/microvm/pci-devices: it is not a regular file");
}

/* Every name valid, the file under the 64 KiB a data file may have: the
 * helper refuses 17,000 taps in one call before polkit is asked, and the
 * frontend says so in a line of readable length. */
static void
test_many_taps (void)
{
  g_autofree char *runner = make_runner ("many");
  g_autoptr (GString) lines = g_string_new (NULL);
  const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const guint n_letters = sizeof letters - 1;
  guint count = 0;

  for (guint length = 1; length <= 3; length++)
    for (guint i = 0; i < n_letters * n_letters * n_letters; i++)
      {
        guint code = i;
        char name[4] = { 0 };

        if ((length == 1 && i >= n_letters) || (length == 2 && i >= n_letters * n_letters) ||
            lines->len + length + 1 > 65000)
          break;
        for (guint c = 0; c < length; c++, code /= n_letters)
          name[c] = letters[code % n_letters];
        g_string_append_printf (lines, "%s\n", name);
        count++;
      }
  g_test_message ("%u tap names, %zu bytes", count, lines->len);
  g_assert_cmpuint (count, >, 16000);
  mh_test_write_file (runner, "share/microvm/tap-interfaces", lines->str, 0644);
  mh_test_assert_runner_refused (runner, (const char *const[]){ "run", NULL },
                                 "more than the limit of 32", TRUE);
}

static void
test_socket_path_108_bytes (void)
{
  const struct {
    gboolean absolute;
    const char *message;
  } cases[] = {
    { FALSE, "the socket path of the share data is 108 bytes long, but a unix socket path may "
             "have at most 107" },
    { TRUE, "the socket path of the share data is 108 bytes long" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *runner = make_runner ("sock");
      g_autofree char *prefix = cases[i].absolute ? mh_test_home ("alice") : g_strdup ("");
      g_autofree char *padding = NULL;
      g_autofree char *socket = NULL;
      gsize fixed = cases[i].absolute ? strlen (prefix) + 1 + strlen (".sock") : strlen (".sock");

      padding = g_strnfill (108 - fixed, 's');
      socket = cases[i].absolute ? g_strdup_printf ("%s/%s.sock", prefix, padding)
                                 : g_strdup_printf ("%s.sock", padding);
      g_assert_cmpuint (strlen (socket), ==, 108);
      mh_test_write_file (runner, "share/microvm/virtiofs/data/source", "/tmp\n", 0644);
      mh_test_write_file (runner, "share/microvm/virtiofs/data/socket", socket, 0644);
      check_refused (runner, (const char *const[]){ "run", NULL }, cases[i].message);
    }
}

/* A file name that would repaint the user's terminal if printed as is. */
static void
test_escape_sequences_in_names (void)
{
  const char *tags[] = {
    "\x1b[2J\x1b[31mroot", /* clear the screen, red */
    "\x1b]0;owned\x07",    /* set the window title */
    "x\ry",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (tags); i++)
    {
      g_autofree char *runner = make_runner ("esc");
      g_autofree char *source =
        g_build_filename ("share/microvm/virtiofs", tags[i], "source", NULL);
      g_autofree char *socket =
        g_build_filename ("share/microvm/virtiofs", tags[i], "socket", NULL);

      mh_test_write_file (runner, source, "/tmp\n", 0644);
      mh_test_write_file (runner, socket, "esc.sock\n", 0644);
      check_refused (runner, run_and_inspect, "invalid tag");
    }
  {
    /* A tag with '/' in it: nested directories, named in the message. */
    g_autofree char *runner = make_runner ("esc");
    mh_test_write_file (runner, "share/microvm/virtiofs/a/\x1b[2J/source", "/tmp\n", 0644);
    mh_test_write_file (runner, "share/microvm/virtiofs/a/\x1b[2J/socket", "esc.sock\n", 0644);
    check_refused (runner, run_and_inspect, "contains '/'");
  }
}

/* bin/virtiofsd-run -> supervisord -> one store script per share, as
 * upstream's virtiofsd module writes them; @exec_line is the script's
 * last line for the share "ro" (read-only) and "rw" gets upstream's. */
static void
write_virtiofsd_chain (const char *runner, const char *exec_ro)
{
  g_autofree char *store = g_strconcat (runner, "-store", NULL);
  g_autofree char *config = g_build_filename (store, "supervisord.conf", NULL);
  g_autofree char *run = g_strdup_printf (
    "#!/bin/sh\nexec /nix/store/x-supervisor/bin/supervisord --configuration %s \"$@\"\n", config);
  g_autofree char *conf_text =
    g_strdup_printf ("[program:virtiofsd-ro]\ncommand=%s/virtiofsd-ro\n\n[program:virtiofsd-rw]\n"
                     "command=%s/virtiofsd-rw\n\n[supervisord]\nnodaemon=true\nuser=root\n",
                     store, store);
  const char *head = "#!/bin/sh\nif [ $(id -u) = 0 ]; then\n  OPT_RLIMIT=\"--rlimit-nofile "
                     "1048576\"\nelse\n  OPT_RLIMIT=\"\"\nfi\n";
  g_autofree char *ro = g_strconcat (head, exec_ro, "\n", NULL);
  g_autofree char *rw =
    g_strconcat (head,
                 "exec /nix/store/x-virtiofsd/bin/virtiofsd \\\n  --socket-path=rw.sock \\\n"
                 "  --socket-group=kvm \\\n  --shared-dir=rw \\\n  $OPT_RLIMIT \\\n"
                 "  --thread-pool-size `nproc` \\\n  --posix-acl --xattr \\\n  --cache=auto \\\n"
                 "   \\\n   \\\n   \\\n  \n",
                 NULL);

  MH_TEST_RUN ("rm", "-rf", store);
  mh_test_write_file (store, "supervisord.conf", conf_text, 0644);
  mh_test_write_file (store, "virtiofsd-ro", ro, 0755);
  mh_test_write_file (store, "virtiofsd-rw", rw, 0755);
  mh_test_write_file (runner, "bin/virtiofsd-run", run, 0755);
  mh_test_write_file (runner, "share/microvm/virtiofs/ro/source", "ro\n", 0644);
  mh_test_write_file (runner, "share/microvm/virtiofs/ro/socket", "ro.sock\n", 0644);
  mh_test_write_file (runner, "share/microvm/virtiofs/rw/source", "rw\n", 0644);
  mh_test_write_file (runner, "share/microvm/virtiofs/rw/socket", "rw.sock\n", 0644);
  mh_test_write_file (runner, "share/microvm/tap-interfaces", "vm-so0\n", 0644);
  mh_test_write_file (runner, "share/microvm/tap-flags", "vnet_hdr\n", 0644);
}

/* The share options of bin/virtiofsd-run: shown by inspect; a chain that
 * cannot be read, or an option this virtiofsd cannot honour, refuses the
 * run before the helper is asked for anything. */
static void
test_share_options (void)
{
  g_autofree char *binary = mh_test_microvm_user ();
  g_autofree char *runner = make_runner ("shares");
  g_autofree char *text = NULL;
  g_autofree char *json = NULL;

  /* Upstream's shape, a read-only share, registerWithMachined. */
  write_virtiofsd_chain (runner, "exec /nix/store/x-virtiofsd/bin/virtiofsd --socket-path=ro.sock "
                                 "--shared-dir=ro --cache=always --readonly");
  mh_test_write_file (runner, "bin/microvm-register", "#!/bin/sh\n", 0755);
  g_assert_cmpint (
    mh_test_run_as ("alice", &text, (const char *const[]){ binary, "inspect", runner, NULL }), ==,
    0);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "/ro.sock) read-only\n"));
  g_assert_nonnull (strstr (text, "  virtiofsd --cache=always --readonly\n"));
  g_assert_nonnull (strstr (text, "  dropped --socket-group=kvm (changing the socket's group"));
  g_assert_nonnull (strstr (text, "share opts:  from bin/virtiofsd-run"));
  g_assert_nonnull (strstr (text, "machined:    skipped: bin/microvm-register"));
  g_assert_nonnull (strstr (text, "open files:  "));
  g_assert_cmpint (
    mh_test_run_as ("alice", &json,
                    (const char *const[]){ binary, "inspect", "--json", runner, NULL }),
    ==, 0);
  g_assert_nonnull (strstr (json, "\"read_only\":true"));
  g_assert_nonnull (strstr (json, "\"virtiofsd_options\":[\"--cache=always\",\"--readonly\"]"));
  g_assert_nonnull (strstr (json, "\"machine_registration\":\"skipped\""));

  /* A share served by something else: neither command goes on. */
  write_virtiofsd_chain (runner, "exec /bin/sh -c 'cat /etc/shadow'");
  check_refused (runner, run_and_inspect, "the share ro is served by \"/bin/sh\", not virtiofsd");
  /* An expansion only running the script would tell. */
  write_virtiofsd_chain (runner, "exec virtiofsd --socket-path=ro.sock $(id -u)");
  check_refused (runner, run_and_inspect, "uses the shell expansion \"$(id -u)");

  /* crosvm's --tag: the C virtiofsd (this machine's) has no such option;
   * inspect shows it, run refuses naming the share and the option. */
  write_virtiofsd_chain (runner, "exec virtiofsd --socket-path=ro.sock --shared-dir=ro --tag=ro "
                                 "--readonly");
  mh_test_assert_runner_refused (runner, (const char *const[]){ "run", NULL },
                                 "the share ro asks virtiofsd for --tag=ro, which microvm-user "
                                 "cannot honour: the C virtiofsd (qemu's) has no such option",
                                 FALSE);
}

int
main (int argc, char **argv)
{
  mh_test_init (&argc, &argv);

  g_test_add_func ("/adversarial-runner/symlinks-into-proc", test_symlinks_into_proc);
  g_test_add_func ("/adversarial-runner/not-regular-files", test_not_regular_files);
  g_test_add_func ("/adversarial-runner/many-taps", test_many_taps);
  g_test_add_func ("/adversarial-runner/socket-path-108-bytes", test_socket_path_108_bytes);
  g_test_add_func ("/adversarial-runner/escape-sequences-in-names", test_escape_sequences_in_names);
  g_test_add_func ("/adversarial-runner/share-options", test_share_options);

  return g_test_run ();
}
