/* Writes the binary seeds of fuzz/corpus: runner trees in fuzz-runner's
 * encoding and serialized CreateTap/CreateTaps arguments for
 * fuzz-tap-request.  The text seeds of the other targets are plain files.
 *
 *   fuzz-make-seeds CORPUS-DIR     (writes CORPUS-DIR/runner/seed-*,
 *                                   CORPUS-DIR/tap-request/seed-*) */
#include <gio/gio.h>
#include <glib.h>

#include "mh-helper1-generated.h"
#include <stdio.h>
#include <string.h>

#include "fuzz-runner-format.h"

static const char *out_dir;

static void
write_seed (const char *target, const char *name, const void *data, gsize length)
{
  g_autofree char *dir = g_build_filename (out_dir, target, NULL);
  g_autofree char *file = g_strdup_printf ("seed-%s", name);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autoptr (GError) error = NULL;

  g_mkdir_with_parents (dir, 0755);
  if (!g_file_set_contents (path, data, (gssize) length, &error))
    g_error ("%s", error->message);
}

/* ------------------------------------------------------------ runners */

static GByteArray *
tree_new (guint8 flags, const char *name)
{
  GByteArray *b = g_byte_array_new ();
  guint8 length = (guint8) strlen (name);

  g_byte_array_append (b, &flags, 1);
  g_byte_array_append (b, &length, 1);
  g_byte_array_append (b, (const guint8 *) name, length);
  return b;
}

static void
append_path (GByteArray *b, const char *path)
{
  for (guint8 i = 0; i < G_N_ELEMENTS (known_paths); i++)
    if (strcmp (known_paths[i], path) == 0)
      {
        g_byte_array_append (b, &i, 1);
        return;
      }
  {
    guint8 index = PATH_LITERAL;
    guint8 length = (guint8) strlen (path);
    g_byte_array_append (b, &index, 1);
    g_byte_array_append (b, &length, 1);
    g_byte_array_append (b, (const guint8 *) path, length);
  }
}

static void
record (GByteArray *b, guint8 op, const char *path, guint8 mode, const void *body, gsize length)
{
  guint8 size[2] = { (guint8) (length & 0xff), (guint8) (length >> 8) };

  g_byte_array_append (b, &op, 1);
  append_path (b, path);
  g_byte_array_append (b, &mode, 1);
  g_byte_array_append (b, size, 2);
  g_byte_array_append (b, body, (guint) length);
}

static void
file (GByteArray *b, const char *path, const char *text)
{
  record (b, RECORD_FILE, path, MODE_READABLE, text, strlen (text));
}

static void
binary_file (GByteArray *b, const char *path, const void *data, gsize length)
{
  record (b, RECORD_FILE, path, MODE_READABLE, data, length);
}

static void
program (GByteArray *b, const char *path)
{
  static const char script[] = "#!/bin/sh\nexec sleep infinity\n";
  record (b, RECORD_FILE, path, MODE_EXECUTABLE, script, strlen (script));
}

static void
repeated_file (GByteArray *b, const char *path, const char *text, guint8 kib)
{
  record (b, RECORD_FILE | RECORD_REPEAT, path, MODE_READABLE, text, strlen (text));
  g_byte_array_append (b, &kib, 1);
}

static void
dir (GByteArray *b, const char *path, guint8 mode)
{
  record (b, RECORD_DIR, path, mode, NULL, 0);
}

static void
symlink_to (GByteArray *b, const char *path, const char *target)
{
  record (b, RECORD_SYMLINK, path, 0, target, strlen (target));
}

static void
special_symlink (GByteArray *b, const char *path, guint8 which)
{
  record (b, RECORD_SYMLINK | RECORD_SPECIAL, path, 0, &which, 1);
}

static guint8
fixed_target (const char *target)
{
  for (guint i = 0; i < G_N_ELEMENTS (fixed_targets); i++)
    if (strcmp (fixed_targets[i], target) == 0)
      return (guint8) (TARGET_FIXED + i);
  g_error ("no fixed target %s", target);
}

static void
fifo (GByteArray *b, const char *path)
{
  record (b, RECORD_FIFO, path, MODE_READABLE, NULL, 0);
}

static void
tree_write (GByteArray *b, const char *name)
{
  write_seed ("runner", name, b->data, b->len);
  g_byte_array_unref (b);
}

static void
write_runner_seeds (void)
{
  GByteArray *b;

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  tree_write (b, "minimal");

  /* What microvm.nix writes for a qemu VM with everything. */
  b = tree_new (HEADER_VIA_RESULT_LINK, "0123456789abcdfghijklmnpqrsvwxyz-microvm-qemu-myvm");
  program (b, "bin/microvm-run");
  program (b, "bin/microvm-shutdown");
  program (b, "bin/tap-up");
  file (b, "share/microvm/hypervisor", "qemu\n");
  file (b, "share/microvm/tap-interfaces", "vm-myvm0\nvm-myvm1\n");
  file (b, "share/microvm/tap-flags", "vnet_hdr\nmulti_queue\n");
  file (b, "share/microvm/macvtap-interfaces", "mvt-myvm 02:00:00:00:00:01 eth0 bridge\n");
  file (b, "share/microvm/pci-devices", "0000:01:00.0\n02:00.1\n");
  file (b, "share/microvm/usb-devices", "vendorid=0x0bda,productid=0x2838\n");
  file (b, "share/microvm/vsock-cid", "5\n");
  symlink_to (b, "share/microvm/system",
              "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-nixos-system-myvm-24.11");
  file (b, "share/microvm/virtiofs/home/source", "/home/alice/vm\n");
  file (b, "share/microvm/virtiofs/home/socket", "home.sock\n");
  file (b, "share/microvm/virtiofs/ro-store/source", "/nix/store\n");
  file (b, "share/microvm/virtiofs/ro-store/socket", "/run/user/1000/ro-store.sock\n");
  tree_write (b, "full-qemu");

  b = tree_new (0, "microvm-cloud-hypervisor-web");
  program (b, "bin/microvm-run");
  file (b, "share/microvm/hypervisor", "cloud-hypervisor\n");
  file (b, "share/microvm/tap-interfaces", "  \n\nvm-web  \n\t\n\n");
  file (b, "share/microvm/tap-flags", " vnet_hdr \t multi_queue\n\n");
  file (b, "share/microvm/virtiofs/home/source", "\n\n  state  \n\n");
  file (b, "share/microvm/virtiofs/home/socket", "sock\n");
  tree_write (b, "blank-lines");

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  binary_file (b, "share/microvm/tap-interfaces", "vm-a\n\0vm-b\n", 11);
  tree_write (b, "nul-byte");

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  file (b, "share/microvm/usb-devices", "vendorid=0x0bda\n\xff\xfe\xc3(\n");
  tree_write (b, "not-utf8");

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  repeated_file (b, "share/microvm/tap-interfaces", "vm-aaaaaaaaaaaaaaa", 80);
  tree_write (b, "too-big");

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  repeated_file (b, "share/microvm/usb-devices", "x", 60);
  repeated_file (b, "share/microvm/virtiofs/home/source", "/very/long/path", 63);
  file (b, "share/microvm/virtiofs/home/socket", "s\n");
  tree_write (b, "huge-lines");

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  special_symlink (b, "share/microvm/tap-interfaces", TARGET_CANARY_FILE);
  tree_write (b, "symlink-to-sibling");

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  dir (b, "share", MODE_DIR);
  special_symlink (b, "share/microvm", TARGET_CANARY_MICROVM);
  tree_write (b, "microvm-dir-outside");

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  special_symlink (b, "share", TARGET_CANARY_DIR);
  tree_write (b, "share-outside");

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  symlink_to (b, "share/microvm/virtiofs", "../../../runner-outside/share/microvm/virtiofs");
  tree_write (b, "virtiofs-outside");

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  special_symlink (b, "share/microvm/tap-interfaces", fixed_target ("/proc/self/mem"));
  special_symlink (b, "share/microvm/pci-devices", fixed_target ("/proc/self/fd/0"));
  tree_write (b, "symlinks-into-proc");

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  special_symlink (b, "share/microvm", fixed_target ("/proc/self/root"));
  tree_write (b, "microvm-is-root");

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  special_symlink (b, "share/microvm/virtiofs", fixed_target ("/proc/self/root"));
  tree_write (b, "virtiofs-is-root");

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  special_symlink (b, "share/microvm/tap-interfaces", TARGET_SELF);
  symlink_to (b, "share/microvm/loop-a", "loop-b");
  symlink_to (b, "share/microvm/loop-b", "loop-a");
  symlink_to (b, "share/microvm/pci-devices", "loop-a");
  tree_write (b, "symlink-loops");

  b = tree_new (0, "runner");
  special_symlink (b, "bin/microvm-run", TARGET_SELF);
  tree_write (b, "run-is-a-loop");

  b = tree_new (HEADER_VIA_RESULT_LINK, "runner");
  special_symlink (b, "bin/microvm-run", fixed_target ("/proc/self/exe"));
  special_symlink (b, "bin/microvm-shutdown", fixed_target ("/dev/null"));
  tree_write (b, "run-outside");

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  file (b, "share/microvm/virtiofs/a/b/source", "/x\n");
  file (b, "share/microvm/virtiofs/a/b/socket", "x.sock\n");
  tree_write (b, "tag-with-slash");

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  file (b, "share/microvm/virtiofs/\x1b[31mred/child/source", "/x\n");
  tree_write (b, "tag-with-escape");

  /* U+009B, a C1 control (CSI), valid UTF-8; no socket, so a message
   * names the tag's files. */
  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  file (b,
        "share/microvm/virtiofs/a\xc2\x9b"
        "2Jb/source",
        "/x\n");
  tree_write (b, "tag-with-c1-control");

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  file (b, "share/microvm/virtiofs/a tag/source", "/x\n");
  file (b, "share/microvm/virtiofs/a tag/socket", "x.sock\n");
  file (b, "share/microvm/virtiofs/0123456789012345678901234567890123456/source", "/x\n");
  file (b, "share/microvm/virtiofs/0123456789012345678901234567890123456/socket", "x\n");
  tree_write (b, "bad-tags");

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  file (b, "share/microvm/virtiofs/home/source", "/a\n/b\n");
  file (b, "share/microvm/virtiofs/home/socket", "\n \n");
  tree_write (b, "share-two-lines");

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  file (b, "share/microvm/vsock-cid", "\n\n4294967295\n");
  file (b, "share/microvm/hypervisor", "qemu kvm\n");
  tree_write (b, "bad-cid-and-hypervisor");

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  fifo (b, "share/microvm/tap-interfaces");
  fifo (b, "share/microvm/virtiofs/home/source");
  tree_write (b, "fifos");

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  dir (b, "share/microvm/tap-interfaces", MODE_DIR);
  file (b, "share/microvm/virtiofs", "not a directory\n");
  tree_write (b, "wrong-kinds");

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  file (b, "share/microvm/tap-interfaces", "vm-a\nvm-a\n");
  file (b, "share/microvm/pci-devices", "0000:01:00.0\n01:00.0\n");
  file (b, "share/microvm/macvtap-interfaces", "a  b c d\n");
  file (b, "share/microvm/tap-flags", "vnet_hdr tso\n");
  tree_write (b, "duplicates-and-bad-lines");

  b = tree_new (0, "runner");
  file (b, "bin/microvm-run", "#!/bin/sh\n");
  tree_write (b, "run-not-executable");

  b = tree_new (0, "runner");
  program (b, "bin/microvm-run");
  file (b, "share/microvm/tap-interfaces", "vm-a\nall\n0123456789abcdef\nvm/x\n");
  tree_write (b, "bad-interface-names");
}

/* ------------------------------------------------------- tap requests */

static void
variant_seed (const char *name, gboolean batch, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) value = g_variant_parse (
    batch ? G_VARIANT_TYPE ("(a(sa{sv}))") : G_VARIANT_TYPE ("(sa{sv})"), text, NULL, NULL, &error);
  g_autoptr (GByteArray) b = g_byte_array_new ();
  guint8 selector = batch ? 1 : 0;

  if (value == NULL)
    g_error ("%s: %s", text, error->message);
  g_byte_array_append (b, &selector, 1);
  g_byte_array_append (b, g_variant_get_data (value), (guint) g_variant_get_size (value));
  write_seed ("tap-request", name, b->data, b->len);
}

static void
write_tap_request_seeds (void)
{
  variant_seed ("tap-plain", FALSE, "('vm-a', @a{sv} {})");
  variant_seed ("tap-all-options", FALSE,
                "('vm-a', {'multi_queue': <true>, 'vnet_hdr': <false>, "
                "'release_on_disconnect': <true>})");
  variant_seed ("tap-later-options", FALSE, "('vm-a', {'mtu': <uint32 1500>, 'bridge': <'br0'>})");
  variant_seed ("tap-wrong-type", FALSE, "('vm-a', {'multi_queue': <'yes'>})");
  variant_seed ("tap-twice", FALSE, "('vm-a', {'vnet_hdr': <true>, 'vnet_hdr': <false>})");
  variant_seed ("tap-unknown-key", FALSE, "('vm-a', {'\\u001b[31m': <int32 1>})");
  variant_seed ("tap-nested-variant", FALSE, "('vm-a', {'multi_queue': <[<true>]>})");
  variant_seed ("tap-bad-name", FALSE, "('all', @a{sv} {})");
  variant_seed ("tap-long-name", FALSE, "('0123456789abcdefg', @a{sv} {})");
  variant_seed ("tap-escape-name", FALSE, "('vm\\u001b[2J', @a{sv} {})");
  variant_seed ("taps-two", TRUE,
                "([('vm-a', @a{sv} {}), ('vm-b', {'multi_queue': <true>, "
                "'release_on_disconnect': <true>})],)");
  variant_seed ("taps-empty", TRUE, "(@a(sa{sv}) [],)");
  variant_seed ("taps-duplicate", TRUE, "([('vm-a', @a{sv} {}), ('vm-a', @a{sv} {})],)");
  variant_seed ("taps-bad-in-middle", TRUE,
                "([('vm-a', @a{sv} {}), ('vm:b', @a{sv} {}), ('vm-c', @a{sv} {})],)");
  variant_seed ("taps-bad-option-in-middle", TRUE,
                "([('vm-a', @a{sv} {}), ('vm-b', {'mtu': <1500>}), ('vm-c', @a{sv} {})],)");
}

/* fuzz-dispatch: a sequence of calls, each [method index][flags][length]
 * [serialized arguments]; the index is looked up by name here. */
typedef struct {
  const char *method;
  guint8 flags; /* bit 0 polkit allows, bit 1 interactive, bits 2-3 caller */
  const char *args;
} Call;

static void
dispatch_seed (const char *name, const Call *calls, gsize n_calls)
{
  GDBusInterfaceInfo *info = mh_helper1_interface_info ();
  g_autoptr (GByteArray) b = g_byte_array_new ();

  for (gsize i = 0; i < n_calls; i++)
    {
      GDBusMethodInfo *method = g_dbus_interface_info_lookup_method (info, calls[i].method);
      g_autoptr (GPtrArray) types = g_ptr_array_new ();
      g_autoptr (GVariantType) type = NULL;
      g_autoptr (GVariant) value = NULL;
      g_autoptr (GError) error = NULL;
      guint8 header[4];
      guint8 index = 0;
      gsize size;

      g_assert_nonnull (method);
      while (info->methods[index] != method)
        index++;
      for (guint a = 0; method->in_args != NULL && method->in_args[a] != NULL; a++)
        g_ptr_array_add (types, (gpointer) G_VARIANT_TYPE (method->in_args[a]->signature));
      type =
        g_variant_type_new_tuple ((const GVariantType *const *) types->pdata, (gint) types->len);
      value = g_variant_parse (type, calls[i].args, NULL, NULL, &error);
      if (value == NULL)
        g_error ("%s: %s", calls[i].args, error->message);
      size = g_variant_get_size (value);
      header[0] = index;
      header[1] = calls[i].flags;
      header[2] = size & 0xff;
      header[3] = (size >> 8) & 0xff;
      g_byte_array_append (b, header, 4);
      g_byte_array_append (b, g_variant_get_data (value), (guint) size);
    }
  write_seed ("dispatch", name, b->data, b->len);
}

static void
write_dispatch_seeds (void)
{
  const Call create_list_delete[] = {
    { "CreateTap", 1, "('vm-a', {'multi_queue': <true>})" },
    { "ListTaps", 0, "()" },
    { "DeleteTap", 1, "('vm-a',)" },
  };
  const Call batch_and_other_user[] = {
    { "CreateTaps", 1, "([('vm-a', @a{sv} {}), ('vm-b', {'release_on_disconnect': <true>})],)" },
    { "DeleteTap", 1 | (1 << 2), "('vm-a',)" },
    { "CreateTap", 1 | (1 << 2), "('vm-b', @a{sv} {})" },
  };
  const Call denied[] = {
    { "CreateTap", 2, "('vm-a', @a{sv} {})" },
    { "DeleteTap", 0, "('vm-foreign',)" },
  };
  const Call pci[] = {
    { "BindPciDevice", 1, "('01:00.0', {'release_on_disconnect': <true>})" },
    { "ListPciDevices", 0, "()" },
    { "ReleasePciDevice", 1, "('0000:01:00.0',)" },
    { "SetMemlockLimit", 1, "(uint64 1073741824,)" },
  };
  const Call foreign[] = {
    { "CreateTap", 1, "('eth0', @a{sv} {})" },
    { "CreateTap", 1, "('vm-foreign', @a{sv} {})" },
    { "DeleteTap", 1, "('vm-foreign',)" },
  };

  dispatch_seed ("create-list-delete", create_list_delete, G_N_ELEMENTS (create_list_delete));
  dispatch_seed ("batch-and-other-user", batch_and_other_user, G_N_ELEMENTS (batch_and_other_user));
  dispatch_seed ("denied", denied, G_N_ELEMENTS (denied));
  dispatch_seed ("pci", pci, G_N_ELEMENTS (pci));
  dispatch_seed ("foreign", foreign, G_N_ELEMENTS (foreign));
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: %s CORPUS-DIR\n", argv[0]);
      return 2;
    }
  out_dir = argv[1];
  write_runner_seeds ();
  write_tap_request_seeds ();
  write_dispatch_seeds ();
  return 0;
}
