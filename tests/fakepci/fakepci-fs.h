/* The fake PCI world as a FUSE file system: sys/ (bus/pci, devices,
 * kernel/iommu_groups, class/net, class/block), dev/vfio/, and two files
 * for tests: control (commands) and log (what happened). */
#pragma once

#define FUSE_USE_VERSION 31
#include <fuse.h>

#include "fakepci-world.h"

extern const struct fuse_operations fake_fs_operations;
