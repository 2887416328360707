/* Each share's virtiofsd options, as the runner declares them.
 *
 * microvm.nix keeps them in one place only: `bin/virtiofsd-run` execs
 * supervisord with a configuration file holding one [program:virtiofsd-TAG]
 * section per share, whose command= is a store script that execs virtiofsd
 * with the options (--readonly, --cache=, --posix-acl --xattr,
 * --thread-pool-size, --tag= for crosvm, extraArgs...).  This reads that
 * chain as text: nothing of the runner is executed.  Scripts are lexed as
 * the shell would split them; the only expansions understood are the ones
 * upstream writes (`nproc`, $OPT_RLIMIT), any other refuses the runner.
 *
 * Every option is checked against what an unprivileged user can have:
 * kept, dropped with a note (--socket-group=, an --rlimit-nofile above the
 * user's hard limit, $OPT_RLIMIT which the script gives root only), or
 * refused with a message naming the share and the option. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The runner's scripts and configuration are a few kilobytes. */
#define MU_SHARE_OPTIONS_MAX_FILE_SIZE (64 * 1024)
/* Options on one virtiofsd command line. */
#define MU_SHARE_OPTIONS_MAX_ARGS 256

typedef struct {
  char *name;  /* the Rust virtiofsd's long option, e.g. "--cache" */
  char *value; /* NULL for a flag */
} MuShareOption;

typedef struct {
  gboolean read_only;
  GPtrArray *options; /* MuShareOption, in the runner's order, --readonly included */
  GPtrArray *dropped; /* char *: "--socket-group=kvm (needs root; ...)" */
  char *socket;       /* --socket-path as written, for the caller to compare */
  char *shared_dir;   /* --shared-dir as written */
} MuShareOptions;

MuShareOptions *mu_share_options_new (void);
void mu_share_options_free (MuShareOptions *options);

/* Reads @runner_dir/bin/virtiofsd-run and what it points to.  Returns
 * NULL without an error when the runner has no bin/virtiofsd-run (today's
 * defaults stand); else a table tag -> MuShareOptions, or NULL with an
 * error naming @runner_given, the file and the share.  @hard_nofile is the
 * user's hard RLIMIT_NOFILE, for --rlimit-nofile. */
GHashTable *mu_share_options_read (const char *runner_dir, const char *runner_given,
                                   guint64 hard_nofile, GError **error);

/* Appends the options to a virtiofsd command line: as they are for the
 * Rust virtiofsd, translated for the C one (qemu's), or an error naming
 * @tag and the option the C one cannot honour.  --readonly is not
 * translated for the C virtiofsd (it has no such option): the caller
 * serves the directory through a read-only bind mount instead. */
gboolean mu_share_options_append_args (const MuShareOptions *options, const char *tag,
                                       gboolean c_virtiofsd, GPtrArray *argv, GError **error);

/* "--readonly --cache=auto --thread-pool-size 2", for people. */
char *mu_share_options_describe (const MuShareOptions *options);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MuShareOptions, mu_share_options_free)

G_END_DECLS
