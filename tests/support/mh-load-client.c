/* mh-load-client: one caller of the load test (tests/integration/
 * test-load.c), run as a test user.  It keeps one connection to the
 * system bus and IN_FLIGHT calls outstanding on it, and checks every
 * answer against the one it must get:
 *
 *   mh-load-client PREFIX CALLS IN_FLIGHT SEED [--denied]
 *
 * Each of the IN_FLIGHT slots runs short scripts, one call after the
 * other, on tap names of its own (PREFIX-SLOT...), so the right answer to
 * every call is known whatever the other slots and callers do:
 *
 *   pair     CreateTap, CreateTap again (the same tap, reused),
 *            CreateTap with another multi_queue (Busy), DeleteTap
 *   batch    CreateTaps of two, ListTaps (both listed as ours), DeleteTap
 *            of each
 *   bad      one malformed call: bad names, unknown or mistyped options,
 *            an empty or repeated batch, a wrong signature, an unknown
 *            method, a tap that does not exist
 *   foreign  DeleteTap and CreateTap of alice's tap lk-alice, which the
 *            test made first (NotAuthorized, Busy)
 *
 * First it creates two taps leased to its connection (PREFIX-La and -Lb),
 * last it lists its taps (exactly those two must be left), then it exits
 * and the helper must delete them.  With --denied (mallory, whom the
 * rules deny) every privileged call must be NotAuthorized, malformed ones
 * InvalidArgument, and ListTaps empty.
 *
 * Exactly CALLS calls are made.  The last line of the output is
 *   PREFIX calls=N ok=N errors=N wrong=N lost=N seconds=S
 * where errors are the expected error answers, wrong the answers that
 * were not what they must be (each also printed on a line of its own),
 * and lost the calls that got no answer (timeout, connection lost).  The
 * exit status is 0 when wrong and lost are both 0. */
#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mh-error.h"

#define CALL_TIMEOUT_MS (120 * 1000)
#define ERROR_PREFIX "org.microvm.Helper1.Error."
#define MAX_REPORTED 20

typedef enum {
  CHECK_CREATED,     /* (si): our name, the kernel's ifindex, owned by us */
  CHECK_REUSED,      /* (si): the same ifindex as the slot's first tap */
  CHECK_BATCH,       /* (a(si)): the slot's two names, in order */
  CHECK_LISTED,      /* (a(sia{sv})): holds the slot's batch, ours */
  CHECK_ONLY_LEASED, /* (a(sia{sv})): exactly the two leased taps */
  CHECK_EMPTY_LIST,  /* (a(sia{sv})): nothing */
  CHECK_UNIT,        /* () */
  CHECK_ERROR,       /* the error name (and message part) below */
} Check;

typedef struct {
  const char *method;
  GVariant *args; /* owned */
  gboolean interactive;
  Check check;
  const char *error_name; /* full D-Bus name, for CHECK_ERROR */
  const char *message_part;
} Step;

typedef struct {
  guint index;
  char name[16]; /* the slot's tap */
  char batch[2][16];
  gint32 ifindex; /* of the slot's tap, once created */
  gint32 batch_ifindex[2];
  GQueue steps; /* Step* still to run */
} Slot;

static const char *prefix;
static gboolean denied;
static guint calls_left;
static guint in_flight;
static guint n_ok, n_errors, n_wrong, n_lost, n_calls;
static GDBusConnection *bus;
static GMainLoop *loop;
static GRand *rand_source;
static guint32 my_uid;
static gint32 leased_ifindex[2];
static char leased[2][16];

static void
step_free (Step *step)
{
  g_variant_unref (step->args);
  g_free (step);
}

static void
add_step (Slot *slot, const char *method, GVariant *args, Check check, const char *error_name,
          const char *message_part)
{
  Step *step = g_new0 (Step, 1);

  step->method = method;
  step->args = g_variant_ref_sink (args);
  step->interactive = TRUE;
  step->check = check;
  step->error_name = error_name;
  step->message_part = message_part;
  g_queue_push_tail (&slot->steps, step);
}

static void
add_error (Slot *slot, const char *method, GVariant *args, const char *short_name,
           const char *message_part)
{
  const char *name = NULL;

  if (strcmp (short_name, "InvalidArgs") == 0)
    name = "org.freedesktop.DBus.Error.InvalidArgs";
  else if (strcmp (short_name, "UnknownMethod") == 0)
    name = "org.freedesktop.DBus.Error.UnknownMethod";
  else
    {
      g_autofree char *full = g_strconcat (ERROR_PREFIX, short_name, NULL);
      name = g_intern_string (full);
    }
  add_step (slot, method, args, CHECK_ERROR, name, message_part);
}

static GVariant *
empty_options (void)
{
  return g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0);
}

static GVariant *
one_option (const char *key, GVariant *value)
{
  GVariant *entry =
    g_variant_new_dict_entry (g_variant_new_string (key), g_variant_new_variant (value));

  return g_variant_new_array (G_VARIANT_TYPE ("{sv}"), &entry, 1);
}

/* ------------------------------------------------------------------ */
/* Scripts */

static void
script_pair (Slot *slot)
{
  if (denied)
    {
      add_error (slot, "CreateTap", g_variant_new ("(s@a{sv})", slot->name, empty_options ()),
                 "NotAuthorized", "polkit's rules do not allow");
      add_error (slot, "DeleteTap", g_variant_new ("(s)", slot->name), "NotAuthorized", NULL);
      return;
    }
  add_step (slot, "CreateTap", g_variant_new ("(s@a{sv})", slot->name, empty_options ()),
            CHECK_CREATED, NULL, NULL);
  add_step (
    slot, "CreateTap",
    g_variant_new ("(s@a{sv})", slot->name, one_option ("vnet_hdr", g_variant_new_boolean (TRUE))),
    CHECK_REUSED, NULL, NULL);
  add_error (slot, "CreateTap",
             g_variant_new ("(s@a{sv})", slot->name,
                            one_option ("multi_queue", g_variant_new_boolean (TRUE))),
             "Busy", "exists with multi_queue off");
  add_step (slot, "DeleteTap", g_variant_new ("(s)", slot->name), CHECK_UNIT, NULL, NULL);
}

static GVariant *
batch_args (Slot *slot)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sa{sv})"));
  g_variant_builder_add (&builder, "(s@a{sv})", slot->batch[0], empty_options ());
  g_variant_builder_add (&builder, "(s@a{sv})", slot->batch[1],
                         one_option ("multi_queue", g_variant_new_boolean (TRUE)));
  return g_variant_new ("(a(sa{sv}))", &builder);
}

static void
script_batch (Slot *slot)
{
  if (denied)
    {
      add_error (slot, "CreateTaps", batch_args (slot), "NotAuthorized", NULL);
      add_step (slot, "ListTaps", g_variant_new ("()"), CHECK_EMPTY_LIST, NULL, NULL);
      return;
    }
  add_step (slot, "CreateTaps", batch_args (slot), CHECK_BATCH, NULL, NULL);
  add_step (slot, "ListTaps", g_variant_new ("()"), CHECK_LISTED, NULL, NULL);
  add_step (slot, "DeleteTap", g_variant_new ("(s)", slot->batch[0]), CHECK_UNIT, NULL, NULL);
  add_step (slot, "DeleteTap", g_variant_new ("(s)", slot->batch[1]), CHECK_UNIT, NULL, NULL);
}

static void
script_bad (Slot *slot)
{
  g_autofree char *too_long = g_strdup_printf ("%s-0123456789abcdef", slot->name);
  g_autofree char *missing = g_strdup_printf ("%sz", slot->name);
  GVariant *twice[2];

  switch (g_rand_int_range (rand_source, 0, 10))
    {
    case 0:
      add_error (slot, "CreateTap", g_variant_new ("(s@a{sv})", "bad/name", empty_options ()),
                 "InvalidArgument", "invalid interface name");
      break;
    case 1:
      add_error (slot, "CreateTap", g_variant_new ("(s@a{sv})", too_long, empty_options ()),
                 "InvalidArgument", "invalid interface name");
      break;
    case 2:
      add_error (slot, "CreateTap",
                 g_variant_new ("(s@a{sv})", slot->name,
                                one_option ("colour", g_variant_new_string ("red"))),
                 "InvalidArgument", "unknown option \"colour\"");
      break;
    case 3:
      add_error (slot, "CreateTap",
                 g_variant_new ("(s@a{sv})", slot->name,
                                one_option ("multi_queue", g_variant_new_string ("yes"))),
                 "InvalidArgument", "must be a boolean");
      break;
    case 4:
      add_error (
        slot, "CreateTaps",
        g_variant_new ("(@a(sa{sv}))", g_variant_new_array (G_VARIANT_TYPE ("(sa{sv})"), NULL, 0)),
        "InvalidArgument", "the list of taps is empty");
      break;
    case 5:
      twice[0] = g_variant_new ("(s@a{sv})", slot->name, empty_options ());
      twice[1] = g_variant_new ("(s@a{sv})", slot->name, empty_options ());
      add_error (
        slot, "CreateTaps",
        g_variant_new ("(@a(sa{sv}))", g_variant_new_array (G_VARIANT_TYPE ("(sa{sv})"), twice, 2)),
        "InvalidArgument", "listed more than once");
      break;
    case 6:
      add_error (slot, "DeleteTap", g_variant_new ("(s)", ".."), "InvalidArgument",
                 "invalid interface name");
      break;
    case 7:
      /* The wrong signature never reaches the helper's code. */
      add_error (slot, "CreateTap", g_variant_new ("(s)", slot->name), "InvalidArgs", NULL);
      break;
    case 8:
      add_error (slot, "Reboot", g_variant_new ("()"), "UnknownMethod", NULL);
      break;
    default:
      if (denied)
        add_error (slot, "DeleteTap", g_variant_new ("(s)", missing), "NotAuthorized", NULL);
      else
        add_error (slot, "DeleteTap", g_variant_new ("(s)", missing), "NotFound",
                   "there is no interface named");
      break;
    }
}

static void
script_foreign (Slot *slot)
{
  add_error (slot, "DeleteTap", g_variant_new ("(s)", "lk-alice"), "NotAuthorized", NULL);
  /* Without the interaction flag: refused at once. */
  ((Step *) g_queue_peek_tail (&slot->steps))->interactive = FALSE;
  /* Refused before polkit is asked, for mallory too: the name is taken. */
  add_error (slot, "CreateTap", g_variant_new ("(s@a{sv})", "lk-alice", empty_options ()), "Busy",
             "another user's tap");
}

/* Queues the next script the remaining budget allows. */
static void
plan (Slot *slot)
{
  guint roll = g_rand_int_range (rand_source, 0, 100);
  guint length;

  if (roll < 35 && calls_left >= (length = denied ? 2 : 4))
    script_pair (slot);
  else if (roll < 50 && calls_left >= (length = denied ? 2 : 4))
    script_batch (slot);
  else if (roll < 65 && calls_left >= (length = 2))
    script_foreign (slot);
  else
    {
      length = 1;
      script_bad (slot);
    }
  calls_left -= length;
}

/* ------------------------------------------------------------------ */
/* Checks */

static void report (guint *counter, const char *kind, const Step *step, const char *format,
                    va_list ap) G_GNUC_PRINTF (4, 0);

static void
report (guint *counter, const char *kind, const Step *step, const char *format, va_list ap)
{
  g_autofree char *args = g_variant_print (step->args, FALSE);
  g_autofree char *what = NULL;

  (*counter)++;
  if (n_wrong + n_lost > MAX_REPORTED)
    return;
  what = g_strdup_vprintf (format, ap);
  printf ("%s %s %s%s: %s\n", kind, step->method, args, step->interactive ? "" : " (-n)", what);
}

static void wrong (const Step *step, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
wrong (const Step *step, const char *format, ...)
{
  va_list ap;

  va_start (ap, format);
  report (&n_wrong, "WRONG", step, format, ap);
  va_end (ap);
}

static void lost (const Step *step, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
lost (const Step *step, const char *format, ...)
{
  va_list ap;

  va_start (ap, format);
  report (&n_lost, "LOST", step, format, ap);
  va_end (ap);
}

static gint64
kernel_attribute (const char *name, const char *attribute)
{
  g_autofree char *path = g_strdup_printf ("/sys/class/net/%s/%s", name, attribute);
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  return g_ascii_strtoll (text, NULL, 0);
}

/* The kernel agrees: the tap exists with this ifindex and is ours. */
static gboolean
check_kernel (const Step *step, const char *name, gint32 ifindex)
{
  gint64 index = kernel_attribute (name, "ifindex");
  gint64 owner = kernel_attribute (name, "owner");

  if (index != ifindex || owner != my_uid)
    {
      wrong (step,
             "%s: the kernel has ifindex %" G_GINT64_FORMAT " owner %" G_GINT64_FORMAT
             ", the reply said ifindex %d",
             name, index, owner, ifindex);
      return FALSE;
    }
  return TRUE;
}

static gboolean
listed_ours (const Step *step, GVariant *list, const char *name, gint32 ifindex,
             gboolean multi_queue)
{
  for (gsize i = 0; i < g_variant_n_children (list); i++)
    {
      g_autoptr (GVariant) details = NULL;
      const char *listed;
      gint32 index;
      guint32 owner = G_MAXUINT32;
      gboolean mq = !multi_queue;

      g_variant_get_child (list, i, "(&si@a{sv})", &listed, &index, &details);
      if (strcmp (listed, name) != 0)
        continue;
      g_variant_lookup (details, "owner", "u", &owner);
      g_variant_lookup (details, "multi_queue", "b", &mq);
      if (index != ifindex || owner != my_uid || mq != multi_queue)
        {
          wrong (step, "%s listed with ifindex %d owner %u multi_queue %d", name, index, owner, mq);
          return FALSE;
        }
      return TRUE;
    }
  wrong (step, "%s is not listed", name);
  return FALSE;
}

static gboolean
check_result (Slot *slot, const Step *step, GVariant *result)
{
  const char *type = g_variant_get_type_string (result);
  g_autoptr (GVariant) list = NULL;
  const char *name;
  gint32 ifindex;

  switch (step->check)
    {
    case CHECK_CREATED:
    case CHECK_REUSED:
      if (strcmp (type, "(si)") != 0)
        break;
      g_variant_get (result, "(&si)", &name, &ifindex);
      if (strcmp (name, slot->name) != 0 || ifindex <= 0)
        break;
      if (step->check == CHECK_REUSED && ifindex != slot->ifindex)
        {
          wrong (step, "reused tap has ifindex %d, it was made with %d", ifindex, slot->ifindex);
          return FALSE;
        }
      slot->ifindex = ifindex;
      return check_kernel (step, name, ifindex);
    case CHECK_BATCH:
      if (strcmp (type, "(a(si))") != 0)
        break;
      list = g_variant_get_child_value (result, 0);
      if (g_variant_n_children (list) != 2)
        break;
      for (gsize i = 0; i < 2; i++)
        {
          g_variant_get_child (list, i, "(&si)", &name, &ifindex);
          if (strcmp (name, slot->batch[i]) != 0 || ifindex <= 0)
            goto mismatch;
          slot->batch_ifindex[i] = ifindex;
          if (!check_kernel (step, name, ifindex))
            return FALSE;
        }
      return TRUE;
    case CHECK_LISTED:
      if (strcmp (type, "(a(sia{sv}))") != 0)
        break;
      list = g_variant_get_child_value (result, 0);
      return listed_ours (step, list, slot->batch[0], slot->batch_ifindex[0], FALSE) &&
             listed_ours (step, list, slot->batch[1], slot->batch_ifindex[1], TRUE);
    case CHECK_ONLY_LEASED:
      if (strcmp (type, "(a(sia{sv}))") != 0)
        break;
      list = g_variant_get_child_value (result, 0);
      if (g_variant_n_children (list) != 2)
        break;
      return listed_ours (step, list, leased[0], leased_ifindex[0], FALSE) &&
             listed_ours (step, list, leased[1], leased_ifindex[1], FALSE);
    case CHECK_EMPTY_LIST:
      if (strcmp (type, "(a(sia{sv}))") != 0)
        break;
      list = g_variant_get_child_value (result, 0);
      if (g_variant_n_children (list) != 0)
        break;
      return TRUE;
    case CHECK_UNIT:
      if (strcmp (type, "()") != 0)
        break;
      return TRUE;
    case CHECK_ERROR:
    default:
      break;
    }
mismatch:
  {
    g_autofree char *printed = g_variant_print (result, TRUE);
    wrong (step, "answered %s", printed);
  }
  return FALSE;
}

/* ------------------------------------------------------------------ */
/* The slots */

static void run_slot (Slot *slot);

typedef struct {
  Slot *slot;
  Step *step;
} Pending;

static void
on_reply (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Pending *pending = user_data;
  Slot *slot = pending->slot;
  Step *step = pending->step;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) result = g_dbus_connection_call_finish (bus, res, &error);

  in_flight--;
  if (result != NULL)
    {
      if (step->check == CHECK_ERROR)
        {
          g_autofree char *printed = g_variant_print (result, TRUE);
          wrong (step, "succeeded (%s), expected %s", printed, step->error_name);
        }
      else if (check_result (slot, step, result))
        n_ok++;
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED) ||
           g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY) ||
           g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_TIMEOUT))
    lost (step, "%s", error->message);
  else
    {
      g_autofree char *name = g_dbus_error_get_remote_error (error);

      g_dbus_error_strip_remote_error (error);
      if (step->check != CHECK_ERROR)
        wrong (step, "failed: %s %s", name, error->message);
      else if (g_strcmp0 (name, step->error_name) != 0)
        wrong (step, "%s %s, expected %s", name, error->message, step->error_name);
      else if (step->message_part != NULL && strstr (error->message, step->message_part) == NULL)
        wrong (step, "%s \"%s\" lacks \"%s\"", name, error->message, step->message_part);
      else
        n_errors++;
    }
  step_free (step);
  g_free (pending);
  run_slot (slot);
}

static void
run_slot (Slot *slot)
{
  Pending *pending;
  Step *step;

  if (g_queue_is_empty (&slot->steps) && calls_left > 0)
    plan (slot);
  step = g_queue_pop_head (&slot->steps);
  if (step == NULL)
    {
      if (in_flight == 0)
        g_main_loop_quit (loop);
      return;
    }
  pending = g_new0 (Pending, 1);
  pending->slot = slot;
  pending->step = step;
  in_flight++;
  n_calls++;
  g_dbus_connection_call (bus, "org.microvm.Helper1", "/org/microvm/Helper1", "org.microvm.Helper1",
                          step->method, g_variant_ref (step->args), NULL,
                          step->interactive ? G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION
                                            : G_DBUS_CALL_FLAGS_NONE,
                          CALL_TIMEOUT_MS, NULL, on_reply, pending);
}

/* One call at a time, before and after the slots run. */
static GVariant *
call_sync (const Step *step, GError **error)
{
  return g_dbus_connection_call_sync (
    bus, "org.microvm.Helper1", "/org/microvm/Helper1", "org.microvm.Helper1", step->method,
    g_variant_ref (step->args), NULL, G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
    CALL_TIMEOUT_MS, NULL, error);
}

static void
run_alone (Slot *scratch)
{
  Step *step = g_queue_pop_head (&scratch->steps);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) result = call_sync (step, &error);

  n_calls++;
  calls_left--;
  if (result == NULL)
    {
      g_autofree char *name = g_dbus_error_get_remote_error (error);
      if (step->check == CHECK_ERROR && g_strcmp0 (name, step->error_name) == 0)
        n_errors++;
      else
        wrong (step, "failed: %s %s", name, error->message);
    }
  else if (step->check == CHECK_ERROR)
    wrong (step, "succeeded, expected %s", step->error_name);
  else if (step->check == CHECK_BATCH)
    {
      g_autoptr (GVariant) list = g_variant_get_child_value (result, 0);
      if (g_variant_n_children (list) == 2)
        {
          g_variant_get_child (list, 0, "(&si)", NULL, &leased_ifindex[0]);
          g_variant_get_child (list, 1, "(&si)", NULL, &leased_ifindex[1]);
          if (check_kernel (step, leased[0], leased_ifindex[0]) &&
              check_kernel (step, leased[1], leased_ifindex[1]))
            n_ok++;
        }
      else
        wrong (step, "%zu taps made", g_variant_n_children (list));
    }
  else if (check_result (scratch, step, result))
    n_ok++;
  step_free (step);
}

static GVariant *
leased_batch_args (void)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sa{sv})"));
  for (gsize i = 0; i < 2; i++)
    g_variant_builder_add (&builder, "(s@a{sv})", leased[i],
                           one_option ("release_on_disconnect", g_variant_new_boolean (TRUE)));
  return g_variant_new ("(a(sa{sv}))", &builder);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  Slot *slots;
  Slot scratch = { 0 };
  guint n_slots;
  gint64 start;
  double seconds;

  if (argc < 5 || (argc == 6 && strcmp (argv[5], "--denied") != 0) || argc > 6)
    {
      fprintf (stderr, "usage: %s PREFIX CALLS IN_FLIGHT SEED [--denied]\n", argv[0]);
      return 2;
    }
  prefix = argv[1];
  calls_left = (guint) atoi (argv[2]);
  n_slots = (guint) atoi (argv[3]);
  rand_source = g_rand_new_with_seed ((guint32) atoi (argv[4]));
  denied = argc == 6;
  my_uid = getuid ();
  if (strlen (prefix) > 4 || n_slots == 0 || n_slots > 99 || calls_left < 3)
    {
      fprintf (stderr, "mh-load-client: PREFIX at most 4 bytes, 1-99 slots, 3 calls or more\n");
      return 2;
    }
  (void) mh_error_quark (); /* the helper's error names */

  bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, &error);
  if (bus == NULL)
    {
      fprintf (stderr, "mh-load-client: %s\n", error->message);
      return 1;
    }
  loop = g_main_loop_new (NULL, FALSE);
  start = g_get_monotonic_time ();

  /* Two taps leased to this connection, kept until it closes. */
  g_snprintf (leased[0], sizeof leased[0], "%s-La", prefix);
  g_snprintf (leased[1], sizeof leased[1], "%s-Lb", prefix);
  g_queue_init (&scratch.steps);
  if (denied)
    add_error (&scratch, "CreateTaps", leased_batch_args (), "NotAuthorized", NULL);
  else
    add_step (&scratch, "CreateTaps", leased_batch_args (), CHECK_BATCH, NULL, NULL);
  run_alone (&scratch);

  calls_left--; /* the last ListTaps */
  slots = g_new0 (Slot, n_slots);
  for (guint i = 0; i < n_slots; i++)
    {
      slots[i].index = i;
      g_snprintf (slots[i].name, sizeof slots[i].name, "%s-%u", prefix, i);
      g_snprintf (slots[i].batch[0], sizeof slots[i].batch[0], "%s-%ua", prefix, i);
      g_snprintf (slots[i].batch[1], sizeof slots[i].batch[1], "%s-%ub", prefix, i);
      g_queue_init (&slots[i].steps);
    }
  for (guint i = 0; i < n_slots && calls_left > 0; i++)
    run_slot (&slots[i]);
  if (in_flight > 0)
    g_main_loop_run (loop);

  calls_left++;
  add_step (&scratch, "ListTaps", g_variant_new ("()"),
            denied ? CHECK_EMPTY_LIST : CHECK_ONLY_LEASED, NULL, NULL);
  run_alone (&scratch);

  seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  printf ("%s calls=%u ok=%u errors=%u wrong=%u lost=%u seconds=%.2f\n", prefix, n_calls, n_ok,
          n_errors, n_wrong, n_lost, seconds);
  fflush (stdout);
  for (guint i = 0; i < n_slots; i++)
    g_queue_clear_full (&slots[i].steps, (GDestroyNotify) step_free);
  g_free (slots);
  g_rand_free (rand_source);
  g_main_loop_unref (loop);
  g_object_unref (bus);
  return n_wrong == 0 && n_lost == 0 ? 0 : 1;
}
