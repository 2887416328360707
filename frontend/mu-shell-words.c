#include "mu-shell-words.h"

#include <string.h>

#include "mh-error.h"
#include "mu-error.h"

static void layout_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
layout_error (GError **error, const char *format, ...)
{
  va_list args;

  if (error == NULL)
    return;
  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (MU_ERROR, MU_ERROR_LAYOUT, format, args));
  va_end (args);
}

static void
word_free (gpointer data)
{
  MuShellWord *word = data;

  g_free (word->text);
  g_free (word);
}

static gboolean
at_word_end (const char *p)
{
  return *p == '\0' || *p == ' ' || *p == '\t' || *p == '\n';
}

/* An expansion is understood only as a whole word: `nproc`, $(nproc),
 * $OPT_RLIMIT, "$@".  Sets *@kind, or returns FALSE. */
static gboolean
read_expansion (const char **p, gboolean started, MuShellWordKind *kind)
{
  const char *s = *p;
  const char *end = NULL;
  g_autofree char *inner = NULL;

  if (started)
    return FALSE;
  if (g_str_has_prefix (s, "\"$@\""))
    {
      *kind = MU_SHELL_WORD_ALL_ARGS;
      end = s + 4;
    }
  else if (g_str_has_prefix (s, "$OPT_RLIMIT"))
    {
      *kind = MU_SHELL_WORD_OPT_RLIMIT;
      end = s + strlen ("$OPT_RLIMIT");
    }
  else if (*s == '`' || g_str_has_prefix (s, "$("))
    {
      const char *open = *s == '`' ? s + 1 : s + 2;
      const char *close = strchr (open, *s == '`' ? '`' : ')');
      if (close == NULL)
        return FALSE;
      inner = g_strndup (open, close - open);
      if (strcmp (g_strstrip (inner), "nproc") != 0)
        return FALSE;
      *kind = MU_SHELL_WORD_NPROC;
      end = close + 1;
    }
  if (end == NULL || !at_word_end (end))
    return FALSE;
  *p = end;
  return TRUE;
}

/* Splits one logical line (continuations joined) into words; a '#' at a
 * word's start ends it.  Quotes and backslashes as in sh; any other
 * expansion or operator is refused: its meaning needs running it. */
GPtrArray *
mu_shell_split_words (const char *line, guint max_words, GError **error)
{
  g_autoptr (GPtrArray) words = g_ptr_array_new_with_free_func (word_free);
  const char *p = line;

  for (;;)
    {
      g_autoptr (GString) text = g_string_new (NULL);
      gboolean started = FALSE;
      MuShellWordKind kind = MU_SHELL_WORD_PLAIN;

      while (*p == ' ' || *p == '\t' || *p == '\n')
        p++;
      if (*p == '\0' || *p == '#')
        break;
      if (words->len >= max_words)
        {
          layout_error (error, "the command has more than %u words", max_words);
          return NULL;
        }
      while (!at_word_end (p))
        {
          const char *close;

          if (*p == '$' || *p == '`' || g_str_has_prefix (p, "\"$"))
            {
              if (read_expansion (&p, started, &kind))
                {
                  started = TRUE;
                  break;
                }
              {
                g_autofree char *shown = g_strndup (p, 40);
                g_autofree char *quoted = mh_quote_untrusted (shown, 40);
                layout_error (
                  error,
                  "the command uses the shell expansion %s, whose value only running it "
                  "would tell",
                  quoted);
              }
              return NULL;
            }
          switch (*p)
            {
            case '\'':
              close = strchr (p + 1, '\'');
              if (close == NULL)
                goto unterminated;
              g_string_append_len (text, p + 1, close - p - 1);
              p = close + 1;
              break;
            case '"':
              for (p++; *p != '"'; p++)
                {
                  if (*p == '\0')
                    goto unterminated;
                  if (*p == '$' || *p == '`')
                    {
                      layout_error (
                        error, "the command uses a shell expansion inside double quotes, whose "
                               "value only running it would tell");
                      return NULL;
                    }
                  if (*p == '\\' && strchr ("$`\"\\", p[1]) != NULL && p[1] != '\0')
                    p++;
                  g_string_append_c (text, *p);
                }
              p++;
              break;
            case '\\':
              if (p[1] == '\0')
                goto unterminated;
              g_string_append_c (text, p[1]);
              p += 2;
              break;
            case ';':
            case '&':
            case '|':
            case '<':
            case '>':
            case '(':
            case ')':
              layout_error (error,
                            "the command line has the shell operator '%c': it is not one simple "
                            "command",
                            *p);
              return NULL;
            default:
              g_string_append_c (text, *p);
              p++;
            }
          started = TRUE;
        }
      {
        MuShellWord *word = g_new0 (MuShellWord, 1);
        word->kind = kind;
        word->text = g_string_free (g_steal_pointer (&text), FALSE);
        g_ptr_array_add (words, word);
      }
    }
  return g_steal_pointer (&words);

unterminated:
  layout_error (error, "the command line has an unterminated quote or escape");
  return NULL;
}

/* The words of the one `exec` line of a shell script (backslash-newline
 * continuations joined), without the "exec". */
GPtrArray *
mu_shell_exec_line_words (const char *script, guint max_words, GError **error)
{
  g_autoptr (GString) joined = g_string_new (NULL);
  g_autoptr (GPtrArray) found = NULL;
  g_auto (GStrv) lines = NULL;

  for (const char *p = script; *p != '\0'; p++)
    {
      if (*p == '\\' && p[1] == '\n')
        p++;
      else
        g_string_append_c (joined, *p);
    }
  lines = g_strsplit (joined->str, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      g_autoptr (GPtrArray) words = NULL;

      while (*line == ' ' || *line == '\t')
        line++;
      if (!g_str_has_prefix (line, "exec ") && !g_str_has_prefix (line, "exec\t"))
        continue;
      if (found != NULL)
        {
          layout_error (error,
                        "it has more than one exec line; which one runs depends on running it");
          return NULL;
        }
      words = mu_shell_split_words (line, max_words, error);
      if (words == NULL)
        return NULL;
      g_ptr_array_remove_index (words, 0);
      if (words->len == 0)
        {
          layout_error (error, "its exec line names no program");
          return NULL;
        }
      found = g_steal_pointer (&words);
    }
  if (found == NULL)
    layout_error (error, "it has no exec line as microvm.nix writes it");
  return g_steal_pointer (&found);
}
