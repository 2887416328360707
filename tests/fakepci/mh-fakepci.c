/* mh-fakepci: a fake PCI world for the test suite, served with FUSE.
 *
 *   mh-fakepci --spec FILE MOUNTPOINT
 *
 * mounts at MOUNTPOINT (in the foreground, until killed or unmounted):
 *
 *   sys/   bus/pci/{devices,drivers/NAME/{bind,unbind,new_id,remove_id},
 *          drivers_probe}, devices/pci0000:00/ADDRESS/{vendor,device,class,
 *          config,driver,driver_override,iommu_group,boot_vga,sriov_numvfs,
 *          net/IF,block/NAME,...}, kernel/iommu_groups/N/devices,
 *          class/{net,block}
 *   dev/   vfio/vfio, vfio/N (while a device of group N is on vfio-pci)
 *   control   commands for tests (read it for the list)
 *   log       what happened, one event per line
 *
 * and behaves like the kernel when written (see fakepci-world.h).  The
 * helper under test is pointed at it with --sysfs-root MOUNTPOINT/sys and
 * --dev-root MOUNTPOINT/dev.  It never touches the real /sys or /dev.
 *
 * The spec, one item per line ('#' starts a comment):
 *
 *   driver NAME [VVVV:DDDD | class:CCCC]...
 *       a loaded driver and the ids it claims (class: class and subclass)
 *   device DDDD:BB:DD.F vendor=VVVV device=DDDD class=CCCCCC [group=N]
 *          [driver=NAME] [header=0|1|2] [multifunction=0|1] [subsys=VVVV:DDDD]
 *          [revision=RR] [boot_vga=0|1] [sriov_total=N sriov_num=N]
 *          [physfn=ADDRESS] [net=IF net_up=0|1] [block=NAME block_dev=MAJ:MIN]
 *          [override=NAME] [irq=N]
 *       a device (hex ids, decimal group; no group= means no IOMMU group)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fakepci-fs.h"

int
main (int argc, char **argv)
{
  g_autofree char *spec_path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *mountpoint = NULL;
  g_autoptr (GError) error = NULL;
  FakeWorld *world;
  char *fuse_argv[8];
  int fuse_argc = 0;

  if (argc != 4 || strcmp (argv[1], "--spec") != 0)
    {
      fprintf (stderr, "usage: %s --spec FILE MOUNTPOINT\n", argv[0]);
      return 2;
    }
  spec_path = g_strdup (argv[2]);
  mountpoint = g_canonicalize_filename (argv[3], NULL);
  if (g_str_has_prefix (mountpoint, "/sys") || g_str_has_prefix (mountpoint, "/dev") ||
      g_str_has_prefix (mountpoint, "/proc") || strcmp (mountpoint, "/") == 0)
    {
      fprintf (stderr, "mh-fakepci: refusing to mount over %s\n", mountpoint);
      return 2;
    }
  if (!g_file_get_contents (spec_path, &text, NULL, &error))
    {
      fprintf (stderr, "mh-fakepci: %s\n", error->message);
      return 1;
    }
  world = fake_world_new_from_spec (text, &error);
  if (world == NULL)
    {
      fprintf (stderr, "mh-fakepci: %s: %s\n", spec_path, error->message);
      return 1;
    }
  if (g_mkdir_with_parents (mountpoint, 0755) < 0)
    {
      fprintf (stderr, "mh-fakepci: cannot create %s: %s\n", mountpoint, g_strerror (errno));
      return 1;
    }

  /* Foreground, several threads (an unbind may wait for a close), and
   * permissions checked by the kernel as on the real /sys and /dev. */
  fuse_argv[fuse_argc++] = argv[0];
  fuse_argv[fuse_argc++] = (char *) "-f";
  fuse_argv[fuse_argc++] = (char *) "-o";
  fuse_argv[fuse_argc++] =
    (char *) "allow_other,default_permissions,fsname=mh-fakepci,subtype=mh-fakepci,"
             "max_threads=16";
  fuse_argv[fuse_argc++] = mountpoint;
  fuse_argv[fuse_argc] = NULL;
  return fuse_main (fuse_argc, fuse_argv, &fake_fs_operations, world);
}
