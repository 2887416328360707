/* Fuzz target for mu_runner_load, the runner-layout parser: it reads a
 * directory tree that someone else built (a store path, a download).
 *
 * Every input describes a tree, which is made under a fresh directory,
 * loaded, checked and removed again.  Any byte string is a valid input:
 * every length is capped and anything that would leave the scratch
 * directory is skipped (the tree is built with openat and O_NOFOLLOW on
 * every component, so a symlink made by one record never redirects a
 * later one).
 *
 *   input  = header record*
 *   header = flags:u8 name-length:u8 name-bytes
 *            flags bit 0: load it through a symlink "result" -> runner
 *            the runner directory's name: '/', blanks, control and
 *            non-ASCII bytes become '_' (it is the path the user typed,
 *            which messages show as it is); empty, "." and ".." become
 *            "runner"
 *   record = op:u8 path mode:u8 body
 *            op bits 0-1: 0 regular file, 1 directory, 2 symlink, 3 fifo
 *            op bit 2: file: the body is repeated up to rep KiB (huge
 *                      files and lines from short inputs);
 *                      symlink: the target is special_targets[body[0]]
 *   path   = index:u8; index % 24 < 20: known_paths[index % 24], else
 *            length:u8 and that many bytes, split at '/' (empty, "." and
 *            ".." components dropped, NUL becomes '_')
 *   mode   = owner rwx in bits 0-2, group rwx in bits 3-5, others wx in
 *            bits 6-7 (as root, only "some x bit" matters)
 *   body   = length:u16le bytes, then for repeated files rep:u8
 *
 * Missing parent directories are made (0755).  Beside the runner there is
 * always "<name>-outside", a tree shaped like a runner's share/microvm
 * whose files all hold the word CANARY7 (or 0000:7f:1f.7, or 777777): a
 * name that starts like the runner's, to catch a prefix-only containment
 * check.  If a loaded runner holds canary data that the input itself never
 * wrote, the parser read a file outside the runner: a finding. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz-common.h"
#include "fuzz-runner-format.h"
#include "mh-ifname.h"
#include "mh-pci-address.h"
#include "mu-error.h"
#include "mu-runner.h"

#define MAX_RECORDS 64
#define MAX_COMPONENTS 16
#define MAX_TOTAL_BYTES (4 * 1024 * 1024)

#define CANARY "CANARY7"
#define CANARY_PCI "7f:1f.7"
#define CANARY_CID "777777"

static char *scratch; /* made once per process, removed at exit */

typedef struct {
  const uint8_t *data;
  size_t size;
  size_t pos;
} Reader;

static gboolean
take (Reader *in, size_t n, const uint8_t **out)
{
  if (in->size - in->pos < n)
    return FALSE;
  *out = in->data + in->pos;
  in->pos += n;
  return TRUE;
}

static gboolean
take_u8 (Reader *in, guint *value)
{
  const uint8_t *p;

  if (!take (in, 1, &p))
    return FALSE;
  *value = p[0];
  return TRUE;
}

/* Everything the input wrote into the runner, to tell canary data that
 * leaked in from data the input wrote itself. */
typedef struct {
  GString *written;
} Provenance;

static gboolean
mentions (const Provenance *provenance, const char *needle)
{
  const GString *w = provenance->written;
  gsize n = strlen (needle);

  for (gsize i = 0; i + n <= w->len; i++)
    if (g_ascii_strncasecmp (w->str + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

/* ------------------------------------------------------------ the tree */

static void
remove_tree_at (int parent, const char *name)
{
  int fd = openat (parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *dir;
  struct dirent *entry;

  if (fd < 0)
    {
      unlinkat (parent, name, 0);
      return;
    }
  fchmod (fd, 0700);
  dir = fdopendir (fd);
  if (dir == NULL)
    {
      close (fd);
      return;
    }
  while ((entry = readdir (dir)) != NULL)
    if (strcmp (entry->d_name, ".") != 0 && strcmp (entry->d_name, "..") != 0)
      remove_tree_at (dirfd (dir), entry->d_name);
  closedir (dir);
  unlinkat (parent, name, AT_REMOVEDIR);
}

static void
remove_scratch (void)
{
  if (scratch != NULL)
    remove_tree_at (AT_FDCWD, scratch);
}

/* Splits @path into at most MAX_COMPONENTS clean components. */
static GPtrArray *
split_path (const char *path, gsize length)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);
  gsize start = 0;

  for (gsize i = 0; i <= length; i++)
    if (i == length || path[i] == '/')
      {
        char *part = g_strndup (path + start, i - start);
        start = i + 1;
        if (part[0] == '\0' || strcmp (part, ".") == 0 || strcmp (part, "..") == 0 ||
            parts->len == MAX_COMPONENTS)
          {
            g_free (part);
            continue;
          }
        g_ptr_array_add (parts, part);
      }
  return parts;
}

/* The directory that will hold the last component, made as needed,
 * never through a symlink; -1 if it cannot be. */
static int
open_parent (int root, GPtrArray *parts)
{
  int fd = dup (root);

  for (guint i = 0; fd >= 0 && i + 1 < parts->len; i++)
    {
      int next;

      if (mkdirat (fd, parts->pdata[i], 0755) < 0 && errno != EEXIST)
        {
          close (fd);
          return -1;
        }
      next = openat (fd, parts->pdata[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      close (fd);
      fd = next;
    }
  return fd;
}

static void
write_all (int fd, const char *data, gsize length)
{
  while (length > 0)
    {
      ssize_t n = write (fd, data, length);
      if (n <= 0)
        return;
      data += n;
      length -= (gsize) n;
    }
}

typedef struct {
  const char *outside_rel; /* "<name>-outside", relative to the runner's parent */
  const char *outside_abs;
  const char *runner_abs;
  gsize total_bytes;
  Provenance provenance;
} Tree;

static char *
special_target (const Tree *tree, GPtrArray *parts, guint which)
{
  g_autoptr (GString) up = g_string_new (NULL);

  /* From the link's directory up to the runner's parent. */
  for (guint i = 0; i < parts->len; i++)
    g_string_append (up, "../");
  switch (which)
    {
    case TARGET_CANARY_FILE:
      return g_strdup_printf ("%s%s/data", up->str, tree->outside_rel);
    case TARGET_CANARY_DIR:
      return g_strdup_printf ("%s%s", up->str, tree->outside_rel);
    case TARGET_CANARY_MICROVM:
      return g_strdup_printf ("%s%s/share/microvm", up->str, tree->outside_rel);
    case TARGET_CANARY_ABSOLUTE:
      return g_strdup_printf ("%s/data", tree->outside_abs);
    case TARGET_SELF:
      return g_strdup (parts->pdata[parts->len - 1]);
    case TARGET_RUNNER_ROOT:
      return g_strdup (tree->runner_abs);
    default:
      return g_strdup (fixed_targets[which - TARGET_FIXED]);
    }
}

/* Reads one record and makes it; FALSE at the end of the input. */
static gboolean
make_record (Reader *in, Tree *tree, int root)
{
  g_autoptr (GPtrArray) parts = NULL;
  const uint8_t *bytes;
  const uint8_t *body;
  guint op, index, mode_bits, length_lo, length_hi, rep = 0;
  gsize body_length;
  mode_t mode;
  const char *last;
  int parent;

  if (!take_u8 (in, &op) || !take_u8 (in, &index))
    return FALSE;
  index %= N_PATH_CHOICES;
  if (index < G_N_ELEMENTS (known_paths))
    parts = split_path (known_paths[index], strlen (known_paths[index]));
  else
    {
      guint length;
      g_autofree char *path = NULL;

      if (!take_u8 (in, &length) || !take (in, length, &bytes))
        return FALSE;
      path = g_strndup ((const char *) bytes, length);
      for (guint i = 0; i < length; i++)
        if (bytes[i] == '\0')
          path[i] = '_';
      parts = split_path (path, length);
      g_string_append_len (tree->provenance.written, path, length);
      g_string_append_c (tree->provenance.written, '\n');
    }
  if (!take_u8 (in, &mode_bits) || !take_u8 (in, &length_lo) || !take_u8 (in, &length_hi))
    return FALSE;
  body_length = length_lo | (length_hi << 8);
  if (!take (in, body_length, &body))
    {
      /* A truncated body still makes its file: mutations cut inputs. */
      body = in->data + in->pos;
      body_length = in->size - in->pos;
      in->pos = in->size;
    }
  if ((op & 4) != 0 && (op & 3) == 0)
    take_u8 (in, &rep);

  if (parts->len == 0)
    return TRUE;
  mode = ((mode_bits & 7) << 6) | (((mode_bits >> 3) & 7) << 3) | ((mode_bits >> 6) & 3);
  last = parts->pdata[parts->len - 1];
  parent = open_parent (root, parts);
  if (parent < 0)
    return TRUE;

  switch (op & 3)
    {
    case 0:
      {
        int fd = openat (parent, last, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        gsize target = rep * 1024;

        if (fd < 0)
          break;
        write_all (fd, (const char *) body, body_length);
        g_string_append_len (tree->provenance.written, (const char *) body, body_length);
        if (body_length > 0 && target > body_length)
          {
            /* Whatever a repetition can spell across a seam shows up in
             * two copies back to back. */
            g_string_append_len (tree->provenance.written, (const char *) body, body_length);
            for (gsize done = body_length;
                 done < target && tree->total_bytes + done < MAX_TOTAL_BYTES; done += body_length)
              write_all (fd, (const char *) body, body_length);
            tree->total_bytes += target;
          }
        g_string_append_c (tree->provenance.written, '\n');
        tree->total_bytes += body_length;
        fchmod (fd, mode);
        close (fd);
        break;
      }
    case 1:
      {
        int fd;

        if (mkdirat (parent, last, 0700) < 0 && errno != EEXIST)
          break;
        fd = openat (parent, last, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0)
          {
            fchmod (fd, mode);
            close (fd);
          }
        g_string_append_len (tree->provenance.written, (const char *) body, body_length);
        break;
      }
    case 2:
      {
        g_autofree char *target = NULL;

        if ((op & 4) != 0)
          target = special_target (tree, parts, body_length > 0 ? body[0] % N_SPECIAL_TARGETS : 0);
        else
          {
            target = g_strndup ((const char *) body, body_length);
            for (gsize i = 0; i < body_length; i++)
              if (target[i] == '\0')
                target[i] = '_';
            if (target[0] == '\0')
              g_clear_pointer (&target, g_free);
          }
        if (target != NULL)
          symlinkat (target, parent, last);
        break;
      }
    default:
      mkfifoat (parent, last, mode);
      break;
    }
  close (parent);
  return TRUE;
}

/* The decoy beside the runner: everything in it is canary data. */
static void
make_outside (int parent, const char *name)
{
  static const struct {
    const char *path;
    const char *contents;
  } files[] = {
    { "data", CANARY "\n" },
    { "share/microvm/hypervisor", CANARY "\n" },
    { "share/microvm/tap-interfaces", CANARY "\n" },
    { "share/microvm/tap-flags", "vnet_hdr\n" },
    { "share/microvm/macvtap-interfaces", CANARY " 02:00:00:00:00:01 " CANARY " bridge\n" },
    { "share/microvm/pci-devices", "0000:" CANARY_PCI "\n" },
    { "share/microvm/usb-devices", CANARY "\n" },
    { "share/microvm/vsock-cid", CANARY_CID "\n" },
    { "share/microvm/virtiofs/" CANARY "/source", CANARY "\n" },
    { "share/microvm/virtiofs/" CANARY "/socket", CANARY "\n" },
    { "bin/microvm-run", "#!/bin/sh\n" },
  };
  int root;

  if (mkdirat (parent, name, 0755) < 0)
    return;
  root = openat (parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (root < 0)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr (GPtrArray) parts = split_path (files[i].path, strlen (files[i].path));
      int dir = open_parent (root, parts);
      int fd;

      if (dir < 0)
        continue;
      fd =
        openat (dir, parts->pdata[parts->len - 1], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
      if (fd >= 0)
        {
          write_all (fd, files[i].contents, strlen (files[i].contents));
          close (fd);
        }
      close (dir);
    }
  close (root);
}

/* ------------------------------------------------------------ checks */

static void
check_not_leaked (const Provenance *provenance, const char *what, const char *value)
{
  if (value == NULL || strstr (value, CANARY) == NULL || mentions (provenance, CANARY))
    return;
  fprintf (stderr, "fuzz: %s \"%s\" was read from outside the runner\n", what, value);
  abort ();
}

static void
check_runner (const MuRunner *runner, const char *real, const Provenance *provenance)
{
  g_assert_cmpstr (runner->path, ==, real);
  g_assert_nonnull (runner->name);
  g_assert_nonnull (runner->run_path);
  mu_vm_name_validate (runner->name, NULL);

  check_not_leaked (provenance, "the hypervisor", runner->hypervisor);
  if (runner->hypervisor != NULL)
    {
      g_assert_cmpuint (strlen (runner->hypervisor), >, 0);
      for (const char *p = runner->hypervisor; *p != '\0'; p++)
        g_assert_true (g_ascii_isalnum (*p) || *p == '-' || *p == '_');
    }

  for (guint i = 0; i < runner->taps->len; i++)
    {
      const char *tap = runner->taps->pdata[i];
      g_assert_true (mh_ifname_validate (tap, NULL));
      check_not_leaked (provenance, "the tap", tap);
      for (guint j = 0; j < i; j++)
        g_assert_cmpstr (runner->taps->pdata[j], !=, tap);
    }

  for (guint i = 0; i < runner->pci_devices->len; i++)
    {
      const char *address = runner->pci_devices->pdata[i];
      g_autofree char *again = mh_pci_address_canonicalize (address, NULL);
      g_assert_cmpstr (again, ==, address);
      if (g_str_has_suffix (address, CANARY_PCI) && !mentions (provenance, CANARY_PCI))
        g_error ("the PCI device %s was read from outside the runner", address);
      for (guint j = 0; j < i; j++)
        g_assert_cmpstr (runner->pci_devices->pdata[j], !=, address);
    }

  for (guint i = 0; i < runner->macvtaps->len; i++)
    {
      const MuMacvtap *macvtap = runner->macvtaps->pdata[i];
      g_assert_true (mh_ifname_validate (macvtap->id, NULL));
      g_assert_true (mh_ifname_validate (macvtap->link, NULL));
      check_not_leaked (provenance, "the macvtap", macvtap->id);
      check_not_leaked (provenance, "the macvtap link", macvtap->link);
    }

  for (guint i = 0; i < runner->usb_devices->len; i++)
    check_not_leaked (provenance, "the USB device", runner->usb_devices->pdata[i]);

  for (guint i = 0; i < runner->shares->len; i++)
    {
      const MuShare *share = runner->shares->pdata[i];
      g_assert_cmpuint (strlen (share->tag), >, 0);
      g_assert_cmpuint (strlen (share->tag), <=, MU_RUNNER_MAX_TAG_LEN);
      for (const char *p = share->tag; *p != '\0'; p++)
        g_assert_true ((unsigned char) *p > ' ' && *p != 0x7f);
      if (i > 0)
        g_assert_cmpint (strcmp (((MuShare *) runner->shares->pdata[i - 1])->tag, share->tag), <,
                         0);
      g_assert_nonnull (share->source);
      g_assert_nonnull (share->socket);
      g_assert_cmpuint (strlen (share->source), >, 0);
      g_assert_cmpuint (strlen (share->socket), >, 0);
      g_assert_null (strchr (share->source, '\n'));
      g_assert_null (strchr (share->socket, '\n'));
      check_not_leaked (provenance, "the share tag", share->tag);
      check_not_leaked (provenance, "the share source", share->source);
      check_not_leaked (provenance, "the share socket", share->socket);
    }

  if (runner->vsock_cid != -1)
    {
      g_assert_cmpint (runner->vsock_cid, >=, 3);
      g_assert_cmpint (runner->vsock_cid, <=, (gint64) G_MAXUINT32 - 1);
      if (runner->vsock_cid == 777777 && !mentions (provenance, CANARY_CID))
        g_error ("the vsock cid was read from outside the runner");
    }
}

/* ------------------------------------------------------------ entry */

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  Reader in = { data, size, 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (MuRunner) runner = NULL;
  g_autofree char *name = NULL;
  g_autofree char *outside_name = NULL;
  g_autofree char *top = NULL;
  g_autofree char *runner_abs = NULL;
  g_autofree char *outside_abs = NULL;
  g_autofree char *given = NULL;
  g_autofree char *real = NULL;
  Tree tree = { 0 };
  const uint8_t *name_bytes;
  guint flags = 0, name_length = 0;
  int top_fd, root;

  if (scratch == NULL)
    {
      scratch = g_dir_make_tmp ("mh-fuzz-runner-XXXXXX", NULL);
      g_assert_nonnull (scratch);
      atexit (remove_scratch);
    }

  take_u8 (&in, &flags);
  take_u8 (&in, &name_length);
  if (!take (&in, name_length, &name_bytes))
    {
      name_bytes = (const uint8_t *) "";
      name_length = 0;
    }
  name = g_strndup ((const char *) name_bytes, name_length);
  for (guint i = 0; i < name_length; i++)
    if (name_bytes[i] <= ' ' || name_bytes[i] >= 0x7f || name_bytes[i] == '/')
      name[i] = '_';
  if (name[0] == '\0' || strcmp (name, ".") == 0 || strcmp (name, "..") == 0 ||
      strcmp (name, "result") == 0)
    {
      g_free (name);
      name = g_strdup ("runner");
    }
  outside_name = g_strdup_printf ("%s-outside", name);

  top = g_build_filename (scratch, "t", NULL);
  runner_abs = g_build_filename (top, name, NULL);
  outside_abs = g_build_filename (top, outside_name, NULL);
  g_assert_cmpint (mkdir (top, 0755), ==, 0);
  top_fd = open (top, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  g_assert_cmpint (top_fd, >=, 0);

  tree.outside_rel = outside_name;
  tree.outside_abs = outside_abs;
  tree.runner_abs = runner_abs;
  tree.provenance.written = g_string_new (name);
  g_string_append_c (tree.provenance.written, '\n');

  make_outside (top_fd, outside_name);
  if (mkdirat (top_fd, name, 0755) == 0 &&
      (root = openat (top_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0)
    {
      for (guint i = 0; i < MAX_RECORDS && make_record (&in, &tree, root); i++)
        ;
      close (root);

      if ((flags & 1) != 0 && symlinkat (name, top_fd, "result") == 0)
        given = g_build_filename (top, "result", NULL);
      else
        given = g_strdup (runner_abs);
      real = realpath (runner_abs, NULL);

      runner = mu_runner_load (given, &error);
      if (runner == NULL)
        {
          mh_fuzz_check_error (error, MU_ERROR);
          g_assert_true (g_str_has_prefix (error->message, given));
        }
      else
        {
          g_assert_no_error (error);
          g_assert_nonnull (real);
          check_runner (runner, real, &tree.provenance);
        }
    }

  close (top_fd);
  remove_tree_at (AT_FDCWD, top);
  g_string_free (tree.provenance.written, TRUE);
  return 0;
}
