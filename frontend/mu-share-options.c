#include "mu-share-options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mh-error.h"
#include "mh-syscall.h"
#include "mu-error.h"
#include "mu-shell-words.h"

/* ------------------------------------------------------------------ */
/* What each virtiofsd option becomes for an unprivileged user */

typedef enum {
  KEEP,       /* works unprivileged: passed on */
  DROP,       /* needs root and is not needed without it: dropped with a note */
  REFUSE,     /* cannot be honoured: the run is refused */
  SOCKET,     /* --socket-path: compared with share/microvm/virtiofs */
  SHARED_DIR, /* --shared-dir: likewise */
  RLIMIT,     /* kept up to the user's hard limit, dropped above it */
} Handling;

typedef struct {
  const char *name; /* the Rust virtiofsd's long option */
  gboolean has_value;
  Handling handling;
  const char *values; /* "a|b|c": the values allowed, or NULL */
  /* The C virtiofsd's form: a whole argument, or a prefix ending in '='
   * the value is appended to; "" for what it does anyway; NULL for none. */
  const char *c_form;
  const char *why; /* DROP and REFUSE: why, and what to do */
} OptionSpec;

static const OptionSpec option_specs[] = {
  { "--socket-path", TRUE, SOCKET, NULL, NULL, NULL },
  { "--shared-dir", TRUE, SHARED_DIR, NULL, NULL, NULL },
  { "--socket-group", TRUE, DROP, NULL, NULL,
    "changing the socket's group needs root; the socket stays the user's, who also runs the "
    "hypervisor" },
  { "--fd", TRUE, REFUSE, NULL, NULL,
    "it serves a socket opened by supervisord, which microvm-user does not run; use "
    "--socket-path" },
  { "--thread-pool-size", TRUE, KEEP, NULL, "--thread-pool-size=", NULL },
  { "--cache", TRUE, KEEP, "auto|always|never|metadata", "-o cache=", NULL },
  { "--readonly", FALSE, KEEP, NULL, "", NULL },
  { "--posix-acl", FALSE, KEEP, NULL, "-o posix_acl", NULL },
  { "--xattr", FALSE, KEEP, NULL, "-o xattr", NULL },
  { "--xattrmap", TRUE, KEEP, NULL, "-o xattrmap=", NULL },
  { "--writeback", FALSE, KEEP, NULL, "-o writeback", NULL },
  { "--allow-direct-io", FALSE, KEEP, NULL, "-o allow_direct_io", NULL },
  { "--announce-submounts", FALSE, KEEP, NULL, "-o announce_submounts", NULL },
  { "--no-announce-submounts", FALSE, KEEP, NULL, "", NULL },
  { "--killpriv-v2", FALSE, KEEP, NULL, "-o killpriv_v2", NULL },
  { "--no-killpriv-v2", FALSE, KEEP, NULL, "-o no_killpriv_v2", NULL },
  { "--security-label", FALSE, KEEP, NULL, "-o security_label", NULL },
  { "--syslog", FALSE, KEEP, NULL, "--syslog", NULL },
  { "--log-level", TRUE, KEEP, "error|warn|info|debug|trace|off", "-o log_level=", NULL },
  { "--sandbox", TRUE, KEEP, "namespace|none|chroot", "-o sandbox=", NULL },
  { "--seccomp", TRUE, KEEP, "none|kill|log|trap", NULL, NULL },
  { "--rlimit-nofile", TRUE, RLIMIT, NULL, "--rlimit-nofile=", NULL },
  { "--inode-file-handles", TRUE, KEEP, "never|prefer|mandatory", NULL, NULL },
  { "--tag", TRUE, KEEP, NULL, NULL, NULL },
  { "--uid-map", TRUE, KEEP, NULL, NULL, NULL },
  { "--gid-map", TRUE, KEEP, NULL, NULL, NULL },
  { "--translate-uid", TRUE, KEEP, NULL, NULL, NULL },
  { "--translate-gid", TRUE, KEEP, NULL, NULL, NULL },
  { "--modcaps", TRUE, KEEP, NULL, "-o modcaps=", NULL },
  { "--preserve-noatime", FALSE, KEEP, NULL, NULL, NULL },
  { "--allow-mmap", FALSE, KEEP, NULL, NULL, NULL },
  { "--migration-mode", TRUE, KEEP, NULL, NULL, NULL },
  { "--migration-on-error", TRUE, KEEP, NULL, NULL, NULL },
  { "--migration-verify-handles", FALSE, KEEP, NULL, NULL, NULL },
  { "--migration-confirm-paths", FALSE, KEEP, NULL, NULL, NULL },
  { "--daemonize", FALSE, REFUSE, NULL, NULL,
    "virtiofsd would leave microvm-user's supervision; remove it from extraArgs" },
  { "--print-capabilities", FALSE, REFUSE, NULL, NULL,
    "virtiofsd would print and exit instead of serving; remove it from extraArgs" },
  { "--help", FALSE, REFUSE, NULL, NULL,
    "virtiofsd would print and exit instead of serving; remove it from extraArgs" },
  { "--version", FALSE, REFUSE, NULL, NULL,
    "virtiofsd would print and exit instead of serving; remove it from extraArgs" },
};

/* The C virtiofsd's -o names (the Rust one accepts them too), as the
 * long option they mean; "no_*" defaults are accepted and mean nothing. */
static const struct {
  const char *c_name;
  const char *rust_name;
} c_option_names[] = {
  { "source", "--shared-dir" },
  { "cache", "--cache" },
  { "xattr", "--xattr" },
  { "posix_acl", "--posix-acl" },
  { "writeback", "--writeback" },
  { "allow_direct_io", "--allow-direct-io" },
  { "xattrmap", "--xattrmap" },
  { "announce_submounts", "--announce-submounts" },
  { "killpriv_v2", "--killpriv-v2" },
  { "no_killpriv_v2", "--no-killpriv-v2" },
  { "log_level", "--log-level" },
  { "sandbox", "--sandbox" },
  { "modcaps", "--modcaps" },
  { "security_label", "--security-label" },
};

/* Untrusted text for messages: as it is when printable, else escaped. */
static char *
shown_text (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if ((unsigned char) *p < 0x20 || *p == 0x7f || (unsigned char) *p >= 0x80)
      return mh_quote_untrusted (text, 120);
  return g_strdup (text);
}

static const OptionSpec *
find_spec (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (option_specs); i++)
    if (strcmp (option_specs[i].name, name) == 0)
      return &option_specs[i];
  return NULL;
}

static void
option_free (gpointer data)
{
  MuShareOption *option = data;

  g_free (option->name);
  g_free (option->value);
  g_free (option);
}

MuShareOptions *
mu_share_options_new (void)
{
  MuShareOptions *options = g_new0 (MuShareOptions, 1);

  options->options = g_ptr_array_new_with_free_func (option_free);
  options->dropped = g_ptr_array_new_with_free_func (g_free);
  return options;
}

void
mu_share_options_free (MuShareOptions *options)
{
  if (options == NULL)
    return;
  g_ptr_array_unref (options->options);
  g_ptr_array_unref (options->dropped);
  g_free (options->socket);
  g_free (options->shared_dir);
  g_free (options);
}

/* ------------------------------------------------------------------ */
/* Reading the runner's files */

typedef struct {
  const char *given; /* the runner as the user named it */
  guint64 hard_nofile;
} Reader;

static gboolean fail (GError **error, const Reader *reader, const char *file, const char *format,
                      ...) G_GNUC_PRINTF (4, 5);

/* "RUNNER/bin/virtiofsd-run (FILE): WHAT; microvm-user cannot tell the
 * shares' options (is one read-only?), so it runs nothing." */
static gboolean
fail (GError **error, const Reader *reader, const char *file, const char *format, ...)
{
  g_autofree char *what = NULL;
  g_autofree char *shown = shown_text (file);
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, MU_ERROR, MU_ERROR_LAYOUT, "%s/bin/virtiofsd-run, reading %s: %s",
               reader->given, shown, what);
  return FALSE;
}

/* Reads one file of the chain, following symlinks (they lead into the
 * store), bounded in size; refuses a loop, a non-regular file (a FIFO
 * would block, /dev/zero never ends) and binary content. */
static char *
read_text (const Reader *reader, const char *path, GError **error)
{
  g_autofree char *resolved = realpath (path, NULL);
  g_autoptr (GError) local_error = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  struct stat st;

  if (resolved == NULL)
    {
      fail (error, reader, path, "%s",
            errno == ELOOP ? "it is a symlink loop" : g_strerror (errno));
      return NULL;
    }
  if (stat (resolved, &st) < 0)
    {
      fail (error, reader, path, "%s", g_strerror (errno));
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      fail (error, reader, path, "it is not a regular file");
      return NULL;
    }
  if (st.st_size > MU_SHARE_OPTIONS_MAX_FILE_SIZE)
    {
      fail (error, reader, path, "it is %lld bytes, more than the %d such a file can need",
            (long long) st.st_size, MU_SHARE_OPTIONS_MAX_FILE_SIZE);
      return NULL;
    }
  if (!mh_read_small_file (resolved, MU_SHARE_OPTIONS_MAX_FILE_SIZE, &text, &length, &local_error))
    {
      fail (error, reader, path, "%s", local_error->message);
      return NULL;
    }
  if (memchr (text, '\0', length) != NULL || !g_utf8_validate (text, (gssize) length, NULL))
    {
      fail (error, reader, path, "it is not a text file");
      return NULL;
    }
  return g_steal_pointer (&text);
}

/* Splits with mu-shell-words.c; an error is said of @file. */
static GPtrArray *
words_of (const Reader *reader, const char *file, const char *text, gboolean exec_line,
          GError **error)
{
  g_autoptr (GError) local_error = NULL;
  GPtrArray *words = exec_line
                       ? mu_shell_exec_line_words (text, MU_SHARE_OPTIONS_MAX_ARGS, &local_error)
                       : mu_shell_split_words (text, MU_SHARE_OPTIONS_MAX_ARGS, &local_error);

  if (words == NULL)
    fail (error, reader, file, "%s", local_error->message);
  return words;
}

static gboolean
program_is (const MuShellWord *word, const char *name)
{
  g_autofree char *base = NULL;

  if (word->kind != MU_SHELL_WORD_PLAIN)
    return FALSE;
  base = g_path_get_basename (word->text);
  return strcmp (base, name) == 0;
}

/* ------------------------------------------------------------------ */
/* The options on a virtiofsd command line */

static gboolean
value_allowed (const char *values, const char *value)
{
  g_auto (GStrv) choices = NULL;

  if (values == NULL)
    return TRUE;
  choices = g_strsplit (values, "|", -1);
  return g_strv_contains ((const char *const *) choices, value);
}

static gboolean refuse_option (GError **error, const char *tag, const char *option,
                               const char *format, ...) G_GNUC_PRINTF (4, 5);

static gboolean
refuse_option (GError **error, const char *tag, const char *option, const char *format, ...)
{
  g_autofree char *why = NULL;
  g_autofree char *shown_option = shown_text (option);
  g_autofree char *shown_tag = shown_text (tag);
  va_list args;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, MU_ERROR, MU_ERROR_UNSUPPORTED,
               "the share %s asks virtiofsd for %s, which microvm-user cannot honour: %s",
               shown_tag, shown_option, why);
  return FALSE;
}

/* One option, in the Rust virtiofsd's terms (a C-style -o item was
 * translated by the caller). */
static gboolean
add_option (const Reader *reader, MuShareOptions *options, const char *tag, const char *name,
            const char *value, GError **error)
{
  const OptionSpec *spec = find_spec (name);
  g_autofree char *shown = value != NULL ? g_strdup_printf ("%s=%s", name, value) : g_strdup (name);
  MuShareOption *option;
  guint64 number;

  if (spec == NULL)
    return refuse_option (error, tag, shown,
                          "it is not an option microvm-user knows to work without root; remove "
                          "it from the share's extraArgs or virtiofsd.extraArgs");
  if (value != NULL && strcmp (name, "--cache") == 0 && strcmp (value, "none") == 0)
    value = "never"; /* the C virtiofsd's word */
  if (value != NULL && strcmp (name, "--log-level") == 0 && strcmp (value, "err") == 0)
    value = "error";
  if (value != NULL && !value_allowed (spec->values, value))
    return refuse_option (error, tag, shown, "virtiofsd takes one of %s there", spec->values);
  if ((strcmp (name, "--thread-pool-size") == 0 || strcmp (name, "--rlimit-nofile") == 0) &&
      !g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT32, &number, NULL))
    return refuse_option (error, tag, shown, "it is not a number");
  if (strcmp (name, "--sandbox") == 0 && strcmp (value, "chroot") == 0)
    return refuse_option (error, tag, shown,
                          "chroot(2) needs root; the namespace sandbox works without it");
  if (strcmp (name, "--inode-file-handles") == 0 && strcmp (value, "mandatory") == 0)
    return refuse_option (error, tag, shown,
                          "file handles need CAP_DAC_READ_SEARCH, which only root has; "
                          "\"prefer\" falls back to file descriptors");
  if (strcmp (name, "--tag") == 0 && strcmp (value, tag) != 0)
    return refuse_option (error, tag, shown, "it names another tag than the share's");

  switch (spec->handling)
    {
    case SOCKET:
      g_free (options->socket);
      options->socket = g_strdup (value);
      return TRUE;
    case SHARED_DIR:
      g_free (options->shared_dir);
      options->shared_dir = g_strdup (value);
      return TRUE;
    case DROP:
      g_ptr_array_add (options->dropped, g_strdup_printf ("%s (%s)", shown, spec->why));
      return TRUE;
    case REFUSE:
      return refuse_option (error, tag, shown, "%s", spec->why);
    case RLIMIT:
      if (number > reader->hard_nofile)
        {
          g_ptr_array_add (options->dropped,
                           g_strdup_printf ("%s (above the user's hard limit of %" G_GUINT64_FORMAT
                                            " open files; raising it needs root)",
                                            shown, reader->hard_nofile));
          return TRUE;
        }
      break;
    case KEEP:
    default:
      break;
    }
  if (strcmp (name, "--readonly") == 0)
    options->read_only = TRUE;
  option = g_new0 (MuShareOption, 1);
  option->name = g_strdup (name);
  option->value = g_strdup (value);
  g_ptr_array_add (options->options, option);
  return TRUE;
}

/* -o a,b=c: the C virtiofsd's option syntax, which the Rust one accepts. */
static gboolean
add_c_options (const Reader *reader, MuShareOptions *options, const char *tag, const char *list,
               GError **error)
{
  g_auto (GStrv) items = g_strsplit (list, ",", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      g_autofree char *name = g_strdup (items[i]);
      char *equals = strchr (name, '=');
      const char *rust_name = NULL;
      const OptionSpec *spec;

      if (equals != NULL)
        *equals++ = '\0';
      for (gsize j = 0; j < G_N_ELEMENTS (c_option_names) && rust_name == NULL; j++)
        if (strcmp (c_option_names[j].c_name, name) == 0)
          rust_name = c_option_names[j].rust_name;
      if (rust_name == NULL && g_str_has_prefix (name, "no_") && equals == NULL)
        continue; /* no_xattr, no_posix_acl...: what virtiofsd does anyway */
      if (rust_name == NULL)
        {
          g_autofree char *shown = g_strdup_printf ("-o %s", items[i]);
          return refuse_option (error, tag, shown,
                                "it is not an option microvm-user knows to work without root");
        }
      spec = find_spec (rust_name);
      if (spec == NULL || spec->has_value != (equals != NULL))
        {
          g_autofree char *shown = g_strdup_printf ("-o %s", items[i]);
          return refuse_option (error, tag, shown,
                                equals != NULL ? "it takes no value" : "it needs a value");
        }
      if (!add_option (reader, options, tag, rust_name, equals, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
parse_virtiofsd_words (const Reader *reader, const char *tag, GPtrArray *words,
                       MuShareOptions *options, GError **error)
{
  for (guint i = 1; i < words->len; i++)
    {
      const MuShellWord *word = words->pdata[i];
      g_autofree char *name = NULL;
      const char *value = NULL;
      const OptionSpec *spec;
      char *equals;

      if (word->kind == MU_SHELL_WORD_OPT_RLIMIT)
        {
          g_ptr_array_add (options->dropped,
                           g_strdup ("$OPT_RLIMIT (the runner's script sets --rlimit-nofile for "
                                     "root only; virtiofsd keeps the user's open-file limit)"));
          continue;
        }
      if (word->kind != MU_SHELL_WORD_PLAIN)
        return refuse_option (error, tag, word->kind == MU_SHELL_WORD_NPROC ? "`nproc`" : "\"$@\"",
                              "it stands where an option belongs");
      if (strcmp (word->text, "") == 0)
        continue;
      if (strcmp (word->text, "-o") == 0 || g_str_has_prefix (word->text, "-o"))
        {
          const char *list = word->text + 2;
          if (*list == '\0')
            {
              const MuShellWord *next = i + 1 < words->len ? words->pdata[i + 1] : NULL;
              if (next == NULL || next->kind != MU_SHELL_WORD_PLAIN)
                return refuse_option (error, tag, "-o", "it needs a value");
              list = next->text;
              i++;
            }
          if (!add_c_options (reader, options, tag, list, error))
            return FALSE;
          continue;
        }
      name = g_strdup (word->text);
      equals = strchr (name, '=');
      if (equals != NULL)
        {
          *equals = '\0';
          value = equals + 1;
        }
      spec = find_spec (name);
      if (spec != NULL && spec->has_value && value == NULL)
        {
          const MuShellWord *next = i + 1 < words->len ? words->pdata[i + 1] : NULL;
          g_autofree char *nproc = NULL;

          if (next == NULL || next->kind == MU_SHELL_WORD_OPT_RLIMIT ||
              next->kind == MU_SHELL_WORD_ALL_ARGS)
            return refuse_option (error, tag, name, "it needs a value");
          if (next->kind == MU_SHELL_WORD_NPROC)
            {
              if (strcmp (name, "--thread-pool-size") != 0)
                return refuse_option (error, tag, name,
                                      "`nproc` is understood only as "
                                      "--thread-pool-size");
              nproc = g_strdup_printf ("%d", g_get_num_processors ());
              value = nproc;
            }
          else
            value = next->text;
          i++;
          if (!add_option (reader, options, tag, name, value, error))
            return FALSE;
          continue;
        }
      if (spec != NULL && !spec->has_value && value != NULL)
        return refuse_option (error, tag, word->text, "it takes no value");
      if (!add_option (reader, options, tag, name, value, error))
        return FALSE;
    }
  return TRUE;
}

/* A program section's command=: the store script upstream writes, or
 * virtiofsd itself with its options. */
static MuShareOptions *
read_program (const Reader *reader, const char *config_path, const char *tag, const char *command,
              GError **error)
{
  g_autoptr (MuShareOptions) options = mu_share_options_new ();
  g_autoptr (GPtrArray) words = NULL;
  g_autofree char *script = NULL;
  g_autofree char *script_path = NULL;
  const char *file = config_path;

  if (strstr (command, "%(") != NULL)
    {
      fail (error, reader, config_path,
            "the command of the share %s uses a supervisord %%(...)s expansion", tag);
      return NULL;
    }
  words = words_of (reader, config_path, command, FALSE, error);
  if (words == NULL)
    return NULL;
  if (words->len == 0)
    {
      fail (error, reader, config_path, "the share %s has an empty command", tag);
      return NULL;
    }
  if (words->len == 1 && !program_is (words->pdata[0], "virtiofsd"))
    {
      script_path = g_strdup (((MuShellWord *) words->pdata[0])->text);
      file = script_path;
      if (!g_path_is_absolute (file))
        {
          fail (error, reader, config_path, "the command of the share %s is not an absolute path",
                tag);
          return NULL;
        }
      script = read_text (reader, file, error);
      if (script == NULL)
        return NULL;
      g_clear_pointer (&words, g_ptr_array_unref);
      words = words_of (reader, file, script, TRUE, error);
      if (words == NULL)
        return NULL;
    }
  if (!program_is (words->pdata[0], "virtiofsd"))
    {
      g_autofree char *quoted = mh_quote_untrusted (((MuShellWord *) words->pdata[0])->text, 80);
      fail (error, reader, file,
            "the share %s is served by %s, not virtiofsd; microvm-user runs only virtiofsd "
            "and cannot tell that program's options",
            tag, quoted);
      return NULL;
    }
  if (!parse_virtiofsd_words (reader, tag, words, options, error))
    return NULL;
  return g_steal_pointer (&options);
}

/* supervisord's configuration (Python's configparser, written by Nix's
 * generators.toINI): [program:virtiofsd-TAG] sections with command=. */
static GHashTable *
read_supervisord_config (const Reader *reader, const char *config_path, GError **error)
{
  g_autoptr (GHashTable) shares =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) mu_share_options_free);
  g_autofree char *text = read_text (reader, config_path, error);
  g_auto (GStrv) lines = NULL;
  g_autofree char *tag = NULL; /* of the section being read, or NULL */
  gboolean has_command = FALSE;

  if (text == NULL)
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      char *separator;
      MuShareOptions *options;

      if (line[0] == '\0' || line[0] == ';' || line[0] == '#')
        continue;
      if (line[0] == '[')
        {
          char *close = strchr (line, ']');
          if (tag != NULL && !has_command)
            {
              fail (error, reader, config_path, "the share %s has no command=", tag);
              return NULL;
            }
          g_clear_pointer (&tag, g_free);
          if (close == NULL)
            {
              fail (error, reader, config_path, "line %u: an unterminated section name", i + 1);
              return NULL;
            }
          *close = '\0';
          if (g_str_has_prefix (line + 1, "program:virtiofsd-"))
            {
              tag = g_strdup (line + 1 + strlen ("program:virtiofsd-"));
              {
                g_autofree char *shown = shown_text (tag);
                if (tag[0] == '\0' || strcmp (shown, tag) != 0 || strchr (tag, ' ') != NULL)
                  {
                    fail (error, reader, config_path, "line %u: %s is not a share's tag", i + 1,
                          shown);
                    return NULL;
                  }
              }
              if (g_hash_table_contains (shares, tag))
                {
                  fail (error, reader, config_path, "line %u: the share %s comes twice", i + 1,
                        tag);
                  return NULL;
                }
              has_command = FALSE;
            }
          continue;
        }
      separator = strpbrk (line, "=:");
      if (tag == NULL || separator == NULL)
        continue;
      *separator = '\0';
      if (strcmp (g_strstrip (line), "command") != 0)
        continue;
      options = read_program (reader, config_path, tag, g_strstrip (separator + 1), error);
      if (options == NULL)
        return NULL;
      g_hash_table_insert (shares, g_strdup (tag), options);
      has_command = TRUE;
    }
  if (tag != NULL && !has_command)
    {
      fail (error, reader, config_path, "the share %s has no command=", tag);
      return NULL;
    }
  return g_steal_pointer (&shares);
}

GHashTable *
mu_share_options_read (const char *runner_dir, const char *runner_given, guint64 hard_nofile,
                       GError **error)
{
  g_autofree char *run_path = g_build_filename (runner_dir, "bin", "virtiofsd-run", NULL);
  g_autofree char *script = NULL;
  g_autoptr (GPtrArray) words = NULL;
  const char *config = NULL;
  Reader reader = { runner_given, hard_nofile };
  struct stat st;

  if (lstat (run_path, &st) < 0 && errno == ENOENT)
    return NULL;
  script = read_text (&reader, run_path, error);
  if (script == NULL)
    return NULL;
  words = words_of (&reader, run_path, script, TRUE, error);
  if (words == NULL)
    return NULL;
  if (!program_is (words->pdata[0], "supervisord"))
    {
      fail (error, &reader, run_path, "it runs %s, not supervisord as microvm.nix does",
            ((MuShellWord *) words->pdata[0])->text);
      return NULL;
    }
  for (guint i = 1; i < words->len && config == NULL; i++)
    {
      const MuShellWord *word = words->pdata[i];
      const MuShellWord *next = i + 1 < words->len ? words->pdata[i + 1] : NULL;

      if (word->kind != MU_SHELL_WORD_PLAIN)
        continue;
      if (g_str_has_prefix (word->text, "--configuration="))
        config = word->text + strlen ("--configuration=");
      else if ((strcmp (word->text, "--configuration") == 0 || strcmp (word->text, "-c") == 0) &&
               next != NULL && next->kind == MU_SHELL_WORD_PLAIN)
        config = next->text;
    }
  if (config == NULL || !g_path_is_absolute (config))
    {
      fail (error, &reader, run_path,
            "it does not give supervisord a --configuration file by absolute path");
      return NULL;
    }
  return read_supervisord_config (&reader, config, error);
}

/* ------------------------------------------------------------------ */
/* Writing them for one virtiofsd or the other */

gboolean
mu_share_options_append_args (const MuShareOptions *options, const char *tag, gboolean c_virtiofsd,
                              GPtrArray *argv, GError **error)
{
  for (guint i = 0; i < options->options->len; i++)
    {
      const MuShareOption *option = options->options->pdata[i];
      const OptionSpec *spec = find_spec (option->name);
      const char *value = option->value;
      g_autofree char *shown =
        value != NULL ? g_strdup_printf ("%s=%s", option->name, value) : g_strdup (option->name);

      if (!c_virtiofsd)
        {
          g_ptr_array_add (argv, g_strdup (shown));
          continue;
        }
      if (value != NULL && strcmp (option->name, "--cache") == 0 && strcmp (value, "never") == 0)
        value = "none";
      if (value != NULL && strcmp (option->name, "--log-level") == 0)
        {
          if (strcmp (value, "error") == 0)
            value = "err";
          else if (strcmp (value, "trace") == 0 || strcmp (value, "off") == 0)
            spec = NULL;
        }
      if (value != NULL && strcmp (option->name, "--cache") == 0 && strcmp (value, "metadata") == 0)
        spec = NULL;
      if (value != NULL && strcmp (option->name, "--sandbox") == 0 &&
          strcmp (value, "namespace") != 0)
        spec = NULL;
      if (spec == NULL || spec->c_form == NULL)
        return refuse_option (error, tag, shown,
                              "the C virtiofsd (qemu's) has no such option; install the Rust "
                              "virtiofsd (Debian 13: package virtiofsd) and give it with "
                              "--virtiofsd");
      if (spec->c_form[0] == '\0')
        continue;
      if (g_str_has_suffix (spec->c_form, "="))
        {
          g_autofree char *joined = g_strconcat (spec->c_form, value, NULL);
          if (g_str_has_prefix (joined, "-o "))
            {
              g_ptr_array_add (argv, g_strdup ("-o"));
              g_ptr_array_add (argv, g_strdup (joined + 3));
            }
          else
            g_ptr_array_add (argv, g_steal_pointer (&joined));
        }
      else if (g_str_has_prefix (spec->c_form, "-o "))
        {
          g_ptr_array_add (argv, g_strdup ("-o"));
          g_ptr_array_add (argv, g_strdup (spec->c_form + 3));
        }
      else
        g_ptr_array_add (argv, g_strdup (spec->c_form));
    }
  return TRUE;
}

char *
mu_share_options_describe (const MuShareOptions *options)
{
  g_autoptr (GString) text = g_string_new (NULL);

  for (guint i = 0; i < options->options->len; i++)
    {
      const MuShareOption *option = options->options->pdata[i];
      g_autofree char *value = option->value != NULL ? shown_text (option->value) : NULL;

      g_string_append_printf (text, "%s%s%s%s", text->len > 0 ? " " : "", option->name,
                              value != NULL ? "=" : "", value != NULL ? value : "");
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}
