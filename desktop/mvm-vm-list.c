/* The VM list model; see mvm-vm-list.h. */
#include "mvm-vm-list.h"

#include "mu-state.h"

struct _MvmVmList {
  GObject parent_instance;

  GPtrArray *vms;          /* MvmVm, sorted by name */
  GHashTable *unit_states; /* name -> ActiveState */
};

typedef struct {
  int from;
  int to;
} StateChange;

enum {
  SIGNAL_STATE_CHANGED,
  N_SIGNALS,
};
static guint signals[N_SIGNALS];

static GType
mvm_vm_list_get_item_type (GListModel *model)
{
  return MVM_TYPE_VM;
}

static guint
mvm_vm_list_get_n_items (GListModel *model)
{
  return MVM_VM_LIST (model)->vms->len;
}

static gpointer
mvm_vm_list_get_item (GListModel *model, guint position)
{
  MvmVmList *list = MVM_VM_LIST (model);

  if (position >= list->vms->len)
    return NULL;
  return g_object_ref (list->vms->pdata[position]);
}

static void
mvm_vm_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = mvm_vm_list_get_item_type;
  iface->get_n_items = mvm_vm_list_get_n_items;
  iface->get_item = mvm_vm_list_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (MvmVmList, mvm_vm_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, mvm_vm_list_model_init))

static void
mvm_vm_list_finalize (GObject *object)
{
  MvmVmList *list = MVM_VM_LIST (object);

  g_ptr_array_unref (list->vms);
  g_hash_table_unref (list->unit_states);
  G_OBJECT_CLASS (mvm_vm_list_parent_class)->finalize (object);
}

static void
mvm_vm_list_class_init (MvmVmListClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mvm_vm_list_finalize;
  signals[SIGNAL_STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_INT, G_TYPE_INT);
}

static void
mvm_vm_list_init (MvmVmList *list)
{
  list->vms = g_ptr_array_new_with_free_func (g_object_unref);
  list->unit_states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

MvmVmList *
mvm_vm_list_new (void)
{
  return g_object_new (MVM_TYPE_VM_LIST, NULL);
}

MvmVm *
mvm_vm_list_lookup (MvmVmList *list, const char *name)
{
  for (guint i = 0; i < list->vms->len; i++)
    if (g_strcmp0 (mvm_vm_get_name (list->vms->pdata[i]), name) == 0)
      return list->vms->pdata[i];
  return NULL;
}

void
mvm_vm_list_set_unit_state (MvmVmList *list, const char *name, const char *active_state)
{
  g_hash_table_replace (list->unit_states, g_strdup (name), g_strdup (active_state));
}

void
mvm_vm_list_reload (MvmVmList *list)
{
  g_autoptr (GPtrArray) names = mu_state_list_names ();
  g_autoptr (GPtrArray) old = g_steal_pointer (&list->vms);
  g_autoptr (GArray) changes = g_array_new (FALSE, FALSE, sizeof (StateChange));
  g_autoptr (GPtrArray) changed_names = g_ptr_array_new_with_free_func (g_free);
  guint first_changed = G_MAXUINT;
  guint last_changed = 0;

  list->vms = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      MvmVm *vm = mvm_vm_load (name, g_hash_table_lookup (list->unit_states, name));
      MvmVm *before = NULL;

      for (guint j = 0; j < old->len; j++)
        if (g_strcmp0 (mvm_vm_get_name (old->pdata[j]), name) == 0)
          before = old->pdata[j];
      if (before != NULL && mvm_vm_get_state (before) != mvm_vm_get_state (vm))
        {
          StateChange change = { mvm_vm_get_state (before), mvm_vm_get_state (vm) };
          g_array_append_val (changes, change);
          g_ptr_array_add (changed_names, g_strdup (name));
        }
      /* Unchanged VMs keep their object, so the view keeps its rows. */
      if (before != NULL && mvm_vm_equal (before, vm))
        {
          g_object_unref (vm);
          vm = g_object_ref (before);
        }
      g_ptr_array_add (list->vms, vm);
    }

  /* One items-changed for the span that differs: rows before and after
   * it stay as they are. */
  for (guint i = 0; i < MAX (old->len, list->vms->len); i++)
    {
      gboolean same = i < old->len && i < list->vms->len && old->pdata[i] == list->vms->pdata[i];
      if (!same)
        {
          first_changed = MIN (first_changed, i);
          last_changed = i;
        }
    }
  if (first_changed != G_MAXUINT)
    {
      guint removed =
        old->len > first_changed ? MIN (old->len, last_changed + 1) - first_changed : 0;
      guint added =
        list->vms->len > first_changed ? MIN (list->vms->len, last_changed + 1) - first_changed : 0;
      g_list_model_items_changed (G_LIST_MODEL (list), first_changed, removed, added);
    }
  for (guint i = 0; i < changes->len; i++)
    {
      const StateChange *change = &g_array_index (changes, StateChange, i);
      g_signal_emit (list, signals[SIGNAL_STATE_CHANGED], 0, changed_names->pdata[i], change->from,
                     change->to);
    }
}
