/* Unit tests of the runner-layout parser on trees made in a temporary
 * directory.  The cases here are the regressions fuzz/fuzz-runner found;
 * the whole layout is exercised by tests/integration/test-frontend.c. */
#include <glib/gstdio.h>
#include <string.h>

#include "mu-error.h"
#include "mu-runner.h"

typedef struct {
  char *dir;    /* scratch directory */
  char *runner; /* dir/runner */
} Fixture;

static void
write_file (Fixture *f, const char *relative, const char *contents, int mode)
{
  g_autofree char *path = g_build_filename (f->runner, relative, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("mh-test-runner-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->runner = g_build_filename (f->dir, "runner", NULL);
  write_file (f, "bin/microvm-run", "#!/bin/sh\n", 0755);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  const char *argv[] = { "rm", "-rf", f->dir, NULL };

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, NULL, NULL));
  g_free (f->runner);
  g_free (f->dir);
}

/* A message that may reach a terminal: one line of UTF-8 without
 * control characters. */
static void
assert_printable (const char *message)
{
  g_assert_true (g_utf8_validate (message, -1, NULL));
  for (const char *p = message; *p != '\0'; p = g_utf8_next_char (p))
    g_assert_false (g_unichar_iscntrl (g_utf8_get_char (p)));
}

static char *
load_error (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MuRunner) runner = mu_runner_load (f->runner, &error);

  g_assert_null (runner);
  g_assert_error (error, MU_ERROR, MU_ERROR_LAYOUT);
  g_test_message ("%s", error->message);
  assert_printable (error->message);
  return g_strdup (error->message);
}

static void
test_valid (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MuRunner) runner = NULL;

  write_file (f, "share/microvm/virtiofs/données/source", "/srv\n", 0644);
  write_file (f, "share/microvm/virtiofs/données/socket", "s.sock\n", 0644);
  runner = mu_runner_load (f->runner, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runner->shares->len, ==, 1);
  g_assert_cmpstr (((MuShare *) runner->shares->pdata[0])->tag, ==, "données");
}

/* fuzz-runner: a tag directory whose name is not UTF-8 put raw bytes into
 * the message, through the file name it names. */
static void
test_tag_not_utf8 (Fixture *f, gconstpointer data)
{
  g_autofree char *message = NULL;

  write_file (f, "share/microvm/virtiofs/ab\xcf\xc9/source", "/srv\n", 0644);
  write_file (f, "share/microvm/virtiofs/ab\xcf\xc9/socket", "s.sock\n", 0644);
  message = load_error (f);
  g_assert_nonnull (strstr (message, "share/microvm/virtiofs: invalid tag \"ab\\xcf\\xc9\": "
                                     "it is not valid UTF-8"));
}

/* fuzz-runner: a tag with a control character (here a terminal escape)
 * reached the message raw, in the file name and in "the tag A/B". */
static void
test_tag_with_escape (Fixture *f, gconstpointer data)
{
  g_autofree char *message = NULL;

  write_file (f, "share/microvm/virtiofs/\x1b[31mred/child/source", "/srv\n", 0644);
  message = load_error (f);
  g_assert_nonnull (strstr (message, "invalid tag \"\\x1b[31mred\": it contains a blank"));
}

/* Valid UTF-8, but U+009B is CSI to a terminal, as ESC [ is. */
static void
test_tag_with_c1_control (Fixture *f, gconstpointer data)
{
  g_autofree char *message = NULL;

  write_file (f,
              "share/microvm/virtiofs/a\xc2\x9b"
              "2Jb/source",
              "/srv\n", 0644);
  write_file (f,
              "share/microvm/virtiofs/a\xc2\x9b"
              "2Jb/socket",
              "s.sock\n", 0644);
  message = load_error (f);
  g_assert_nonnull (strstr (message, "invalid tag \"a\\xc2\\x9b2Jb\": it contains a blank"));
}

static void
test_nested_tag_child_quoted (Fixture *f, gconstpointer data)
{
  g_autofree char *message = NULL;

  write_file (f, "share/microvm/virtiofs/a/\x1b[2J/source", "/srv\n", 0644);
  message = load_error (f);
  g_assert_nonnull (strstr (message, "share/microvm/virtiofs/a: the tag \"a/\\x1b[2J\" contains"));
}

/* The value of a one-line file is reported on the line it is on, not
 * always on line 1. */
static void
test_one_line_files_name_the_line (Fixture *f, gconstpointer data)
{
  g_autofree char *cid = NULL;
  g_autofree char *hypervisor = NULL;

  write_file (f, "share/microvm/vsock-cid", "\n\n  2  \n", 0644);
  cid = load_error (f);
  g_assert_nonnull (strstr (cid, "share/microvm/vsock-cid line 3: \"2\" is not a vsock"));

  write_file (f, "share/microvm/vsock-cid", "3\n", 0644);
  write_file (f, "share/microvm/hypervisor", "\nqemu kvm\n", 0644);
  hypervisor = load_error (f);
  g_assert_nonnull (strstr (hypervisor, "share/microvm/hypervisor line 2: \"qemu kvm\" is not"));
}

/* Every mode upstream writes (source included) is read, the address in
 * lower case; a bad word names the file and the line. */
static void
test_macvtap_lines (Fixture *f, gconstpointer data)
{
  static const char *const modes[] = { "bridge", "vepa", "private", "passthru", "source" };
  g_autoptr (GError) error = NULL;
  g_autoptr (MuRunner) runner = NULL;
  g_autoptr (GString) lines = g_string_new (NULL);
  g_autofree char *bad_mac = NULL;
  g_autofree char *bad_mode = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (modes); i++)
    g_string_append_printf (lines, "vm-m%zu 02:00:00:00:0A:0%zu eth0 %s\n", i, i, modes[i]);
  write_file (f, "share/microvm/macvtap-interfaces", lines->str, 0644);
  runner = mu_runner_load (f->runner, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runner->macvtaps->len, ==, 5);
  g_assert_cmpstr (((MuMacvtap *) runner->macvtaps->pdata[4])->mode, ==, "source");
  g_assert_cmpstr (((MuMacvtap *) runner->macvtaps->pdata[1])->mac, ==, "02:00:00:00:0a:01");

  write_file (f, "share/microvm/macvtap-interfaces",
              "vm-a 02:00:00:00:00:01 eth0 bridge\nvm-b 01:00:5e:00:00:01 eth0 bridge\n", 0644);
  bad_mac = load_error (f);
  /* Runner text is quoted in messages, as the helper quotes it. */
  g_assert_nonnull (strstr (bad_mac,
                            "share/microvm/macvtap-interfaces line 2: \"01:00:5e:00:00:01\" "
                            "is not a unicast Ethernet address"));
  write_file (f, "share/microvm/macvtap-interfaces", "vm-a 02:00:00:00:00:01 eth0 nat\n", 0644);
  bad_mode = load_error (f);
  g_assert_nonnull (strstr (bad_mode, "line 1: \"nat\" is not a macvtap mode"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/runner/macvtap-lines", Fixture, NULL, fixture_set_up, test_macvtap_lines,
              fixture_tear_down);
  g_test_add ("/runner/valid-utf8-tag", Fixture, NULL, fixture_set_up, test_valid,
              fixture_tear_down);
  g_test_add ("/runner/tag-not-utf8", Fixture, NULL, fixture_set_up, test_tag_not_utf8,
              fixture_tear_down);
  g_test_add ("/runner/tag-with-escape", Fixture, NULL, fixture_set_up, test_tag_with_escape,
              fixture_tear_down);
  g_test_add ("/runner/tag-with-c1-control", Fixture, NULL, fixture_set_up,
              test_tag_with_c1_control, fixture_tear_down);
  g_test_add ("/runner/nested-tag-child-quoted", Fixture, NULL, fixture_set_up,
              test_nested_tag_child_quoted, fixture_tear_down);
  g_test_add ("/runner/one-line-files-name-the-line", Fixture, NULL, fixture_set_up,
              test_one_line_files_name_the_line, fixture_tear_down);
  return g_test_run ();
}
