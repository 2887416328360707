#include "mu-runner.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mh-error.h"
#include "mh-ifname.h"
#include "mh-macvtap-words.h"
#include "mh-pci-address.h"
#include "mh-syscall.h"
#include "mu-error.h"

/* Reading context: where the runner is and how to name it in messages. */
typedef struct {
  const char *given; /* for messages */
  const char *real;  /* resolved, for containment checks */
} Reader;

static void
share_free (gpointer data)
{
  MuShare *share = data;

  g_free (share->tag);
  g_free (share->source);
  g_free (share->socket);
  mu_share_options_free (share->options);
  g_free (share);
}

static void
macvtap_free (gpointer data)
{
  MuMacvtap *macvtap = data;

  g_free (macvtap->id);
  g_free (macvtap->mac);
  g_free (macvtap->link);
  g_free (macvtap->mode);
  g_free (macvtap);
}

void
mu_runner_free (MuRunner *runner)
{
  if (runner == NULL)
    return;
  g_free (runner->given_path);
  g_free (runner->path);
  g_free (runner->name);
  g_free (runner->hypervisor);
  g_ptr_array_unref (runner->taps);
  g_ptr_array_unref (runner->pci_devices);
  g_ptr_array_unref (runner->macvtaps);
  g_ptr_array_unref (runner->usb_devices);
  g_ptr_array_unref (runner->shares);
  g_free (runner->system);
  g_free (runner->run_path);
  g_free (runner->shutdown_path);
  g_free (runner);
}

static gboolean layout_error (GError **error, const Reader *reader, const char *file, guint line,
                              const char *format, ...) G_GNUC_PRINTF (5, 6);

/* File names inside the runner are the runner author's text: one with
 * control characters (an escape sequence that would repaint the terminal)
 * is shown quoted. */
static char *
shown_file_name (const char *file)
{
  for (const char *p = file; *p != '\0'; p++)
    if ((unsigned char) *p < 0x20 || *p == 0x7f)
      return mh_quote_untrusted (file, 200);
  return g_strdup (file);
}

static gboolean
layout_error (GError **error, const Reader *reader, const char *file, guint line,
              const char *format, ...)
{
  g_autofree char *what = NULL;
  g_autofree char *shown = shown_file_name (file);
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  if (line > 0)
    g_set_error (error, MU_ERROR, MU_ERROR_LAYOUT, "%s/%s line %u: %s", reader->given, shown, line,
                 what);
  else
    g_set_error (error, MU_ERROR, MU_ERROR_LAYOUT, "%s/%s: %s", reader->given, shown, what);
  return FALSE;
}

static gboolean
is_inside (const char *path, const char *directory)
{
  gsize len = strlen (directory);

  return strncmp (path, directory, len) == 0 && (path[len] == '/' || path[len] == '\0');
}

/* Reads share/microvm/... data: a missing file gives *contents = NULL.  The
 * file must be a regular file inside the runner: a symlink that leads out
 * of it (to /etc/shadow, into /proc) is refused, not followed. */
static gboolean
read_data_file (const Reader *reader, const char *file, char **contents, GError **error)
{
  g_autofree char *path = g_build_filename (reader->real, file, NULL);
  g_autofree char *resolved = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  struct stat st;

  *contents = NULL;
  if (lstat (path, &st) < 0)
    {
      if (errno == ENOENT)
        return TRUE;
      return layout_error (error, reader, file, 0, "cannot read it: %s", g_strerror (errno));
    }

  resolved = realpath (path, NULL);
  if (resolved == NULL)
    {
      if (errno == ELOOP)
        return layout_error (error, reader, file, 0, "it is a symlink loop");
      return layout_error (error, reader, file, 0, "cannot resolve it: %s", g_strerror (errno));
    }
  if (!is_inside (resolved, reader->real))
    {
      g_autofree char *quoted = mh_quote_untrusted (resolved, 80);
      return layout_error (error, reader, file, 0,
                           "it is a symlink leading outside the runner (to %s); refusing to read "
                           "it",
                           quoted);
    }
  if (stat (resolved, &st) < 0)
    return layout_error (error, reader, file, 0, "cannot read it: %s", g_strerror (errno));
  if (!S_ISREG (st.st_mode))
    return layout_error (error, reader, file, 0, "it is not a regular file");
  if (st.st_size > MU_RUNNER_MAX_FILE_SIZE)
    return layout_error (error, reader, file, 0,
                         "it is %lld bytes, more than the %d a runner data file can need; is it "
                         "the right file?",
                         (long long) st.st_size, MU_RUNNER_MAX_FILE_SIZE);

  {
    g_autoptr (GError) local_error = NULL;
    if (!mh_read_small_file (resolved, MU_RUNNER_MAX_FILE_SIZE, &text, &length, &local_error))
      return layout_error (error, reader, file, 0, "cannot read it: %s",
                           local_error->domain == MH_ERRNO_ERROR ? g_strerror (local_error->code)
                                                                 : local_error->message);
  }
  if (memchr (text, '\0', length) != NULL)
    return layout_error (error, reader, file, 0, "it contains a NUL byte; it is not a text file");
  {
    const char *bad = NULL;
    if (!g_utf8_validate (text, (gssize) length, &bad))
      {
        guint line = 1;
        for (const char *p = text; p < bad; p++)
          if (*p == '\n')
            line++;
        return layout_error (error, reader, file, line, "it is not valid UTF-8 text");
      }
  }
  *contents = g_steal_pointer (&text);
  return TRUE;
}

/* Calls @each for every non-blank line, stripped, with its 1-based number. */
typedef gboolean (*LineFunc) (const Reader *reader, const char *file, guint number, char *line,
                              gpointer data, GError **error);

static gboolean
for_each_line (const Reader *reader, const char *file, char *contents, LineFunc each, gpointer data,
               GError **error)
{
  g_auto (GStrv) lines = NULL;

  if (contents == NULL)
    return TRUE;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      if (line[0] == '\0')
        continue;
      if (!each (reader, file, i + 1, line, data, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
add_tap (const Reader *reader, const char *file, guint number, char *line, gpointer data,
         GError **error)
{
  GPtrArray *taps = data;
  g_autoptr (GError) local_error = NULL;

  if (!mh_ifname_validate (line, &local_error))
    return layout_error (error, reader, file, number, "%s", local_error->message);
  for (guint i = 0; i < taps->len; i++)
    if (strcmp (taps->pdata[i], line) == 0)
      return layout_error (error, reader, file, number, "the interface %s is listed twice", line);
  g_ptr_array_add (taps, g_strdup (line));
  return TRUE;
}

static gboolean
add_tap_flags (const Reader *reader, const char *file, guint number, char *line, gpointer data,
               GError **error)
{
  MuRunner *runner = data;
  g_auto (GStrv) words = g_strsplit_set (line, " \t", -1);

  for (guint i = 0; words[i] != NULL; i++)
    {
      if (words[i][0] == '\0')
        continue;
      if (strcmp (words[i], "vnet_hdr") == 0)
        runner->tap_vnet_hdr = TRUE;
      else if (strcmp (words[i], "multi_queue") == 0)
        runner->tap_multi_queue = TRUE;
      else
        {
          g_autofree char *quoted = mh_quote_untrusted (words[i], 32);
          return layout_error (error, reader, file, number,
                               "unknown tap flag %s; known flags: vnet_hdr, multi_queue", quoted);
        }
    }
  return TRUE;
}

static gboolean
add_pci_device (const Reader *reader, const char *file, guint number, char *line, gpointer data,
                GError **error)
{
  GPtrArray *devices = data;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *address = mh_pci_address_canonicalize (line, &local_error);

  if (address == NULL)
    return layout_error (error, reader, file, number, "%s", local_error->message);
  for (guint i = 0; i < devices->len; i++)
    if (strcmp (devices->pdata[i], address) == 0)
      return layout_error (error, reader, file, number, "the device %s is listed twice", address);
  g_ptr_array_add (devices, g_steal_pointer (&address));
  return TRUE;
}

static gboolean
add_macvtap (const Reader *reader, const char *file, guint number, char *line, gpointer data,
             GError **error)
{
  GPtrArray *macvtaps = data;
  g_auto (GStrv) fields = g_strsplit (line, " ", -1);
  g_autoptr (GError) local_error = NULL;
  g_autofree char *mac = NULL;
  MuMacvtap *macvtap;

  if (g_strv_length (fields) != 4)
    return layout_error (error, reader, file, number,
                         "expected \"ID MAC LINK MODE\" separated by single spaces");
  if (!mh_ifname_validate (fields[0], &local_error) ||
      !mh_ifname_validate (fields[2], &local_error))
    return layout_error (error, reader, file, number, "%s", local_error->message);
  if (!mh_mac_parse (fields[1], &mac))
    {
      g_autofree char *quoted = mh_quote_untrusted (fields[1], 32);
      return layout_error (error, reader, file, number,
                           "%s is not a unicast Ethernet address such as 02:00:00:00:00:01",
                           quoted);
    }
  /* Every mode upstream's option allows, source included. */
  if (!mh_macvtap_mode_is_valid (fields[3]))
    {
      g_autofree char *quoted = mh_quote_untrusted (fields[3], 32);
      return layout_error (error, reader, file, number,
                           "%s is not a macvtap mode (bridge, vepa, private, passthru, source)",
                           quoted);
    }
  macvtap = g_new0 (MuMacvtap, 1);
  macvtap->id = g_strdup (fields[0]);
  macvtap->mac = g_steal_pointer (&mac);
  macvtap->link = g_strdup (fields[2]);
  macvtap->mode = g_strdup (fields[3]);
  g_ptr_array_add (macvtaps, macvtap);
  return TRUE;
}

static gboolean
add_usb_device (const Reader *reader, const char *file, guint number, char *line, gpointer data,
                GError **error)
{
  g_ptr_array_add (data, g_strdup (line));
  return TRUE;
}

/* Reads a file of exactly one non-blank line; *@number (if not NULL) is
 * set to that line's number, for messages about its value. */
static gboolean
read_one_line (const Reader *reader, const char *file, gboolean required, char **value,
               guint *number, GError **error)
{
  g_autofree char *contents = NULL;
  g_auto (GStrv) lines = NULL;
  char *found = NULL;

  *value = NULL;
  if (number != NULL)
    *number = 0;
  if (!read_data_file (reader, file, &contents, error))
    return FALSE;
  if (contents == NULL)
    return required ? layout_error (error, reader, file, 0, "the file is missing") : TRUE;

  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);
      if (line[0] == '\0')
        continue;
      if (found != NULL)
        return layout_error (error, reader, file, i + 1, "only one line is expected");
      found = line;
      if (number != NULL)
        *number = i + 1;
    }
  if (found == NULL)
    return layout_error (error, reader, file, 0, "the file is empty");
  *value = g_strdup (found);
  return TRUE;
}

static gboolean
tag_is_valid (const char *tag, const char **why)
{
  /* The spec's tag is UTF-8; anything else would also reach messages and
   * `inspect` output raw. */
  if (!g_utf8_validate (tag, -1, NULL))
    {
      *why = "it is not valid UTF-8";
      return FALSE;
    }
  if (strlen (tag) > MU_RUNNER_MAX_TAG_LEN)
    {
      *why = "it is longer than the 36 bytes a virtio-fs tag may have";
      return FALSE;
    }
  /* Unicode controls too: U+009B is a terminal's CSI, like ESC [. */
  for (const char *p = tag; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c <= ' ' || g_unichar_iscntrl (c) || g_unichar_isspace (c))
        {
          *why = "it contains a blank or control character";
          return FALSE;
        }
    }
  return TRUE;
}

static gint
compare_shares (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(MuShare *const *) a)->tag, (*(MuShare *const *) b)->tag);
}

static gboolean
read_shares (const Reader *reader, MuRunner *runner, GError **error)
{
  const char *dir_rel = "share/microvm/virtiofs";
  g_autofree char *dir_path = g_build_filename (reader->real, dir_rel, NULL);
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GError) local_error = NULL;
  const char *tag;

  dir = g_dir_open (dir_path, 0, &local_error);
  if (dir == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      return layout_error (error, reader, dir_rel, 0, "cannot read it: %s", local_error->message);
    }

  while ((tag = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *tag_dir = g_build_filename (dir_path, tag, NULL);
      g_autofree char *source_rel = g_build_filename (dir_rel, tag, "source", NULL);
      g_autofree char *socket_rel = g_build_filename (dir_rel, tag, "socket", NULL);
      g_autofree char *source_path = g_build_filename (tag_dir, "source", NULL);
      g_autofree char *socket_path = g_build_filename (tag_dir, "socket", NULL);
      g_autofree char *tag_rel = g_build_filename (dir_rel, tag, NULL);
      g_autofree char *quoted = mh_quote_untrusted (tag, 40);
      const char *why = NULL;
      MuShare *share;

      /* First, and named against the directory: every later message
       * shows the tag raw in its file name. */
      if (!tag_is_valid (tag, &why))
        return layout_error (error, reader, dir_rel, 0, "invalid tag %s: %s", quoted, why);
      if (!g_file_test (tag_dir, G_FILE_TEST_IS_DIR))
        return layout_error (error, reader, tag_rel, 0, "expected a directory for the tag %s",
                             quoted);
      if (!g_file_test (source_path, G_FILE_TEST_EXISTS) &&
          !g_file_test (socket_path, G_FILE_TEST_EXISTS))
        {
          /* A tag written with '/' in it becomes nested directories. */
          g_autoptr (GDir) inner = g_dir_open (tag_dir, 0, NULL);
          const char *child = inner != NULL ? g_dir_read_name (inner) : NULL;
          if (child != NULL)
            {
              g_autofree char *nested = g_strdup_printf ("%s/%s", tag, child);
              g_autofree char *quoted_nested = mh_quote_untrusted (nested, 80);
              return layout_error (error, reader, tag_rel, 0,
                                   "the tag %s contains '/', which a virtio-fs tag cannot have",
                                   quoted_nested);
            }
          return layout_error (error, reader, tag_rel, 0, "the tag %s has no source and socket",
                               quoted);
        }

      share = g_new0 (MuShare, 1);
      share->tag = g_strdup (tag);
      g_ptr_array_add (runner->shares, share);
      if (!read_one_line (reader, source_rel, TRUE, &share->source, NULL, error) ||
          !read_one_line (reader, socket_rel, TRUE, &share->socket, NULL, error))
        return FALSE;
    }
  g_ptr_array_sort (runner->shares, compare_shares);
  return TRUE;
}

/* Each share's virtiofsd options, from bin/virtiofsd-run's supervisord
 * configuration; it must describe exactly the shares of
 * share/microvm/virtiofs, or a read-only one could be served writable. */
static gboolean
read_share_options (const Reader *reader, MuRunner *runner, GError **error)
{
  g_autoptr (GHashTable) table = NULL;
  g_autoptr (GError) local_error = NULL;
  struct rlimit limit = { 0, 0 };
  const char *file = "bin/virtiofsd-run";

  if (getrlimit (RLIMIT_NOFILE, &limit) < 0)
    limit.rlim_max = 0;
  table =
    mu_share_options_read (reader->real, reader->given, (guint64) limit.rlim_max, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  runner->has_virtiofsd_run = table != NULL;
  for (guint i = 0; i < runner->shares->len; i++)
    {
      MuShare *share = runner->shares->pdata[i];
      gpointer options = NULL;
      g_autofree char *stolen_tag = NULL;

      if (table == NULL)
        {
          share->options = mu_share_options_new ();
          continue;
        }
      if (!g_hash_table_steal_extended (table, share->tag, (gpointer *) &stolen_tag, &options))
        return layout_error (error, reader, file, 0,
                             "its supervisord configuration has no [program:virtiofsd-%s], so "
                             "whether the share %s is read-only cannot be told; rebuild the "
                             "runner",
                             share->tag, share->tag);
      share->options = options;
      if (share->options->socket != NULL && strcmp (share->options->socket, share->socket) != 0)
        return layout_error (error, reader, file, 0,
                             "its virtiofsd for the share %s listens on another socket than "
                             "share/microvm/virtiofs/%s/socket names; rebuild the runner",
                             share->tag, share->tag);
      if (share->options->shared_dir != NULL &&
          strcmp (share->options->shared_dir, share->source) != 0)
        return layout_error (error, reader, file, 0,
                             "its virtiofsd for the share %s serves another directory than "
                             "share/microvm/virtiofs/%s/source names; rebuild the runner",
                             share->tag, share->tag);
    }
  if (table != NULL && g_hash_table_size (table) > 0)
    {
      GHashTableIter iter;
      gpointer tag;

      g_hash_table_iter_init (&iter, table);
      g_hash_table_iter_next (&iter, &tag, NULL);
      return layout_error (error, reader, file, 0,
                           "its supervisord configuration serves a share %s that "
                           "share/microvm/virtiofs does not have; rebuild the runner",
                           (const char *) tag);
    }
  return TRUE;
}

static gboolean
read_list (const Reader *reader, const char *file, LineFunc each, gpointer data, GError **error)
{
  g_autofree char *contents = NULL;

  if (!read_data_file (reader, file, &contents, error))
    return FALSE;
  return for_each_line (reader, file, contents, each, data, error);
}

static gboolean
find_program (const Reader *reader, const char *file, gboolean required, char **path,
              GError **error)
{
  g_autofree char *full = g_build_filename (reader->real, file, NULL);
  struct stat st;

  *path = NULL;
  /* bin/ entries are usually symlinks to scripts elsewhere in the store, so
   * unlike data files they may lead out of the runner. */
  if (stat (full, &st) < 0)
    {
      if (errno == ENOENT && !required)
        return TRUE;
      if (errno == ENOENT)
        return layout_error (error, reader, file, 0,
                             "it is missing; is this a microvm.nix runner package "
                             "(config.microvm.declaredRunner)?");
      if (errno == ELOOP)
        return layout_error (error, reader, file, 0, "it is a symlink loop");
      return layout_error (error, reader, file, 0, "cannot use it: %s", g_strerror (errno));
    }
  if (!S_ISREG (st.st_mode) || access (full, X_OK) < 0)
    return layout_error (error, reader, file, 0, "it is not an executable file");
  *path = g_steal_pointer (&full);
  return TRUE;
}

static gboolean
is_store_hash (const char *text)
{
  /* Nix's base32 alphabet: digits and lower-case letters without e o u t. */
  static const char alphabet[] = "0123456789abcdfghijklmnpqrsvwxyz";

  if (strlen (text) < 33 || text[32] != '-')
    return FALSE;
  for (int i = 0; i < 32; i++)
    if (strchr (alphabet, text[i]) == NULL)
      return FALSE;
  return TRUE;
}

char *
mu_runner_derive_name (const char *directory, const char *hypervisor)
{
  g_autofree char *base = g_path_get_basename (directory);
  const char *name = base;

  if (is_store_hash (name))
    name += 33;
  if (hypervisor != NULL && g_str_has_prefix (name, "microvm-"))
    {
      g_autofree char *prefix = g_strdup_printf ("microvm-%s-", hypervisor);
      if (g_str_has_prefix (name, prefix) && name[strlen (prefix)] != '\0')
        name += strlen (prefix);
    }
  return g_strdup (name);
}

gboolean
mu_vm_name_validate (const char *name, GError **error)
{
  g_autofree char *quoted = mh_quote_untrusted (name, 70);
  gsize len = strlen (name);

  if (len == 0 || len > 64)
    {
      g_set_error (error, MU_ERROR, MU_ERROR_USAGE,
                   "invalid VM name %s: it must be 1 to 64 characters long", quoted);
      return FALSE;
    }
  if (name[0] == '.' || name[0] == '-')
    {
      g_set_error (error, MU_ERROR, MU_ERROR_USAGE,
                   "invalid VM name %s: it must not start with '.' or '-'", quoted);
      return FALSE;
    }
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      {
        g_set_error (error, MU_ERROR, MU_ERROR_USAGE,
                     "invalid VM name %s: use letters, digits, '-', '_' and '.' only", quoted);
        return FALSE;
      }
  return TRUE;
}

static gboolean
read_vsock_cid (const Reader *reader, MuRunner *runner, GError **error)
{
  g_autofree char *text = NULL;
  guint64 cid;
  guint number;

  if (!read_one_line (reader, "share/microvm/vsock-cid", FALSE, &text, &number, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (text, 10, 3, G_MAXUINT32 - 1, &cid, NULL))
    {
      g_autofree char *quoted = mh_quote_untrusted (text, 32);
      return layout_error (error, reader, "share/microvm/vsock-cid", number,
                           "%s is not a vsock context id (a number from 3 to 4294967294)", quoted);
    }
  runner->vsock_cid = (gint64) cid;
  return TRUE;
}

static gboolean
read_hypervisor (const Reader *reader, MuRunner *runner, GError **error)
{
  guint number;

  if (!read_one_line (reader, "share/microvm/hypervisor", FALSE, &runner->hypervisor, &number,
                      error))
    return FALSE;
  if (runner->hypervisor == NULL)
    return TRUE;
  for (const char *p = runner->hypervisor; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      {
        g_autofree char *quoted = mh_quote_untrusted (runner->hypervisor, 32);
        return layout_error (error, reader, "share/microvm/hypervisor", number,
                             "%s is not a hypervisor name (one word such as qemu)", quoted);
      }
  return TRUE;
}

MuRunner *
mu_runner_load (const char *path, GError **error)
{
  g_autoptr (MuRunner) runner = g_new0 (MuRunner, 1);
  g_autofree char *real = NULL;
  g_autofree char *system_path = NULL;
  Reader reader;

  runner->given_path = g_strdup (path);
  runner->taps = g_ptr_array_new_with_free_func (g_free);
  runner->pci_devices = g_ptr_array_new_with_free_func (g_free);
  runner->macvtaps = g_ptr_array_new_with_free_func (macvtap_free);
  runner->usb_devices = g_ptr_array_new_with_free_func (g_free);
  runner->shares = g_ptr_array_new_with_free_func (share_free);
  runner->vsock_cid = -1;

  real = realpath (path, NULL);
  if (real == NULL)
    {
      int errsv = errno;
      g_set_error (error, MU_ERROR, MU_ERROR_LAYOUT, "%s: %s", path,
                   errsv == ELOOP ? "it is a symlink loop" : g_strerror (errsv));
      return NULL;
    }
  if (!g_file_test (real, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, MU_ERROR, MU_ERROR_LAYOUT,
                   "%s is not a directory; give the runner package (e.g. ./result)", path);
      return NULL;
    }
  runner->path = g_strdup (real);
  reader.given = path;
  reader.real = real;

  if (!find_program (&reader, "bin/microvm-run", TRUE, &runner->run_path, error) ||
      !find_program (&reader, "bin/microvm-shutdown", FALSE, &runner->shutdown_path, error) ||
      !read_hypervisor (&reader, runner, error) ||
      !read_list (&reader, "share/microvm/tap-interfaces", add_tap, runner->taps, error) ||
      !read_list (&reader, "share/microvm/tap-flags", add_tap_flags, runner, error) ||
      !read_list (&reader, "share/microvm/macvtap-interfaces", add_macvtap, runner->macvtaps,
                  error) ||
      !read_list (&reader, "share/microvm/pci-devices", add_pci_device, runner->pci_devices,
                  error) ||
      !read_list (&reader, "share/microvm/usb-devices", add_usb_device, runner->usb_devices,
                  error) ||
      !read_shares (&reader, runner, error) || !read_share_options (&reader, runner, error) ||
      !read_vsock_cid (&reader, runner, error))
    return NULL;

  {
    g_autofree char *register_path = g_build_filename (real, "bin/microvm-register", NULL);
    runner->has_machine_register = g_file_test (register_path, G_FILE_TEST_EXISTS);
  }

  /* Only read as a link: it points into the store, outside the runner. */
  system_path = g_build_filename (real, "share/microvm/system", NULL);
  runner->system = g_file_read_link (system_path, NULL);

  runner->name = mu_runner_derive_name (real, runner->hypervisor);
  return g_steal_pointer (&runner);
}
