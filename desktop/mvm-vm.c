/* A VM snapshot for the app; see mvm-vm.h. */
#include "mvm-vm.h"

#include "mu-output.h"
#include "mu-runner.h"
#include "mu-state.h"
#include "mu-tap-hold.h"
#include "mu-vm-status.h"

struct _MvmVm {
  GObject parent_instance;

  char *name;
  MvmVmState state;
  char *runner;
  char *hypervisor;
  char *taps;
  gint64 booted_at;
};

G_DEFINE_FINAL_TYPE (MvmVm, mvm_vm, G_TYPE_OBJECT)

static void
mvm_vm_finalize (GObject *object)
{
  MvmVm *vm = MVM_VM (object);

  g_free (vm->name);
  g_free (vm->runner);
  g_free (vm->hypervisor);
  g_free (vm->taps);
  G_OBJECT_CLASS (mvm_vm_parent_class)->finalize (object);
}

static void
mvm_vm_class_init (MvmVmClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mvm_vm_finalize;
}

static void
mvm_vm_init (MvmVm *vm)
{
}

MvmVm *
mvm_vm_load (const char *name, const char *unit_state)
{
  g_autoptr (MuVmState) state = mu_vm_state_new (name);
  g_autoptr (GPtrArray) taps = NULL;
  MvmVm *vm = g_object_new (MVM_TYPE_VM, NULL);
  gboolean running = mu_vm_is_running (name);

  vm->name = g_strdup (name);
  vm->runner = mu_vm_state_get_link (state, "current");
  if (vm->runner != NULL)
    {
      /* A runner that no longer loads still shows, without hypervisor;
       * starting it says why it does not load. */
      g_autoptr (MuRunner) runner = mu_runner_load (vm->runner, NULL);
      if (runner != NULL)
        vm->hypervisor = g_strdup (runner->hypervisor);
    }
  taps = mu_tap_hold_list (name);
  vm->taps = taps->len > 0 ? mu_join_names (taps) : g_strdup ("");
  if (running)
    {
      vm->state = mu_vm_is_stale (name) ? MVM_VM_STALE : MVM_VM_RUNNING;
      vm->booted_at = mu_vm_booted_at (name);
    }
  else
    vm->state = g_strcmp0 (unit_state, "failed") == 0 ? MVM_VM_FAILED : MVM_VM_STOPPED;
  return vm;
}

const char *
mvm_vm_get_name (MvmVm *vm)
{
  return vm->name;
}

MvmVmState
mvm_vm_get_state (MvmVm *vm)
{
  return vm->state;
}

gboolean
mvm_vm_is_running (MvmVm *vm)
{
  return vm->state == MVM_VM_RUNNING || vm->state == MVM_VM_STALE;
}

const char *
mvm_vm_get_runner (MvmVm *vm)
{
  return vm->runner;
}

const char *
mvm_vm_get_hypervisor (MvmVm *vm)
{
  return vm->hypervisor;
}

const char *
mvm_vm_get_taps (MvmVm *vm)
{
  return vm->taps;
}

gint64
mvm_vm_get_booted_at (MvmVm *vm)
{
  return vm->booted_at;
}

gboolean
mvm_vm_equal (MvmVm *a, MvmVm *b)
{
  return g_strcmp0 (a->name, b->name) == 0 && a->state == b->state &&
         g_strcmp0 (a->runner, b->runner) == 0 && g_strcmp0 (a->hypervisor, b->hypervisor) == 0 &&
         g_strcmp0 (a->taps, b->taps) == 0 && a->booted_at == b->booted_at;
}

const char *
mvm_vm_state_to_string (MvmVmState state)
{
  switch (state)
    {
    case MVM_VM_RUNNING:
      return "running";
    case MVM_VM_STALE:
      return "stale";
    case MVM_VM_FAILED:
      return "failed";
    case MVM_VM_STOPPED:
    default:
      return "stopped";
    }
}

char *
mvm_vm_format_uptime (MvmVm *vm, gint64 now)
{
  gint64 seconds;

  if (!mvm_vm_is_running (vm) || vm->booted_at == 0)
    return NULL;
  seconds = MAX (now - vm->booted_at, 0);
  if (seconds < 60)
    return g_strdup_printf ("%" G_GINT64_FORMAT " s", seconds);
  if (seconds < 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT " min", seconds / 60);
  if (seconds < 86400)
    return g_strdup_printf ("%" G_GINT64_FORMAT " h %02" G_GINT64_FORMAT " min", seconds / 3600,
                            seconds % 3600 / 60);
  return g_strdup_printf ("%" G_GINT64_FORMAT " d %" G_GINT64_FORMAT " h", seconds / 86400,
                          seconds % 86400 / 3600);
}

char *
mvm_vm_describe (MvmVm *vm, gint64 now)
{
  g_autoptr (GString) line = g_string_new (mvm_vm_state_to_string (vm->state));
  g_autofree char *uptime = mvm_vm_format_uptime (vm, now);

  if (vm->runner == NULL)
    g_string_append (line, " · no runner recorded");
  else
    g_string_append_printf (line, " · %s",
                            vm->hypervisor != NULL ? vm->hypervisor : "runner unreadable");
  if (vm->taps[0] != '\0')
    g_string_append_printf (line, " · %s", vm->taps);
  if (uptime != NULL)
    g_string_append_printf (line, " · up %s", uptime);
  return g_string_free (g_steal_pointer (&line), FALSE);
}
