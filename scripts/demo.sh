#!/bin/bash
# The README's first command.  As root on Debian 12: installs what is
# needed (apt-get), builds microvm-helper and the demo microVM (from Debian
# packages), then, inside a sandbox that changes nothing outside it (its
# own mount, pid and network namespaces, a private system bus, the real
# polkitd and the real microvm-helperd), boots the VM as the unprivileged
# user alice with `microvm-user run` and checks that it works.
set -euo pipefail
cd "$(dirname "$0")/.."

[[ $(id -u) -eq 0 ]] || { echo "demo.sh: run as root (it installs packages and creates namespaces)" >&2; exit 1; }

cache=${MH_CACHE_DIR:-$PWD/_cache}
mkdir -p "$cache"
sandbox_log="$cache/demo-sandbox.log"

echo "demo: installing packages (apt-get) and building microvm-helper"
scripts/install-deps.sh all >"$cache/demo-setup.log" 2>&1 ||
    { cat "$cache/demo-setup.log"; exit 1; }
{
    if [[ -d build ]]; then meson setup --reconfigure build; else meson setup build; fi
    ninja -C build
} >>"$cache/demo-setup.log" 2>&1 || { tail -n 40 "$cache/demo-setup.log"; exit 1; }

echo "demo: building the demo microVM from Debian packages (kernel, busybox-static)"
runner=$(flock "$cache/.lock" examples/demo/build-runner.sh "$cache/demo" --cache "$cache/debs" \
             2>>"$cache/demo-setup.log" | tail -n 1) ||
    { tail -n 40 "$cache/demo-setup.log"; exit 1; }

echo "demo: entering the sandbox: new mount, pid and network namespaces, private system"
echo "demo: bus, the real polkitd and microvm-helperd (bus and helper log: $sandbox_log)"
echo
export MH_BUILD_ROOT=$PWD/build MH_SOURCE_ROOT=$PWD
status=0
tests/sandbox/mh-sandbox -- examples/demo/run-demo.sh --runner "$runner" 2>"$sandbox_log" || status=$?
if [[ $status -ne 0 ]]; then
    echo "demo: the sandbox's log ends with:"
    tail -n 20 "$sandbox_log" | sed 's/^/    | /'
fi
exit $status
