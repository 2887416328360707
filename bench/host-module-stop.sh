#!/bin/bash
# The baseline of the frontend-stop benchmark: what the systemd host module
# does when a VM is stopped, as one root script: SIGTERM to the hypervisor
# and wait for it, stop every virtiofsd and wait, then `ip link del` each
# tap (tap-down).
#
#   host-module-stop.sh RUNNER STATE_DIR
set -euo pipefail
runner=$1 state=$2
cd "$state"

# A process is gone when /proc has no entry for it or it is a zombie (its
# parent reaps it in its own time).
gone() {
    local state
    [[ -r /proc/$1/stat ]] || return 0
    read -r _ _ state _ <"/proc/$1/stat" 2>/dev/null || return 0
    [[ "$state" == Z ]]
}

hypervisor=$(<hypervisor.pid)
kill -TERM "$hypervisor" 2>/dev/null || true
until gone "$hypervisor"; do sleep 0.001; done

mapfile -t pids <virtiofsd.pids
for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
for pid in "${pids[@]}"; do
    until gone "$pid"; do sleep 0.001; done
done

while read -r tap; do
    [[ -n "$tap" ]] || continue
    ip link del "$tap"
done <"$runner/share/microvm/tap-interfaces"
