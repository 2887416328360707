#!/bin/bash
# The README's first command.  Sets everything up, then, inside a sandbox
# that changes nothing outside it (its own mount, pid and network
# namespaces, a private system bus, the real polkitd and the real helper),
# shows an unprivileged user getting a tap from the helper with busctl.
set -euo pipefail
cd "$(dirname "$0")/.."

[[ $(id -u) -eq 0 ]] || { echo "demo.sh: run as root (it installs packages and creates namespaces)" >&2; exit 1; }

echo "== installing packages and building"
scripts/install-deps.sh all >/dev/null
if [[ -d build ]]; then meson setup --reconfigure build >/dev/null; else meson setup build >/dev/null; fi
ninja -C build >/dev/null

export MH_BUILD_ROOT=$PWD/build MH_SOURCE_ROOT=$PWD
exec tests/sandbox/mh-sandbox -- bash -c '
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
echo "== done: vm-web is gone, nothing left outside the sandbox"
' 2> >(grep -v -e "^dbus-daemon" -e "^\*\*" -e "GLib-GIO-DEBUG" >&2)
