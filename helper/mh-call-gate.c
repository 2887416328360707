#include "mh-call-gate.h"

typedef struct {
  guint32 key;
  MhCallGateFunc run;
  gpointer user_data;
} Waiter;

struct _MhCallGate {
  guint limit;
  guint limit_per_key;
  guint running;
  GHashTable *per_key; /* key -> places it holds (both as pointers) */
  GQueue waiting;      /* Waiter*, oldest first */
};

MhCallGate *
mh_call_gate_new (guint limit, guint limit_per_key)
{
  MhCallGate *gate = g_new0 (MhCallGate, 1);

  gate->limit = MAX (limit, 1);
  gate->limit_per_key = CLAMP (limit_per_key, 1, gate->limit);
  gate->per_key = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_queue_init (&gate->waiting);
  return gate;
}

void
mh_call_gate_free (MhCallGate *gate)
{
  if (gate == NULL)
    return;
  g_queue_clear_full (&gate->waiting, g_free);
  g_hash_table_unref (gate->per_key);
  g_free (gate);
}

static guint
held_by (MhCallGate *gate, guint32 key)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (gate->per_key, GUINT_TO_POINTER (key)));
}

static gboolean
has_place (MhCallGate *gate, guint32 key)
{
  return gate->running < gate->limit && held_by (gate, key) < gate->limit_per_key;
}

static void
take_place (MhCallGate *gate, guint32 key)
{
  gate->running++;
  g_hash_table_insert (gate->per_key, GUINT_TO_POINTER (key),
                       GUINT_TO_POINTER (held_by (gate, key) + 1));
}

void
mh_call_gate_enter (MhCallGate *gate, guint32 key, MhCallGateFunc run, gpointer user_data)
{
  Waiter *waiter;

  /* A free place means nobody waits for this key (mh_call_gate_leave lets
   * in everyone who fits), so nobody is overtaken. */
  if (has_place (gate, key))
    {
      take_place (gate, key);
      run (user_data);
      return;
    }
  waiter = g_new0 (Waiter, 1);
  waiter->key = key;
  waiter->run = run;
  waiter->user_data = user_data;
  g_queue_push_tail (&gate->waiting, waiter);
}

void
mh_call_gate_leave (MhCallGate *gate, guint32 key)
{
  guint held = held_by (gate, key);

  g_return_if_fail (held > 0 && gate->running > 0);
  gate->running--;
  if (held == 1)
    g_hash_table_remove (gate->per_key, GUINT_TO_POINTER (key));
  else
    g_hash_table_insert (gate->per_key, GUINT_TO_POINTER (key), GUINT_TO_POINTER (held - 1));

  /* Let in the oldest waiter that has a place; running it may change the
   * queue, so look again from the start each time. */
  for (;;)
    {
      GList *l = gate->waiting.head;
      Waiter *waiter;

      while (l != NULL && !has_place (gate, ((Waiter *) l->data)->key))
        l = l->next;
      if (l == NULL)
        return;
      waiter = l->data;
      g_queue_delete_link (&gate->waiting, l);
      take_place (gate, waiter->key);
      waiter->run (waiter->user_data);
      g_free (waiter);
    }
}

#ifdef MH_FAULT_INJECTION
guint
mh_call_gate_running (MhCallGate *gate)
{
  return gate->running;
}

guint
mh_call_gate_waiting (MhCallGate *gate)
{
  return gate->waiting.length;
}
#endif
