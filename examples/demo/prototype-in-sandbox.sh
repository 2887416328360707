#!/bin/bash
# PROTOTYPE of the demo: runs the demo microVM as an unprivileged user inside
# the project's test sandbox, doing by hand, step by step, what
# `microvm-user run` will do once the frontend exists (then the demo will use
# it instead of this script).
#
#   examples/demo/prototype-in-sandbox.sh [--multi-queue] [--virtiofsd c|rust]
#
# As root on Debian 12.  Outside the sandbox it builds the runner
# (examples/demo/build-runner.sh, into _cache/demo-runner), the helper if
# needed, and for --virtiofsd rust Debian 13's virtiofsd
# (tests/tools/fetch-rust-virtiofsd.sh); then, inside tests/sandbox/mh-sandbox
# (private bus, real polkitd, real helper, /dev/net/tun 0666, test users):
#   1. alice asks the helper for the runner's taps (CreateTaps over D-Bus,
#      names and flags read from share/microvm/tap-*);
#   2. root gives the host side of the tap 169.254.100.1/16 (the helper does
#      not configure addresses; the guest pings that address);
#   3. alice starts virtiofsd for each share, then bin/microvm-run, in her
#      state directory;
#   4. once the guest is ready, alice runs bin/microvm-shutdown;
#   5. alice deletes her taps.
# It exits 0 only if the guest's ping got answers, the file the guest wrote
# appeared in the share owned by alice, qemu exited 0 after the graceful
# shutdown, and no tap and no process of alice's is left.
set -euo pipefail

repo_root=$(cd "$(dirname "$0")/../.." && pwd -P)
readonly USER_NAME=alice
readonly HOST_ADDR=169.254.100.1/16   # the guest (build-runner.sh) pings this
readonly READY_TIMEOUT_S=120          # boot under TCG takes ~7 s; be generous on a loaded machine
readonly EXIT_TIMEOUT_S=30

step() { echo "== $*"; }
# Prints a command line readably: plain words as they are, others quoted.
show_cmd() {
    local w out=""
    for w in "$@"; do
        if [[ "$w" =~ ^[A-Za-z0-9,._=:/+@%-]+$ ]]; then out+=" $w"; else out+=" '${w//\'/\'\\\'\'}'"; fi
    done
    echo "${out# }"
}
# Seconds since T0 (an $EPOCHREALTIME value), with two decimals.
elapsed_since() { awk -v now="$EPOCHREALTIME" -v t0="$1" 'BEGIN { printf "%.2f", now - t0 }'; }
info() { echo "   $*"; }
die() { echo "prototype: FAILED: $*" >&2; exit 1; }

usage() {
    echo "usage: $0 [--multi-queue] [--virtiofsd c|rust]" >&2
    exit 2
}

parse_args() {
    multi_queue=false
    virtiofsd_flavour=c
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --multi-queue) multi_queue=true; shift ;;
            --virtiofsd) [[ $# -ge 2 ]] || usage; virtiofsd_flavour=$2; shift 2 ;;
            *) usage ;;
        esac
    done
    [[ "$virtiofsd_flavour" == c || "$virtiofsd_flavour" == rust ]] || usage
}

# ---------------------------------------------------------------------------
# Outside the sandbox: everything that needs the network or the build tree.
# ---------------------------------------------------------------------------
prepare_and_enter() {
    [[ $(id -u) -eq 0 ]] || die "run as root: the sandbox creates namespaces"
    local build=$repo_root/build runner rust_virtiofsd=""
    step "building the demo runner from Debian packages"
    local build_args=("$repo_root/_cache/demo-runner")
    $multi_queue && build_args+=(--multi-queue)
    runner=$("$repo_root/examples/demo/build-runner.sh" "${build_args[@]}" 2> >(sed 's/^/   /' >&2) | tail -n 1)
    info "runner: $runner"
    if [[ "$virtiofsd_flavour" == rust ]]; then
        step "fetching Debian 13's Rust virtiofsd"
        rust_virtiofsd=$("$repo_root/tests/tools/fetch-rust-virtiofsd.sh" "$repo_root/_cache/rust-virtiofsd" \
                         2> >(sed 's/^/   /' >&2) | tail -n 1)
    fi
    step "building the helper"
    if [[ -d "$build" ]]; then
        ninja -C "$build" >/dev/null
    else
        (cd "$repo_root" && meson setup build >/dev/null && ninja -C build >/dev/null)
    fi
    export MH_BUILD_ROOT=$build MH_SOURCE_ROOT=$repo_root
    export PROTO_RUNNER=$runner PROTO_VIRTIOFSD_FLAVOUR=$virtiofsd_flavour PROTO_RUST_VIRTIOFSD=$rust_virtiofsd
    step "entering the sandbox (own mount, pid and network namespaces; private bus; polkitd; helper)"
    # The helper and dbus-daemon log verbosely on stderr; keep their noise out.
    exec "$repo_root/tests/sandbox/mh-sandbox" -- "$0" --inside-sandbox \
        2> >(grep --line-buffered -v -e '^dbus-daemon' -e '^\*\*' -e 'GLib-GIO-DEBUG' >&2)
}

# ---------------------------------------------------------------------------
# Inside the sandbox (root, in the sandbox's network namespace).
# ---------------------------------------------------------------------------
as_user() { setpriv --reuid="$USER_NAME" --regid="$USER_NAME" --init-groups "$@"; }

# Words of a runner data file, blank lines and surrounding blanks ignored.
runner_words() {
    local file=$1
    [[ -f "$file" ]] || return 0
    tr -s ' \t\n' '\n' <"$file" | sed '/^$/d'
}

create_taps() {
    local flags multi=false vnet=false name args=()
    flags=$(runner_words "$runner/share/microvm/tap-flags")
    grep -qx multi_queue <<<"$flags" && multi=true
    grep -qx vnet_hdr <<<"$flags" && vnet=true
    mapfile -t taps < <(runner_words "$runner/share/microvm/tap-interfaces")
    [[ ${#taps[@]} -gt 0 ]] || die "the runner has no taps"
    for name in "${taps[@]}"; do
        args+=("$name" 2 vnet_hdr b "$vnet" multi_queue b "$multi")
    done
    step "$USER_NAME asks the helper for her taps: ${taps[*]} (vnet_hdr=$vnet multi_queue=$multi)"
    as_user busctl call org.microvm.Helper1 /org/microvm/Helper1 org.microvm.Helper1 \
        CreateTaps 'a(sa{sv})' "${#taps[@]}" "${args[@]}" | sed 's/^/   helper replied: /'
    for name in "${taps[@]}"; do
        [[ "$(cat "/sys/class/net/$name/owner")" == "$(id -u "$USER_NAME")" ]] \
            || die "tap $name is not owned by $USER_NAME"
    done
    step "root gives the host side of ${taps[0]} $HOST_ADDR (the guest pings it)"
    ip addr add "$HOST_ADDR" dev "${taps[0]}"
}

# Starts one virtiofsd per share as the user.
#
# The Rust virtiofsd sandboxes itself (--sandbox=namespace makes its own
# user namespace).  The C one (qemu 7.2's) wants /run/virtiofsd writable, so
# it runs in a user + mount namespace with a tmpfs on /run; the share is
# bind-mounted on /mnt first because a tmpfs on /run would hide a share that
# lives under /run (as here: the sandbox's home directories are there).  Its
# relative socket path still resolves in the state directory, the working
# directory.  It also insists on dropping supplementary groups (setgroups),
# which an unprivileged user namespace forbids: started this way it only
# runs for a user with no supplementary groups, so here root starts it as
# alice with her groups cleared.  (microvm-user instead makes setgroups a
# no-op with a seccomp filter, which a shell script cannot do.)
start_virtiofsd() {
    local dir tag source socket as_cmd
    virtiofsd_pids=()
    sockets=()
    for dir in "$runner"/share/microvm/virtiofs/*/; do
        tag=$(basename "$dir")
        source=$(head -n 1 "$dir/source")
        socket=$(head -n 1 "$dir/socket")
        as_user mkdir -p "$source"
        [[ "$source" == /* ]] || source=$state/$source
        if [[ "$PROTO_VIRTIOFSD_FLAVOUR" == c ]]; then
            as_cmd=(setpriv --reuid="$USER_NAME" --regid="$USER_NAME" --clear-groups)
            virtiofsd_cmd=(unshare -U -r -m sh -c 'mount --bind "$1" /mnt && mount -t tmpfs none /run && shift && exec "$@"'
                           virtiofsd-ns "$source" /usr/lib/qemu/virtiofsd "--socket-path=$socket" -o source=/mnt)
        else
            as_cmd=(as_user)
            virtiofsd_cmd=("$PROTO_RUST_VIRTIOFSD" --socket-path "$socket" --shared-dir "$source" --sandbox=namespace)
        fi
        step "$USER_NAME starts virtiofsd ($PROTO_VIRTIOFSD_FLAVOUR) for share '$tag'"
        info "$(show_cmd "${virtiofsd_cmd[@]}")"
        "${as_cmd[@]}" "${virtiofsd_cmd[@]}" >"$logs/virtiofsd-$tag.log" 2>&1 &
        virtiofsd_pids+=($!)
        sockets+=("$socket")
    done
    local s
    for s in "${sockets[@]}"; do
        for _ in $(seq 100); do [[ -S "$s" ]] && break; sleep 0.05; done
        [[ -S "$s" ]] || { cat "$logs"/virtiofsd-*.log >&2; die "virtiofsd did not create $state/$s within 5 s"; }
    done
    info "sockets ready: ${sockets[*]}"
}

# Starts bin/microvm-run as the user; the guest's progress lines are shown
# as they come, the whole console goes to a log.
start_vm() {
    step "$USER_NAME starts $runner/bin/microvm-run in $state"
    vm_started=$EPOCHREALTIME
    as_user "$runner/bin/microvm-run" </dev/null \
        > >(tee "$logs/console.log" | grep --line-buffered 'demo-guest:' | sed -u 's/^/   guest| /') 2>&1 &
    qemu_pid=$!    # setpriv and microvm-run exec, so this is qemu
}

wait_until_ready() {
    local deadline=$((SECONDS + READY_TIMEOUT_S))
    until grep -q 'demo-guest: ready' "$logs/console.log" 2>/dev/null; do
        kill -0 "$qemu_pid" 2>/dev/null || { cat "$logs/console.log" >&2; die "qemu exited before the guest was ready"; }
        grep -q 'demo-guest: FAILED' "$logs/console.log" 2>/dev/null && die "the guest failed (see above)"
        if ((SECONDS >= deadline)); then
            echo "--- last lines of the console:" >&2
            tail -n 20 "$logs/console.log" >&2
            die "the guest was not ready within ${READY_TIMEOUT_S} s"
        fi
        sleep 0.1
    done
    ready_after=$(elapsed_since "$vm_started")
    info "guest ready $ready_after s after microvm-run started"
}

check_guest_work() {
    step "checking what the guest did"
    local ping_line file=$state/share/hello-from-guest.txt owner
    ping_line=$(sed -n 's/^demo-guest: ping: //p' "$logs/console.log")
    if grep -q 'demo-guest: ping OK' "$logs/console.log"; then
        info "ping from the guest to ${HOST_ADDR%/*}: OK ($ping_line)"
    else
        failures+=("the guest's ping of ${HOST_ADDR%/*} got no answer: ${ping_line:-no result line}")
    fi
    if [[ -f "$file" ]]; then
        owner=$(stat -c %U "$file")
        info "$file: owner $owner, content: $(cat "$file")"
        [[ "$owner" == "$USER_NAME" ]] || failures+=("the guest's file is owned by $owner, not $USER_NAME")
    else
        failures+=("the guest's file $file is missing")
    fi
    if $multi_queue; then
        grep -q 'eth0 up with .* (2 rx queue(s)' "$logs/console.log" \
            && info "eth0 has 2 queues: multi_queue went from tap-flags to the helper to qemu to the guest" \
            || failures+=("eth0 does not have 2 rx queues")
    fi
}

shutdown_vm() {
    step "$USER_NAME runs $runner/bin/microvm-shutdown"
    local t0 status deadline
    t0=$EPOCHREALTIME
    (cd "$state" && as_user "$runner/bin/microvm-shutdown") || failures+=("microvm-shutdown failed")
    deadline=$((SECONDS + EXIT_TIMEOUT_S))
    while kill -0 "$qemu_pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.02; done
    if kill -0 "$qemu_pid" 2>/dev/null; then
        failures+=("qemu still runs ${EXIT_TIMEOUT_S} s after microvm-shutdown")
        kill -KILL "$qemu_pid"
    fi
    status=0
    wait "$qemu_pid" || status=$?
    shutdown_took=$(elapsed_since "$t0")
    info "qemu exited with status $status $shutdown_took s after microvm-shutdown was started"
    [[ $status -eq 0 ]] || failures+=("qemu exited with status $status")
    grep -q 'demo-guest: power button pressed' "$logs/console.log" || failures+=("the guest did not see the power button")

    # virtiofsd ends by itself when its client (qemu) goes away.
    local pid
    for pid in "${virtiofsd_pids[@]}"; do
        deadline=$((SECONDS + 10))
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
        if kill -0 "$pid" 2>/dev/null; then
            failures+=("virtiofsd (pid $pid) did not exit after qemu")
            kill -KILL "$pid"
        fi
        wait "$pid" 2>/dev/null || true
    done
}

delete_taps() {
    local name
    for name in "${taps[@]}"; do
        step "$USER_NAME deletes her tap $name"
        as_user busctl call org.microvm.Helper1 /org/microvm/Helper1 org.microvm.Helper1 DeleteTap s "$name"
        [[ ! -e "/sys/class/net/$name" ]] || failures+=("tap $name still exists")
    done
    local left
    left=$(pgrep -u "$USER_NAME" -a || true)
    [[ -z "$left" ]] || failures+=("processes of $USER_NAME left: $left")
}

inside_sandbox() {
    runner=$PROTO_RUNNER
    multi_queue=false
    grep -qx multi_queue < <(runner_words "$runner/share/microvm/tap-flags") && multi_queue=true
    failures=()
    logs=$MH_SANDBOX_DIR/logs
    mkdir -p "$logs"
    as_user test -x "$runner/bin/microvm-run" \
        || die "$USER_NAME cannot run $runner/bin/microvm-run: the checkout must be readable by other users"

    # Where the frontend will keep the VM's state: $XDG_STATE_HOME/microvm/NAME.
    local name
    name=$(basename "$runner")
    name=${name#microvm-qemu-}
    state=$MH_SANDBOX_DIR/home/$USER_NAME/.local/state/microvm/$name
    as_user mkdir -p "$state"
    cd "$state"

    create_taps
    start_virtiofsd
    start_vm
    wait_until_ready
    check_guest_work
    shutdown_vm
    delete_taps

    if [[ ${#failures[@]} -gt 0 ]]; then
        local f
        for f in "${failures[@]}"; do echo "prototype: FAILED: $f" >&2; done
        exit 1
    fi
    step "done: ping answered, file written as $USER_NAME, graceful shutdown (qemu exit 0), no tap or process left"
    echo "   figures: ready $ready_after s after start, qemu exit $shutdown_took s after microvm-shutdown"
}

if [[ "${1:-}" == --inside-sandbox ]]; then
    inside_sandbox
else
    parse_args "$@"
    prepare_and_enter
fi
