/* Splitting a line of a shell script into words as sh would, without
 * running anything: quotes and backslashes are understood; of the
 * expansions, only those microvm.nix writes into its virtiofsd scripts,
 * each as a whole word (`nproc`, $(nproc), $OPT_RLIMIT, "$@"); any other
 * expansion, and any operator (; & | < > ( )), is an error, since only
 * running the script would tell what it means. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  MU_SHELL_WORD_PLAIN,
  MU_SHELL_WORD_NPROC,      /* `nproc` or $(nproc): the number of processors */
  MU_SHELL_WORD_OPT_RLIMIT, /* $OPT_RLIMIT: upstream sets it for root only */
  MU_SHELL_WORD_ALL_ARGS,   /* "$@" */
} MuShellWordKind;

typedef struct {
  MuShellWordKind kind;
  char *text; /* the word, quotes removed; "" for an expansion */
} MuShellWord;

/* The words of @line (a '#' at a word's start ends it), as MuShellWord;
 * or NULL and an MU_ERROR_LAYOUT error saying what is not understood. */
GPtrArray *mu_shell_split_words (const char *line, guint max_words, GError **error);

/* The words of the one line of @script that starts with `exec`
 * (backslash-newline continuations joined), without the "exec"; an error
 * when there is none, or more than one. */
GPtrArray *mu_shell_exec_line_words (const char *script, guint max_words, GError **error);

G_END_DECLS
