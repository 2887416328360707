#!/bin/bash
# The baseline of the frontend-start benchmark: what the systemd host module
# of microvm.nix does to start a VM, written as one root script (its
# services tap-up, virtiofsd and microvm@ in a row, without systemd):
#
#   host-module-start.sh RUNNER STATE_DIR USER
#
# For each tap: `ip tuntap add … user USER [vnet_hdr] [multi_queue]` and
# `ip link set … up`; for each share: a C virtiofsd as root with its socket
# group set to USER's group, started in the background; wait until every
# socket exists; then exec bin/microvm-run as USER in STATE_DIR.  The pids
# of the virtiofsd go to STATE_DIR/virtiofsd.pids for host-module-stop.sh.
set -euo pipefail
runner=$1 state=$2 user=$3
cd "$state"

tap_options=()
if [[ -r "$runner/share/microvm/tap-flags" ]]; then
    for flag in $(<"$runner/share/microvm/tap-flags"); do
        case "$flag" in vnet_hdr|multi_queue) tap_options+=("$flag") ;; esac
    done
fi
while read -r tap; do
    [[ -n "$tap" ]] || continue
    ip tuntap add name "$tap" mode tap user "$user" "${tap_options[@]}"
    ip link set "$tap" up
done <"$runner/share/microvm/tap-interfaces"

sockets=()
: >virtiofsd.pids
for share in "$runner"/share/microvm/virtiofs/*/; do
    source=$(<"$share/source")
    socket=$(<"$share/socket")
    mkdir -p "$source"
    rm -f "$socket"
    /usr/lib/qemu/virtiofsd --socket-path="$socket" --socket-group="$user" \
        -o source="$source" -o log_level=err &
    echo $! >>virtiofsd.pids
    sockets+=("$socket")
done
for socket in "${sockets[@]}"; do
    until [[ -S "$socket" ]]; do sleep 0.001; done
done

exec setpriv --reuid="$user" --regid="$user" --init-groups "$runner/bin/microvm-run"
