/* Fuzz target for mh_ifname_validate: the gate every tap name passes
 * before it reaches the kernel.  Besides crashes, it compares the answer
 * with the rules as mh-ifname.h states them, written again here. */
#include <string.h>

#include "fuzz-common.h"
#include "mh-error.h"
#include "mh-ifname.h"

static gboolean
rules_allow (const char *name)
{
  gsize len = strlen (name);
  gboolean digits_only = TRUE;

  if (len < 1 || len > 15)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      unsigned char c = (unsigned char) name[i];
      if (c < 33 || c > 126 || c == '/' || c == ':' || c == '%')
        return FALSE;
      if (c < '0' || c > '9')
        digits_only = FALSE;
    }
  if (digits_only)
    return FALSE;
  return strcmp (name, ".") != 0 && strcmp (name, "..") != 0 && strcmp (name, "all") != 0 &&
         strcmp (name, "default") != 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *name = mh_fuzz_cstring (data, size);
  g_autoptr (GError) error = NULL;
  gboolean valid = mh_ifname_validate (name, &error);

  g_assert_cmpint (valid, ==, rules_allow (name));
  g_assert_cmpint (mh_ifname_validate (name, NULL), ==, valid);
  if (valid)
    g_assert_no_error (error);
  else
    mh_fuzz_check_error (error, MH_ERROR);
  return 0;
}
