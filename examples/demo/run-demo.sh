#!/bin/bash
# Boots the demo microVM as the unprivileged user alice with
# `microvm-user run`, inside the test sandbox (tests/sandbox/mh-sandbox:
# private bus, real polkitd, the real helper), and checks what a user would
# want to see:
#   - the tap the helper made is owned by alice,
#   - the guest pings the host side of the tap,
#   - a file the guest writes through virtiofs appears owned by alice,
#   - the share the runner declares read-only (bin/virtiofsd-run) reads
#     but refuses the guest's write,
#   - `microvm-user stop` powers it off gracefully (bin/microvm-shutdown),
#   - no tap, no process and no registry entry is left.
# Exits 0 only if all of that happened.  Prints the wall time of each phase.
#
#   run-demo.sh --runner DIR [--virtiofsd PATH] [--bridge | --macvtap] [--quiet]
#
# --bridge: the tap is made a port of the bridge br-demo (allowed in the
# helper's AllowedBridges=, given as run --bridge), which carries the host's
# address.  --macvtap: the runner has a macvtap (build-runner.sh --macvtap
# lan-demo) on one end of a veth pair whose other end carries the host's
# address; the hypervisor opens its /dev/tapN.  Both stay in the sandbox's
# own network namespace.
#
# DIR is a runner built by build-runner.sh (it is copied into alice's home,
# which the sandbox keeps on its own tmpfs).  Run as root inside the sandbox.
set -euo pipefail

runner_source=""
virtiofsd=""
quiet=""
network=tap
while [[ $# -gt 0 ]]; do
    case "$1" in
        --runner) runner_source=$2; shift 2 ;;
        --virtiofsd) virtiofsd=$2; shift 2 ;;
        --quiet) quiet=1; shift ;;
        --bridge) network=bridge; shift ;;
        --macvtap) network=macvtap; shift ;;
        *) echo "run-demo.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[[ -n "$runner_source" && -d "$runner_source" ]] || { echo "run-demo.sh: give --runner DIR" >&2; exit 2; }
[[ -n "${MH_SANDBOX_DIR:-}" ]] || { echo "run-demo.sh: run me inside tests/sandbox/mh-sandbox" >&2; exit 2; }

readonly HOST_ADDR=169.254.100.1/16
readonly USER_NAME=alice
home="$MH_SANDBOX_DIR/home/$USER_NAME"
uid=$(id -u "$USER_NAME")
runner="$home/$(basename "$runner_source")"
log="$home/microvm-user.log"
microvm_user="$MH_BUILD_ROOT/frontend/microvm-user"
failures=0

start_ns=$(date +%s%N)
last_ns=$start_ns
say() { echo "demo: $*"; }
ok() { echo "demo:   ok    $*"; }
bad() { echo "demo:   FAIL  $*"; failures=$((failures + 1)); }
timing=()
phase_done() { # phase_done NAME: records the time since the previous phase
    local now
    now=$(date +%s%N)
    timing+=("$(printf '%-38s %6d ms' "$1" $(((now - last_ns) / 1000000)))")
    last_ns=$now
}
as_user() {
    setpriv --reuid="$USER_NAME" --regid="$USER_NAME" --init-groups \
        env -i HOME="$home" USER="$USER_NAME" XDG_RUNTIME_DIR="/run/user/$uid" \
        PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 "$@"
}
wait_until() { # wait_until SECONDS COMMAND...: polls every 20 ms
    local deadline=$(($(date +%s) + $1)); shift
    until "$@"; do
        (($(date +%s) < deadline)) || return 1
        sleep 0.02
    done
}
frontend_alive() { kill -0 "$frontend" 2>/dev/null; }
log_has() { grep -q -- "$1" "$log" 2>/dev/null; }
ready_or_gone() { log_has "demo-guest: ready" || ! frontend_alive; }

# Stream the VM's console and the frontend's progress, indented.
show_log() {
    if [[ -z "$quiet" ]]; then
        tail -n +1 -F "$log" 2>/dev/null | sed -u 's/^/    | /' &
        tail_pid=$!
    fi
}
stop_log() { [[ -n "${tail_pid:-}" ]] && kill "$tail_pid" 2>/dev/null; tail_pid=""; }
trap stop_log EXIT

cp -a "$runner_source" "$runner"
# The virtiofsd chain names its files by absolute path, as a store would.
virtiofsd_chain=$runner/share/demo/virtiofsd
if [[ -d "$virtiofsd_chain" ]]; then
    sed -i "s|$runner_source/|$runner/|g" "$virtiofsd_chain/supervisord.conf" "$virtiofsd_chain/virtiofsd-run"
fi
chown -R "$USER_NAME:" "$runner"
if [[ $network == macvtap ]]; then
    tap=$(grep -v '^ *$' "$runner/share/microvm/macvtap-interfaces" | head -n 1 | cut -d' ' -f1)
else
    tap=$(grep -v '^ *$' "$runner/share/microvm/tap-interfaces" | head -n 1)
fi
# The network the administrator owns, made before the helper starts (it
# reads its helper.conf then): the host's address goes on the bridge, or on
# the veth end the macvtap does not sit on.
run_options=()
case $network in
    bridge)
        ip link add br-demo type bridge
        ip link set br-demo up
        ip addr add "$HOST_ADDR" dev br-demo
        printf '[Network]\nAllowedBridges=br-demo\n' >"$MH_SANDBOX_DIR/helper.conf"
        run_options+=(--bridge=br-demo) ;;
    macvtap)
        ip link add lan-demo type veth peer name lan-host
        ip link set lan-demo up
        ip link set lan-host up
        ip addr add "$HOST_ADDR" dev lan-host
        printf '[Network]\nAllowedMacvtapLinks=lan-demo\n' >"$MH_SANDBOX_DIR/helper.conf" ;;
esac
vm=$(basename "$runner" | sed 's/^microvm-qemu-//')
state_dir="$home/.local/state/microvm/$vm"
: >"$log"; chown "$USER_NAME:" "$log"
# What the guest reads from the read-only share (the runner declares it
# readOnly; the guest's write there must fail).
ro_dir="$state_dir/ro"
mkdir -p "$ro_dir"
echo "put here by the host" >"$ro_dir/from-host.txt"
chown -R "$USER_NAME:" "$home/.local"

say "as $USER_NAME (uid $uid), not root: microvm-user run $(basename "$runner")${virtiofsd:+ --virtiofsd=$virtiofsd}"
show_log
as_user "$microvm_user" run ${virtiofsd:+--virtiofsd="$virtiofsd"} "${run_options[@]}" "$runner" >>"$log" 2>&1 &
frontend=$!

# The host side of the tap gets its link-local address from root, as a
# bridge or the host's network configuration would give it on a real host:
# the helper only makes the tap.
if wait_until 60 test -e "/sys/class/net/$tap"; then
    phase_done "taps from the helper (incl. polkit)"
    [[ $network != tap ]] || ip addr add "$HOST_ADDR" dev "$tap"
    ip -d link show "$tap" | sed 's/^/demo: ip -d link: /'
else
    bad "no tap $tap appeared"
fi

wait_until 30 bash -c "grep -q 'every virtiofsd socket is listening\|starting bin/microvm-run' '$log' || ! kill -0 $frontend 2>/dev/null" || true
phase_done "virtiofsd ready"
wait_until 180 ready_or_gone || true
phase_done "hypervisor start to guest ready"
stop_log

echo
say "checks while the VM runs:"
if [[ $network == macvtap ]]; then
    node=/dev/tap$(cat "/sys/class/net/$tap/ifindex" 2>/dev/null || echo "?")
    owner=$(stat -c %u "$node" 2>/dev/null || echo "?")
    mode=$(stat -c %a "$node" 2>/dev/null || echo "?")
    if [[ "$owner" == "$uid" && "$mode" == 600 ]]; then ok "macvtap $tap on lan-demo: $node is owned by uid $owner ($USER_NAME), mode $mode"
    else bad "macvtap $tap: $node owner '$owner' mode '$mode', not $uid 600"; fi
    holder=$(ls -l /proc/$(pgrep -u "$USER_NAME" -x qemu-system-x86 | head -n 1)/fd 2>/dev/null | grep -o "/dev/tap[0-9]*" | head -n 1)
    if [[ "$holder" == "$node" ]]; then ok "qemu holds $node open (microvm-run opened it: -netdev tap,fd=3)"
    else bad "qemu does not hold $node open (it holds '${holder:-nothing}')"; fi
else
    owner=$(cat "/sys/class/net/$tap/owner" 2>/dev/null || echo "?")
    if [[ "$owner" == "$uid" ]]; then ok "tap $tap was made by microvm-helperd and is owned by uid $owner ($USER_NAME)"
    else bad "tap $tap owner is '$owner', not $uid"; fi
fi
if [[ $network == bridge ]]; then
    master=$(basename "$(readlink "/sys/class/net/$tap/master" 2>/dev/null)" 2>/dev/null || true)
    if [[ "$master" == br-demo ]]; then ok "tap $tap is a port of br-demo, which carries ${HOST_ADDR%/*}"
    else bad "tap $tap is not a port of br-demo (master '${master:-none}')"; fi
fi
if log_has "demo-guest: ping OK"; then ok "the guest pinged the host side of the tap: $(grep -o 'demo-guest: ping: .*' "$log" | head -n 1 | sed 's/demo-guest: ping: //')"
else bad "the guest did not get an answer from ${HOST_ADDR%/*}"; fi
shared_file="$state_dir/share/hello-from-guest.txt"
if [[ -f "$shared_file" ]]; then
    file_owner=$(stat -c %U "$shared_file")
    if [[ "$file_owner" == "$USER_NAME" ]]; then ok "the guest wrote $shared_file through virtiofs; owner $file_owner: \"$(cat "$shared_file")\""
    else bad "$shared_file is owned by $file_owner, not $USER_NAME"; fi
else bad "the guest's file $shared_file did not appear"; fi
if log_has "demo-guest: read-only share 'ro' refused the write" && [[ ! -e "$ro_dir/guest-write.txt" ]] \
    && log_has "demo-guest: read-only share 'ro': read from-host.txt"; then
    ok "the read-only share refused the guest's write ($(grep -o "refused the write: .*" "$log" | head -n 1 | sed 's/refused the write: //')) while it read the host's file and wrote to the writable share"
else bad "the read-only share was not served read-only: $(grep "demo-guest: .*\(read-only\|ro'\)" "$log" | head -n 2 | tr '\n' ' ')"; fi
if log_has "FAILED"; then bad "the guest reported: $(grep FAILED "$log" | head -n 1)"; fi

echo
say "as $USER_NAME: microvm-user stop $vm   (runs bin/microvm-shutdown: QMP system_powerdown)"
stop_start=$(date +%s%N)
last_ns=$stop_start
if as_user "$microvm_user" stop "$vm" >/dev/null 2>&1; then :; else bad "microvm-user stop failed"; fi
status=0
wait "$frontend" || status=$?
phase_done "graceful shutdown and cleanup"
grep -E "demo-guest: (power button|powering off)|hypervisor exited|deleting the taps" "$log" | sed 's/^/    | /' || true
if [[ $status -eq 0 ]] && log_has "demo-guest: power button pressed"; then ok "the guest powered off on the ACPI power button; microvm-user exited 0"
else bad "microvm-user exited $status$(log_has 'power button pressed' || echo ', the guest never saw the power button')"; fi

echo
say "checks after the stop:"
kind=$([[ $network == macvtap ]] && echo macvtap || echo tap)
if wait_until 5 test ! -e "/sys/class/net/$tap"; then ok "$kind $tap is gone"; else bad "$kind $tap is still there"; fi
if [[ $network == macvtap ]]; then
    if [[ ! -e "$node" ]]; then ok "$node is gone"; else bad "$node is still there"; fi
fi
left=$(pgrep -u "$USER_NAME" -a . || true)
if [[ -z "$left" ]]; then ok "no process of $USER_NAME is left (qemu, virtiofsd)"; else bad "processes left: $left"; fi
if ! grep -q "name=" /run/microvm-helper/taps.registry 2>/dev/null; then ok "the helper's registry is empty"
else bad "the helper's registry still lists: $(grep name= /run/microvm-helper/taps.registry)"; fi

echo
say "wall time of each phase:"
printf 'demo:   %s\n' "${timing[@]}"
total_ms=$((($(date +%s%N) - start_ns) / 1000000))
echo
if [[ $failures -eq 0 ]]; then
    say "PASSED: booted, pinged, shared a file (and refused a write to the read-only share) and shut down as $USER_NAME, nothing left (${total_ms} ms)"
    exit 0
fi
say "FAILED: $failures check(s) failed; the whole log: $log"
sed 's/^/    | /' "$log"
exit 1
