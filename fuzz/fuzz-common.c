#include "fuzz-common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* GLib ends a fatal message with SIGTRAP (a breakpoint), which libFuzzer
 * does not treat as a crash: it would keep no input.  Abort instead. */
static GLogWriterOutput
write_log (GLogLevelFlags log_level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  GLogWriterOutput written;

  /* The helper logs every call it serves (g_message); millions of lines
   * would only slow the fuzzer down. */
  if ((log_level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG)) != 0)
    return G_LOG_WRITER_HANDLED;
  written = g_log_writer_standard_streams (log_level, fields, n_fields, NULL);
  if ((log_level & (G_LOG_FLAG_FATAL | G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) != 0)
    abort ();
  return written;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* g_return_if_fail() and friends report a caller's broken contract;
   * under fuzzing that is a finding, not noise. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_writer_func (write_log, NULL, NULL);
  return 0;
}

char *
mh_fuzz_cstring (const uint8_t *data, size_t size)
{
  return g_strndup ((const char *) data, size);
}

void
mh_fuzz_check_printable (const char *what, const char *text)
{
  const char *end = NULL;

  if (text == NULL)
    {
      fprintf (stderr, "fuzz: %s is NULL\n", what);
      abort ();
    }
  if (!g_utf8_validate (text, -1, &end))
    {
      fprintf (stderr, "fuzz: %s is not valid UTF-8 (at byte %zu): %s\n", what,
               (size_t) (end - text), text);
      abort ();
    }
  /* C1 controls as well: U+009B is a terminal's CSI, like ESC [. */
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      {
        fprintf (stderr, "fuzz: %s contains the control character U+%04X at byte %zu: %s\n", what,
                 g_utf8_get_char (p), (size_t) (p - text), text);
        abort ();
      }
}

void
mh_fuzz_check_error (const GError *error, GQuark domain)
{
  if (error == NULL)
    {
      fprintf (stderr, "fuzz: failed without setting an error\n");
      abort ();
    }
  if (error->domain != domain)
    {
      fprintf (stderr, "fuzz: error in domain %s, expected %s: %s\n",
               g_quark_to_string (error->domain), g_quark_to_string (domain), error->message);
      abort ();
    }
  if (error->message[0] == '\0')
    {
      fprintf (stderr, "fuzz: empty error message\n");
      abort ();
    }
  mh_fuzz_check_printable ("the error message", error->message);
}
