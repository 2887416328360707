#!/bin/bash
# The README's first command.  Sets everything up, then, inside a sandbox
# that changes nothing outside it (its own mount, pid and network
# namespaces, a private system bus, the real polkitd and the real helper),
# shows an unprivileged user getting a tap from the helper with busctl,
# then a PCI device through vfio-pci (from a fake PCI world: these
# machines have no VFIO, and their own devices are never touched).
set -euo pipefail
cd "$(dirname "$0")/.."

[[ $(id -u) -eq 0 ]] || { echo "demo.sh: run as root (it installs packages and creates namespaces)" >&2; exit 1; }

echo "== installing packages and building"
scripts/install-deps.sh all >/dev/null
if [[ -d build ]]; then meson setup --reconfigure build >/dev/null; else meson setup build >/dev/null; fi
ninja -C build >/dev/null

export MH_BUILD_ROOT=$PWD/build MH_SOURCE_ROOT=$PWD
exec tests/sandbox/mh-sandbox --pci-world tests/fakepci/demo.spec -- bash -c '
set -euo pipefail
as_alice() { setpriv --reuid=alice --regid=alice --init-groups "$@"; }
echo "== in the sandbox: private bus, polkitd, helper activated on demand"
echo "-- alice (uid $(id -u alice), not root) asks the helper for tap vm-web:"
as_alice busctl call org.microvm.Helper1 /org/microvm/Helper1 org.microvm.Helper1 \
    CreateTap "sa{sv}" vm-web 1 multi_queue b true
echo "-- the kernel says: owner=$(cat /sys/class/net/vm-web/owner) tun_flags=$(cat /sys/class/net/vm-web/tun_flags)"
echo "-- mallory, whom polkit denies, tries the same:"
as_mallory() { setpriv --reuid=mallory --regid=mallory --init-groups "$@"; }
as_mallory busctl call org.microvm.Helper1 /org/microvm/Helper1 org.microvm.Helper1 \
    CreateTap "sa{sv}" vm-evil 0 2>&1 || true
echo "-- alice deletes her tap:"
as_alice busctl call org.microvm.Helper1 /org/microvm/Helper1 org.microvm.Helper1 DeleteTap s vm-web
if [ -e /sys/class/net/vm-web ]; then echo "FAILED: vm-web still exists"; exit 1; fi
pci=/run/mh-fakepci/sys/bus/pci/devices/0000:01:00.0
echo "-- the (fake) network card 0000:01:00.0 is on $(basename $(readlink $pci/driver)); alice asks for it:"
as_alice busctl call org.microvm.Helper1 /org/microvm/Helper1 org.microvm.Helper1 \
    BindPciDevice "sa{sv}" 01:00.0 0
node=/run/mh-fakepci/dev/vfio/1
echo "-- now on $(basename $(readlink $pci/driver)); $node is owned by $(stat -c "%U, mode %a" $node)"
echo "-- the GPU 0000:02:00.0 shares its IOMMU group with its audio function, still on the host:"
as_alice busctl call org.microvm.Helper1 /org/microvm/Helper1 org.microvm.Helper1 \
    BindPciDevice "sa{sv}" 0000:02:00.0 0 2>&1 || true
echo "-- alice gives the card back:"
as_alice busctl call org.microvm.Helper1 /org/microvm/Helper1 org.microvm.Helper1 \
    ReleasePciDevice s 0000:01:00.0
echo "-- back on $(basename $(readlink $pci/driver))"
[ "$(basename $(readlink $pci/driver))" = e1000e ] || { echo "FAILED: not back on e1000e"; exit 1; }
echo "== done: vm-web is gone, the card is back on its driver, nothing left outside the sandbox"
' 2> >(grep -v -e "^dbus-daemon" -e "^\*\*" -e "GLib-GIO-DEBUG" >&2)
