/* Unit tests of MhCallGate: at most LIMIT places, at most PER_KEY for one
 * key, the others wait and go in order of arrival. */
#include "mh-call-gate.h"

typedef struct {
  MhCallGate *gate;
  GArray *ran; /* ids, in the order they ran */
} Fixture;

typedef struct {
  Fixture *fixture;
  guint id;
  guint32 key;
  gboolean leave_at_once; /* the work ends inside run() */
} Work;

static void
run (gpointer user_data)
{
  Work *work = user_data;

  g_array_append_val (work->fixture->ran, work->id);
  if (work->leave_at_once)
    mh_call_gate_leave (work->fixture->gate, work->key);
}

static void
assert_ran (Fixture *fixture, const guint *expected, guint n)
{
  g_assert_cmpuint (fixture->ran->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (g_array_index (fixture->ran, guint, i), ==, expected[i]);
}

static void
test_limits_and_order (void)
{
  Fixture fixture = { mh_call_gate_new (3, 2), g_array_new (FALSE, FALSE, sizeof (guint)) };
  Work works[] = {
    { &fixture, 0, 1, FALSE }, { &fixture, 1, 1, FALSE }, { &fixture, 2, 1, FALSE },
    { &fixture, 3, 2, FALSE }, { &fixture, 4, 3, FALSE }, { &fixture, 5, 2, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (works); i++)
    mh_call_gate_enter (fixture.gate, works[i].key, run, &works[i]);
  /* Key 1 may hold two places; 2 waits for it, key 2 takes the third. */
  assert_ran (&fixture, (const guint[]){ 0, 1, 3 }, 3);
  g_assert_cmpuint (mh_call_gate_running (fixture.gate), ==, 3);
  g_assert_cmpuint (mh_call_gate_waiting (fixture.gate), ==, 3);

  /* Key 1 leaves: 2 goes in, before the later 4 and 5. */
  mh_call_gate_leave (fixture.gate, 1);
  assert_ran (&fixture, (const guint[]){ 0, 1, 3, 2 }, 4);
  /* Key 2 leaves: the oldest waiter that fits is 4 (key 3). */
  mh_call_gate_leave (fixture.gate, 2);
  assert_ran (&fixture, (const guint[]){ 0, 1, 3, 2, 4 }, 5);
  mh_call_gate_leave (fixture.gate, 1);
  assert_ran (&fixture, (const guint[]){ 0, 1, 3, 2, 4, 5 }, 6);
  g_assert_cmpuint (mh_call_gate_waiting (fixture.gate), ==, 0);
  mh_call_gate_leave (fixture.gate, 1);
  mh_call_gate_leave (fixture.gate, 3);
  mh_call_gate_leave (fixture.gate, 2);
  g_assert_cmpuint (mh_call_gate_running (fixture.gate), ==, 0);

  mh_call_gate_free (fixture.gate);
  g_array_unref (fixture.ran);
}

/* Work that ends while it is let in lets the next ones in too. */
static void
test_leave_inside_run (void)
{
  Fixture fixture = { mh_call_gate_new (1, 1), g_array_new (FALSE, FALSE, sizeof (guint)) };
  Work first = { &fixture, 0, 7, FALSE };
  Work quick[3] = { { &fixture, 1, 7, TRUE }, { &fixture, 2, 8, TRUE }, { &fixture, 3, 7, TRUE } };

  mh_call_gate_enter (fixture.gate, first.key, run, &first);
  for (guint i = 0; i < G_N_ELEMENTS (quick); i++)
    mh_call_gate_enter (fixture.gate, quick[i].key, run, &quick[i]);
  assert_ran (&fixture, (const guint[]){ 0 }, 1);
  mh_call_gate_leave (fixture.gate, 7);
  assert_ran (&fixture, (const guint[]){ 0, 1, 2, 3 }, 4);
  g_assert_cmpuint (mh_call_gate_running (fixture.gate), ==, 0);
  g_assert_cmpuint (mh_call_gate_waiting (fixture.gate), ==, 0);

  mh_call_gate_free (fixture.gate);
  g_array_unref (fixture.ran);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/call-gate/limits-and-order", test_limits_and_order);
  g_test_add_func ("/call-gate/leave-inside-run", test_leave_inside_run);
  return g_test_run ();
}
