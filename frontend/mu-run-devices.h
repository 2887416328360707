/* The PCI phase of `microvm-user run`: each device of the runner bound to
 * vfio-pci by the helper and leased to the run's bus connection, then the
 * locked-memory limit the hypervisor needs (passthrough pins all guest
 * RAM).  At the end, after the hypervisor has let go of them, the devices
 * bound for this run are given back; those the user held already stay. */
#pragma once

#include "mu-helper-client.h"
#include "mu-run-phase.h"
#include "mu-runner.h"

G_BEGIN_DECLS

typedef struct _MuRunDevices MuRunDevices;

/* @helper may be NULL when the runner has no PCI devices; @memlock is the
 * RLIMIT_MEMLOCK the user said the VM needs (0: not given). */
MuRunDevices *mu_run_devices_new (MuRunner *runner, MuHelperClient *helper, guint64 memlock);
void mu_run_devices_free (MuRunDevices *devices);

/* Reports once every device is the user's and the limit is high enough. */
void mu_run_devices_start (MuRunDevices *devices, MuRunReportFunc report, gpointer user_data);

/* Gives back the devices bound for this run (only once the hypervisor
 * has exited: the kernel blocks an unbind while it holds one) and
 * reports, always without an error (the lease gives back what could not
 * be).  The result of a start still under way is dropped from now on. */
void mu_run_devices_release (MuRunDevices *devices, MuRunReportFunc report, gpointer user_data);

G_END_DECLS
