/* Adversarial tests: callers who attack.  Races for one name, hostile
 * names and option dicts, 64 KiB strings, variants nested to the bus's
 * limit and beyond, huge batches, wrong signatures and unknown members,
 * clients killed while polkit is asked or while their batch is being
 * made, a leased tap given away; PCI addresses in tricky forms.  Runners
 * that attack the frontend are in test-adversarial-runner.c.
 *
 * After each: the same helper still runs and answers, and the kernel's
 * taps are exactly the ones its registry records. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "mh-test-pci.h"
#include "mh-test.h"

/* The same helper as at @pid answers, and agrees with the kernel. */
static void
assert_helper_sound (GPid pid)
{
  g_autoptr (MhTestAgent) bob = mh_test_agent_new ("bob");
  g_autoptr (GVariant) listed = mh_test_assert_call_ok (bob, "ListTaps", "()");
  g_autofree char *kernel = NULL;
  g_autofree char *recorded = NULL;

  g_assert_cmpint (mh_test_helper_pid (), ==, pid);
  kernel = mh_test_kernel_taps ();
  recorded = mh_test_registry_taps ();
  g_assert_cmpstr (kernel, ==, recorded);
}

/* Neither the kernel nor the registry has a tap. */
static void
assert_no_taps (void)
{
  g_autofree char *kernel = mh_test_kernel_taps ();
  g_autofree char *recorded = mh_test_registry_taps ();

  g_assert_cmpstr (kernel, ==, "");
  g_assert_cmpstr (recorded, ==, "");
}

/* Starts the helper (any call does) and returns its pid. */
static GPid
start_helper (MhTestAgent *agent)
{
  g_autoptr (GVariant) listed = mh_test_assert_call_ok (agent, "ListTaps", "()");
  GPid pid = mh_test_helper_pid ();

  g_assert_cmpint (pid, >, 0);
  return pid;
}

/* GVariant text of a string, quoted and escaped. */
static char *
quote (const char *text)
{
  g_autoptr (GVariant) literal = g_variant_ref_sink (g_variant_new_string (text));

  return g_variant_print (literal, FALSE);
}

static gboolean
answer_is_ok (const char *answer)
{
  return g_str_has_prefix (answer, "ok ");
}

static void
assert_answer_is_error (const char *answer, const char *name, const char *message_part)
{
  g_autofree char *prefix = g_strdup_printf ("error %s ", name);

  if (!g_str_has_prefix (answer, prefix) ||
      (message_part != NULL && strstr (answer, message_part) == NULL))
    g_error ("expected %s (\"%s\"), got: %.300s", name, message_part ? message_part : "", answer);
}

/* ------------------------------------------------------------------ */
/* Two users, one name, the same moment */

static gboolean
registry_records (const char *name, guint32 uid)
{
  g_autofree char *registry = mh_test_helper_registry ();
  g_autofree char *needle = g_strdup_printf ("name=%s\nuid=%u\n", name, uid);

  return strstr (registry, needle) != NULL;
}

static void
send_create (MhTestAgent *agent, const char *name, const char *batch_with)
{
  if (batch_with != NULL)
    mh_test_agent_send (agent, "call CreateTaps ([('%s', {}), ('%s', {})],)", batch_with, name);
  else
    mh_test_agent_send (agent, "call CreateTap ('%s', {})", name);
}

static void
test_same_name_race (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) bob = mh_test_agent_new ("bob");
  GPid pid = start_helper (alice);
  guint alice_won = 0, bob_won = 0;

  for (guint round = 0; round < 30; round++)
    {
      g_autofree char *name = g_strdup_printf ("vm-race%u", round);
      g_autofree char *bobs_other = g_strdup_printf ("vm-bob%u", round);
      g_autofree char *alice_answer = NULL, *bob_answer = NULL;
      /* Every third round bob asks for the name within a batch. */
      gboolean batch = round % 3 == 0;
      MhTestAgent *first = round % 2 == 0 ? alice : bob;
      MhTestAgent *second = first == alice ? bob : alice;
      MhTestAgent *winner, *loser;
      const char *loser_answer;
      guint32 winner_uid;

      /* Both calls are on their way before either answer is read. */
      send_create (first, name, first == bob && batch ? bobs_other : NULL);
      send_create (second, name, second == bob && batch ? bobs_other : NULL);
      alice_answer = mh_test_agent_receive (alice);
      bob_answer = mh_test_agent_receive (bob);

      g_assert_cmpint (answer_is_ok (alice_answer) + answer_is_ok (bob_answer), ==, 1);
      winner = answer_is_ok (alice_answer) ? alice : bob;
      loser = winner == alice ? bob : alice;
      loser_answer = loser == alice ? alice_answer : bob_answer;
      winner_uid = winner == alice ? MH_TEST_UID_ALICE : MH_TEST_UID_BOB;
      assert_answer_is_error (loser_answer, "org.microvm.Helper1.Error.Busy", NULL);
      g_test_message ("round %u: %s won; the other got %s", round,
                      winner == alice ? "alice" : "bob", loser_answer);

      /* The kernel's owner is the winner, and the registry says the same. */
      g_assert_cmpint (mh_test_iface_attr_int (name, "owner"), ==, winner_uid);
      g_assert_true (registry_records (name, winner_uid));
      /* bob's batch was all or nothing. */
      if (batch)
        g_assert_cmpint (mh_test_iface_exists (bobs_other), ==, winner == bob);

      {
        g_autofree char *args = g_strdup_printf ("('%s',)", name);
        g_autofree char *other_args = g_strdup_printf ("('%s',)", bobs_other);
        g_variant_unref (mh_test_assert_call_ok (winner, "DeleteTap", args));
        if (batch && winner == bob)
          g_variant_unref (mh_test_assert_call_ok (bob, "DeleteTap", other_args));
      }
      g_assert_false (mh_test_iface_exists (name));
      if (winner == alice)
        alice_won++;
      else
        bob_won++;
    }
  g_test_message ("alice won %u rounds, bob %u", alice_won, bob_won);
  assert_helper_sound (pid);
}

/* ------------------------------------------------------------------ */
/* Names */

/* Valid by the rules (printable ASCII but / : %), hostile to shells and
 * to the registry's file format: made, listed, kept across a restart and
 * deleted under exactly their names. */
static void
test_hostile_valid_names (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  const char *names[] = {
    "vm-0123456789ab", /* 15 bytes, the most Linux allows: not truncated */
    "vm\\x",
    "vm\\",
    "vm\\nx",
    "\\",
    "vm#x",
    "vm=x",
    "[vm]",
    "vm;x",
    "vm\"x",
    "vm'x",
    "$(id)",
    "`id`",
    "*",
    "-x",
    "~",
    "vm,x",
    "vm&x",
    "vm|x",
    "vm<x>",
    "0x1",
    "-",
    "@",
    "vm{x}",
  };
  GPid pid = start_helper (alice);

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *quoted = quote (names[i]);
      g_autofree char *args = g_strdup_printf ("(%s, {'release_on_disconnect': <false>})", quoted);
      g_autoptr (GVariant) created = mh_test_assert_call_ok (alice, "CreateTap", args);
      const char *made;

      g_variant_get (created, "(&si)", &made, NULL);
      g_assert_cmpstr (made, ==, names[i]);
      g_assert_true (mh_test_iface_exists (names[i]));
      g_assert_cmpint (mh_test_iface_attr_int (names[i], "owner"), ==, MH_TEST_UID_ALICE);
    }
  {
    g_autofree char *kernel = mh_test_kernel_taps ();
    g_autofree char *recorded = mh_test_registry_taps ();
    g_assert_cmpstr (kernel, ==, recorded);
  }

  /* A new helper reads the registry back: nothing moved aside, every tap
   * still listed and deletable. */
  mh_test_helper_kill ();
  {
    g_autoptr (GVariant) listed = mh_test_assert_call_ok (alice, "ListTaps", "()");
    g_autoptr (GVariant) list = g_variant_get_child_value (listed, 0);
    g_autoptr (GDir) dir = g_dir_open ("/run/microvm-helper", 0, NULL);
    const char *entry;

    g_assert_cmpuint (g_variant_n_children (list), ==, G_N_ELEMENTS (names));
    while ((entry = g_dir_read_name (dir)) != NULL)
      g_assert_null (strstr (entry, "unreadable"));
  }
  pid = mh_test_helper_pid ();
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *quoted = quote (names[i]);
      g_autofree char *args = g_strdup_printf ("(%s,)", quoted);

      g_variant_unref (mh_test_assert_call_ok (alice, "DeleteTap", args));
      g_assert_false (mh_test_iface_exists (names[i]));
    }
  assert_no_taps ();
  assert_helper_sound (pid);
}

/* Besides /taps/bad-names: control characters and DEL. */
static void
test_control_characters (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  const char *names[] = { "vm-\x7f", "vm-\x01", "\x1b[31m", "vm\r", "vm-\x1f" };
  GPid pid = start_helper (alice);

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *quoted = quote (names[i]);
      g_autofree char *args = g_strdup_printf ("(%s, {})", quoted);
      g_autofree char *message = mh_test_assert_call_error (
        alice, "CreateTap", args, "InvalidArgument", "only printable ASCII without spaces");

      /* Quoted in the message, never raw. */
      g_assert_null (strpbrk (message, "\x7f\x01\x1b\r\x1f"));
    }
  assert_no_taps ();
  assert_helper_sound (pid);
}

/* ------------------------------------------------------------------ */
/* Option dicts, nesting, long strings, huge batches */

/* @pattern with "@@" replaced by @value. */
static char *
fill (const char *pattern, const char *value)
{
  g_auto (GStrv) parts = g_strsplit (pattern, "@@", 2);

  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  return g_strconcat (parts[0], value, parts[1], NULL);
}

static char *
many_options (guint n, gboolean same_key)
{
  g_autoptr (GString) text = g_string_new ("{");

  for (guint i = 0; i < n; i++)
    {
      if (same_key)
        g_string_append_printf (text, "%s'multi_queue': <true>", i > 0 ? ", " : "");
      else
        g_string_append_printf (text, "%s'k%u': <true>", i > 0 ? ", " : "", i);
    }
  g_string_append_c (text, '}');
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
test_huge_option_dict (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autofree char *unknown = many_options (10000, FALSE);
  g_autofree char *repeated = many_options (10000, TRUE);
  GPid pid = start_helper (alice);
  const struct {
    const char *method;
    const char *format;
    const char *options;
    const char *message;
  } cases[] = {
    { "CreateTap", "('vm-h', @@)", unknown, "unknown option \"k0\"" },
    { "CreateTap", "('vm-h', @@)", repeated, "option \"multi_queue\" is given twice" },
    { "CreateTaps", "([('vm-h', @@)],)", unknown, "taps[0] \"vm-h\": unknown option \"k0\"" },
    { "CreateTaps", "([('vm-h', {}), ('vm-i', @@)],)", repeated, "is given twice" },
    /* Refused before anything reads PCI devices. */
    { "BindPciDevice", "('0000:01:00.0', @@)", unknown, "unknown option \"k0\"" },
    { "BindPciDevice", "('0000:01:00.0', @@)", repeated, "unknown option \"multi_queue\"" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *args = fill (cases[i].format, cases[i].options);
      g_autofree char *message = mh_test_assert_call_error (alice, cases[i].method, args,
                                                            "InvalidArgument", cases[i].message);
      g_assert_cmpuint (strlen (message), <, 400);
    }
  assert_no_taps ();
  assert_helper_sound (pid);
}

static char *
nested (guint depth)
{
  g_autoptr (GString) text = g_string_new ("true");

  for (guint i = 0; i < depth; i++)
    {
      g_string_prepend_c (text, '<');
      g_string_append_c (text, '>');
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
test_nested_variants (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  GPid pid = start_helper (alice);
  const guint inside[] = { 4, 8, 32, 62 };
  const guint beyond[] = { 63, 64, 100 };

  /* Up to the bus's limit of 64 levels in all, the helper sees them and
   * says what is wrong. */
  for (gsize i = 0; i < G_N_ELEMENTS (inside); i++)
    {
      g_autofree char *value = nested (inside[i]);
      /* The batch's array and struct take two of the levels. */
      g_autofree char *shallower = nested (inside[i] - 2);
      g_autofree char *args = g_strdup_printf ("('vm-n', {'multi_queue': %s})", value);
      g_autofree char *batch = g_strdup_printf ("([('vm-n', {'vnet_hdr': %s})],)", shallower);
      g_autofree char *m1 = mh_test_assert_call_error (
        alice, "CreateTap", args, "InvalidArgument", "must be a boolean (D-Bus type 'b'), not 'v'");
      g_autofree char *m2 = mh_test_assert_call_error (alice, "CreateTaps", batch,
                                                       "InvalidArgument", "must be a boolean");
    }
  {
    g_autofree char *m = mh_test_assert_call_error (
      alice, "CreateTap", "('vm-n', {'multi_queue': <{'a': <{'b': <[<1>, <'x'>]>}>}>})",
      "InvalidArgument", "not 'a{sv}'");
  }

  /* Beyond it, dbus-daemon drops the message and the sender's connection:
   * the helper never sees it and serves everyone else. */
  for (gsize i = 0; i < G_N_ELEMENTS (beyond); i++)
    {
      g_autoptr (MhTestAgent) attacker = mh_test_agent_new ("alice");
      g_autofree char *value = nested (beyond[i]);
      g_autofree char *answer =
        mh_test_agent_command (attacker, "call CreateTap ('vm-n', {'multi_queue': %s})", value);

      g_test_message ("nested %u deep: %s", beyond[i], answer);
      g_assert_true (g_str_has_prefix (answer, "error "));
      g_assert_null (strstr (answer, "org.microvm.Helper1.Error"));
      g_assert_cmpint (mh_test_helper_pid (), ==, pid);
    }
  assert_no_taps ();
  assert_helper_sound (pid);
}

static void
test_64k_strings (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autofree char *long_name = g_strnfill (64 * 1024, 'a');
  g_autofree char *long_odd = g_strnfill (64 * 1024, '\x01');
  g_autofree char *name = quote (long_name);
  g_autofree char *odd = quote (long_odd);
  GPid pid = start_helper (alice);
  const struct {
    const char *method;
    const char *format;
    const char *string;
    const char *message;
  } cases[] = {
    { "CreateTap", "(@@, {})", name, "it is 65536 bytes long, Linux allows at most 15" },
    { "CreateTap", "(@@, {})", odd, "invalid interface name" },
    { "CreateTaps", "([('vm-l', {}), (@@, {})],)", name, "taps[1]" },
    { "DeleteTap", "(@@,)", name, "invalid interface name" },
    { "CreateTap", "('vm-l', {@@: <true>})", name, "unknown option \"aaaa" },
    { "CreateTap", "('vm-l', {@@: <true>})", odd, "unknown option" },
    { "CreateTap", "('vm-l', {'multi_queue': <@@>})", name, "must be a boolean" },
    { "BindPciDevice", "(@@, {})", name, "invalid PCI address" },
    { "BindPciDevice", "('0000:01:00.0', {@@: <true>})", odd, "unknown option" },
    { "ReleasePciDevice", "(@@,)", odd, "invalid PCI address" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *args = fill (cases[i].format, cases[i].string);
      g_autofree char *message = mh_test_assert_call_error (alice, cases[i].method, args,
                                                            "InvalidArgument", cases[i].message);
      /* Hostile text is cut, and never comes back raw. */
      g_assert_cmpuint (strlen (message), <, 400);
      g_assert_null (strchr (message, '\x01'));
    }
  assert_no_taps ();
  assert_helper_sound (pid);
}

static char *
batch_of (guint n, gboolean repeat_last)
{
  g_autoptr (GString) text = g_string_new ("([");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (text, "%s('t%05u', {})", i > 0 ? ", " : "",
                            repeat_last && i == n - 1 ? 0 : i);
  g_string_append (text, "],)");
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
test_huge_batch (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autofree char *huge = batch_of (100000, FALSE);
  g_autofree char *repeated = batch_of (100000, TRUE);
  g_autofree char *m1 = NULL, *m2 = NULL, *m3 = NULL;
  GPid pid = start_helper (alice);

  /* Over the per-user limit: refused before a single name is looked at. */
  m1 = mh_test_assert_call_error (alice, "CreateTaps", huge, "LimitExceeded",
                                  "100000 taps asked for in one call, more than the limit of 32");
  assert_helper_sound (pid);

  /* With the per-user limit out of the way, every name is checked (the
   * last repeats the first), then the total limit refuses the rest. */
  mh_test_helper_set_config ("[Taps]\nMaxPerUser=200000\n");
  mh_test_helper_kill ();
  pid = start_helper (alice);
  m2 = mh_test_assert_call_error (alice, "CreateTaps", repeated, "InvalidArgument",
                                  "taps[99999] \"t00000\": the name is listed more than once");
  m3 = mh_test_assert_call_error (alice, "CreateTaps", huge, "LimitExceeded", "(MaxTotal=");
  assert_no_taps ();
  assert_no_taps ();
  assert_helper_sound (pid);
}

/* ------------------------------------------------------------------ */
/* The bus */

static void
test_wrong_signatures (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  GPid pid = start_helper (alice);
  const struct {
    const char *method;
    const char *args;
  } cases[] = {
    { "CreateTap", "('vm-w',)" },
    { "CreateTap", "(1, @a{sv} {})" },
    { "CreateTap", "('vm-w', {'multi_queue': true})" },
    { "CreateTap", "('vm-w', @a{sv} {}, 'extra')" },
    { "CreateTaps", "([('vm-w', 'x')],)" },
    { "CreateTaps", "(['vm-w'],)" },
    { "DeleteTap", "(uint32 5,)" },
    { "DeleteTap", "()" },
    { "ListTaps", "('everyone',)" },
    { "BindPciDevice", "('0000:01:00.0',)" },
    { "ReleasePciDevice", "(['0000:01:00.0'],)" },
    { "ListPciDevices", "(true,)" },
    { "SetMemlockLimit", "(int32 -1,)" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *answer =
        mh_test_agent_command (alice, "call -r %s %s", cases[i].method, cases[i].args);
      assert_answer_is_error (answer, "org.freedesktop.DBus.Error.InvalidArgs",
                              "does not match expected type");
    }
  assert_no_taps ();
  assert_helper_sound (pid);
}

static void
test_unknown_members (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  GPid pid = start_helper (alice);
  const struct {
    const char *command;
    const char *error;
    const char *message;
  } cases[] = {
    { "call createtap ('vm-u', @a{sv} {})", "org.freedesktop.DBus.Error.UnknownMethod", NULL },
    { "call DeleteAllTaps ()", "org.freedesktop.DBus.Error.UnknownMethod", NULL },
    { "call-at /org/microvm/Helper1 org.freedesktop.DBus.Properties Set "
      "('org.microvm.Helper1', 'Version', <'9.9'>)",
      "org.freedesktop.DBus.Error.InvalidArgs", "is not writable" },
    { "call-at /org/microvm/Helper1 org.freedesktop.DBus.Properties Get "
      "('org.microvm.Helper1', 'Owner')",
      "org.freedesktop.DBus.Error.InvalidArgs", "No such property" },
    { "call-at /org/microvm/Helper1/taps org.microvm.Helper1 ListTaps ()",
      "org.freedesktop.DBus.Error.UnknownMethod", "Object does not exist" },
    /* Only the helper's interface gets through the bus's policy. */
    { "call-at /org/microvm/Helper1 org.microvm.Helper2 CreateTap ('vm-u', @a{sv} {})",
      "org.freedesktop.DBus.Error.AccessDenied", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *answer = mh_test_agent_command (alice, "%s", cases[i].command);
      assert_answer_is_error (answer, cases[i].error, cases[i].message);
    }
  {
    g_autofree char *version = mh_test_agent_command (alice, "get Version");
    g_assert_cmpstr (version, ==, "ok '" MH_TEST_VERSION "'");
  }
  assert_helper_sound (pid);
}

/* A rule that takes its time over taps named vm-slow*: the helper is
 * waiting for polkit's answer while the test kills the caller. */
static void
install_slow_rule (void)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents ("/etc/polkit-1/rules.d/00-slow.rules",
                       "polkit.addRule(function(action, subject) {\n"
                       "    var names = action.lookup(\"interfaces\");\n"
                       "    if (names !== undefined && names.indexOf(\"vm-slow\") == 0) {\n"
                       "        var until = new Date().getTime() + 1500;\n"
                       "        while (new Date().getTime() < until) {}\n"
                       "    }\n"
                       "    return polkit.Result.NOT_HANDLED;\n"
                       "});\n",
                       -1, &error);
  g_assert_no_error (error);
}

/* polkitd reloads its rules when the directory changes; a slow check is
 * the sign that it has. */
static void
wait_slow_rule (MhTestAgent *alice)
{
  for (guint attempt = 0;; attempt++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr (GVariant) made =
        mh_test_assert_call_ok (alice, "CreateTap", "('vm-slow-probe', {})");

      g_variant_unref (mh_test_assert_call_ok (alice, "DeleteTap", "('vm-slow-probe',)"));
      if (g_get_monotonic_time () - start > G_USEC_PER_SEC)
        return;
      g_assert_cmpuint (attempt, <, 50);
      g_usleep (100 * 1000);
    }
}

static void
test_killed_while_polkit_asks (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  GPid pid = start_helper (alice);
  const struct {
    const char *args;
    guint delay_ms;  /* before the kill: 0 = while the helper asks who it is */
    gboolean leased; /* then nothing may be left once the helper is done */
  } cases[] = {
    { "('vm-slow0', {'release_on_disconnect': <true>})", 300, TRUE },
    { "('vm-slow1', {})", 300, FALSE },
    { "('vm-slow2', {'release_on_disconnect': <true>})", 0, TRUE },
    { "('vm-slow3', {})", 0, FALSE },
  };

  install_slow_rule ();
  wait_slow_rule (alice);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (MhTestAgent) victim = mh_test_agent_new ("alice");
      g_autofree char *name = g_strdup_printf ("vm-slow%zu", i);

      mh_test_agent_send (victim, "call CreateTap %s", cases[i].args);
      if (cases[i].delay_ms > 0)
        g_usleep (cases[i].delay_ms * 1000);
      mh_test_agent_kill (victim);

      /* Once polkit has answered and the helper has acted on it: */
      g_usleep (2500 * 1000);
      if (cases[i].leased)
        {
          g_assert_true (mh_test_wait_iface (name, FALSE, 10000));
          g_assert_true (mh_test_wait_registry (name, FALSE, 5000));
        }
      else if (mh_test_iface_exists (name))
        {
          /* Made for a caller who is gone: complete, recorded, alice's. */
          g_assert_true (registry_records (name, MH_TEST_UID_ALICE));
          g_assert_cmpint (mh_test_iface_attr_int (name, "owner"), ==, MH_TEST_UID_ALICE);
          g_autofree char *args = g_strdup_printf ("('%s',)", name);
          g_variant_unref (mh_test_assert_call_ok (alice, "DeleteTap", args));
        }
      g_test_message ("%s killed after %u ms: done", name, cases[i].delay_ms);
      assert_helper_sound (pid);
    }
  assert_no_taps ();
}

static void
test_killed_during_create_taps (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) victim = mh_test_agent_new ("alice");
  g_autoptr (GString) batch = g_string_new ("([");
  gboolean seen_creating = FALSE;
  gint64 deadline;
  GPid pid;

  mh_test_helper_set_config ("[Taps]\nMaxPerUser=256\n");
  pid = start_helper (alice);
  for (guint i = 0; i < 256; i++)
    g_string_append_printf (batch, "%s('vm-k%03u', {'release_on_disconnect': <true>})",
                            i > 0 ? ", " : "", i);
  g_string_append (batch, "],)");

  mh_test_agent_send (victim, "call CreateTaps %s", batch->str);
  /* The registry says "creating" from before the kernel work until the
   * batch is made: kill the caller in between. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!seen_creating && g_get_monotonic_time () < deadline)
    {
      g_autofree char *registry = mh_test_helper_registry ();
      seen_creating = strstr (registry, "state=creating") != NULL;
      g_usleep (200);
    }
  mh_test_agent_kill (victim);
  g_test_message ("killed the caller %s the batch was being made",
                  seen_creating ? "while" : "(too late to see) after");
  g_assert_true (seen_creating);

  /* The helper finishes the batch, then its lease ends: all go. */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autofree char *kernel = mh_test_kernel_taps ();
      g_autofree char *recorded = mh_test_registry_taps ();
      if (kernel[0] == '\0' && recorded[0] == '\0')
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50 * 1000);
    }
  assert_helper_sound (pid);
}

/* The hypervisor (here root, standing in for it) gave alice's leased tap
 * to bob with TUNSETOWNER: when alice's client leaves, the helper leaves
 * bob's tap alone, and neither alice nor an administrator can delete it
 * through the helper. */
static void
test_leased_tap_given_away (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) client = mh_test_agent_new ("alice");
  g_autoptr (MhTestAgent) dave = mh_test_agent_new ("dave");
  g_autofree char *m1 = NULL, *m2 = NULL;
  GPid pid = start_helper (alice);

  g_variant_unref (mh_test_assert_call_ok (client, "CreateTap",
                                           "('vm-given', {'release_on_disconnect': <true>})"));
  mh_test_tap_set_owner ("vm-given", MH_TEST_UID_BOB);

  m1 =
    mh_test_assert_call_error (dave, "DeleteTap", "('vm-given',)", "Refused", "owner was changed");
  m2 =
    mh_test_assert_call_error (alice, "DeleteTap", "('vm-given',)", "Refused", "owner was changed");
  mh_test_agent_kill (client);
  g_assert_true (mh_test_wait_registry ("vm-given", FALSE, 10000));
  g_assert_true (mh_test_iface_exists ("vm-given"));
  g_assert_cmpint (mh_test_iface_attr_int ("vm-given", "owner"), ==, MH_TEST_UID_BOB);
  /* Forgotten, and still not the helper's to delete. */
  g_free (m1);
  m1 = mh_test_assert_call_error (alice, "DeleteTap", "('vm-given',)", "Refused",
                                  "not made by microvm-helper");
  g_assert_cmpint (mh_test_helper_pid (), ==, pid);
  MH_TEST_RUN ("ip", "link", "delete", "vm-given");
  assert_helper_sound (pid);
}

/* ------------------------------------------------------------------ */
/* PCI addresses */

static void
test_pci_addresses (void)
{
  g_autoptr (MhTestAgent) alice = mh_test_agent_new ("alice");
  g_autofree char *spec = mh_test_pci_standard_spec (TRUE);
  g_autofree char *long_tail = g_strnfill (64 * 1024, 'A');
  g_autofree char *valid_then_long = g_strconcat ("0000:01:00.0", long_tail, NULL);
  /* Besides /pci/bad-arguments. */
  const char *invalid[] = {
    "0000:01:00.0\n",
    "0000:01:00.0\t",
    "0000:01:00,0",
    "0000;01:00.0",
    "0x00:01:00.0",
    "+000:01:00.0",
    "-000:01:00.0",
    "0000:01:1f.8",
    "0000:01:00.a",
    "0000:-1:00.0",
    "0000:01:0g.0",
    "\xef\xbc\x90"
    "000:01:00.0", /* a fullwidth zero */
    "../00.0",
    "01:00.0/",
    "01:00.0\\",
    "%s%s%s%s%s%s",
    "0000:01:00.0;reboot",
    "10000:01:00.0",
    valid_then_long,
  };
  GPid pid;

  mh_test_pci_start (spec, NULL);
  pid = start_helper (alice);
  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autofree char *quoted = quote (invalid[i]);
      g_autofree char *bind = g_strdup_printf ("(%s, {})", quoted);
      g_autofree char *release = g_strdup_printf ("(%s,)", quoted);
      g_autofree char *m1 = mh_test_assert_call_error (alice, "BindPciDevice", bind,
                                                       "InvalidArgument", "invalid PCI address");
      g_autofree char *m2 = mh_test_assert_call_error (alice, "ReleasePciDevice", release,
                                                       "InvalidArgument", "invalid PCI address");
      g_assert_cmpuint (strlen (m1), <, 400);
      /* Shown as text, never used as a format. */
      if (strchr (invalid[i], '%') != NULL)
        g_assert_nonnull (strstr (m1, invalid[i]));
    }
  /* Well formed: any case, short or long form, and then looked up. */
  mh_test_pci_assert_bind_error (alice, "ffff:ff:1f.7", "NotFound", "ffff:ff:1f.7");
  mh_test_pci_assert_bind_error (alice, "00:1C.0", "Refused", "0000:00:1c.0 is a PCI bridge");
  mh_test_pci_assert_release_error (alice, "0000:01:00.0", "NotFound", "does not hold");
  mh_test_pci_assert_untouched ();
  assert_helper_sound (pid);
}

int
main (int argc, char **argv)
{
  mh_test_init (&argc, &argv);

  g_test_add_func ("/adversarial/same-name-race", test_same_name_race);
  g_test_add_func ("/adversarial/hostile-valid-names", test_hostile_valid_names);
  g_test_add_func ("/adversarial/control-characters", test_control_characters);
  g_test_add_func ("/adversarial/huge-option-dict", test_huge_option_dict);
  g_test_add_func ("/adversarial/nested-variants", test_nested_variants);
  g_test_add_func ("/adversarial/64k-strings", test_64k_strings);
  g_test_add_func ("/adversarial/huge-batch", test_huge_batch);
  g_test_add_func ("/adversarial/wrong-signatures", test_wrong_signatures);
  g_test_add_func ("/adversarial/unknown-members", test_unknown_members);
  g_test_add_func ("/adversarial/killed-while-polkit-asks", test_killed_while_polkit_asks);
  g_test_add_func ("/adversarial/killed-during-create-taps", test_killed_during_create_taps);
  g_test_add_func ("/adversarial/leased-tap-given-away", test_leased_tap_given_away);
  g_test_add_func ("/adversarial/pci-addresses", test_pci_addresses);

  return g_test_run ();
}
