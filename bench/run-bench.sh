#!/bin/bash
# The benchmarks of microvm-helper, in one run, printed as one table.
#
#   bench/run-bench.sh [--no-build] [--quick] [--out DIR]
#   ninja -C build bench            (the same, after building what it needs)
#
# As root on Debian 12 (it creates namespaces, like the tests).  Everything
# runs inside one tests/sandbox/mh-sandbox: private system bus, the real
# polkitd (bench/bench.rules, plus the bench-only action of
# bench/org.microvm.bench.policy), the real helper D-Bus activated from the
# build tree (bench/helper.conf, --no-idle-exit), the least helper beside it
# under a bus name of the bench's own (bench/org.microvm.bench.conf), taps
# in the sandbox's own network namespace.  Each figure is compared with a
# baseline measured in the same run.  Nothing outside the sandbox changes.
#
# --quick runs fewer rounds (a smoke test of the benchmark itself; its
# figures are not worth quoting).  The table goes to stdout and to
# DIR/table.md (default: BUILD/bench-results/DATE), with the raw results
# (results.txt) and the sandbox's log (sandbox.log: helper, bus, polkitd).
#
# Benchmarks are not tests: nothing here fails on a slow figure; it fails
# only when a step did not do what it measures.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)

if [[ "${1:-}" != "--inside" ]]; then
    build=yes
    quick=no
    out=""
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --no-build) build=no; shift ;;
            --quick) quick=yes; shift ;;
            --out) out=$2; shift 2 ;;
            -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
            *) echo "run-bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        esac
    done
    [[ $(id -u) -eq 0 ]] || { echo "run-bench.sh: run as root (it creates namespaces, as the tests do)" >&2; exit 1; }

    export MH_SOURCE_ROOT=${MH_SOURCE_ROOT:-$src}
    export MH_BUILD_ROOT=${MH_BUILD_ROOT:-$src/build}
    if [[ $build == yes ]]; then
        [[ -d "$MH_BUILD_ROOT" ]] || meson setup "$MH_BUILD_ROOT" "$src" >/dev/null
        # The sandbox needs the helper's polkit policy and the fake PCI tree
        # besides the programs measured here.
        ninja -C "$MH_BUILD_ROOT" helper/microvm-helperd frontend/microvm-user \
            policy/org.microvm.helper.policy tests/mh-fakepci \
            bench/mh-bench-baseline bench/mh-bench-client bench/mh-bench-least-helper bench/mh-bench-paired \
            bench/mh-bench-frontend bench/mh-bench-hypervisor bench/mh-bench-stamp bench/mh-bench-registry >/dev/null
    fi
    for program in helper/microvm-helperd frontend/microvm-user tests/mh-fakepci bench/mh-bench-baseline \
                   bench/mh-bench-client bench/mh-bench-least-helper bench/mh-bench-paired bench/mh-bench-frontend \
                   bench/mh-bench-hypervisor \
                   bench/mh-bench-stamp bench/mh-bench-registry; do
        [[ -x "$MH_BUILD_ROOT/$program" ]] || { echo "run-bench.sh: $MH_BUILD_ROOT/$program is missing; build first (ninja -C $MH_BUILD_ROOT)" >&2; exit 1; }
    done
    [[ -f "$MH_BUILD_ROOT/policy/org.microvm.helper.policy" ]] ||
        { echo "run-bench.sh: $MH_BUILD_ROOT/policy/org.microvm.helper.policy is missing; build first (ninja -C $MH_BUILD_ROOT)" >&2; exit 1; }
    for tool in ip setpriv /usr/lib/qemu/virtiofsd pkaction dbus-send; do
        command -v "$tool" >/dev/null || { echo "run-bench.sh: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
    done

    out=${out:-$MH_BUILD_ROOT/bench-results/$(date -u +%Y%m%dT%H%M%SZ)}
    mkdir -p "$out"
    out=$(cd "$out" && pwd)
    export MH_BENCH_OUT=$out MH_BENCH_QUICK=$quick
    : >"$out/results.txt"

    {
        echo "info date $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo "info kernel $(uname -r)"
        echo "info cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores"
        echo "info memory $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
        echo "info os $(. /etc/os-release && echo "$PRETTY_NAME")"
        echo "info versions polkitd $(dpkg-query -W -f '${Version}' polkitd 2>/dev/null || echo '?'), dbus $(dpkg-query -W -f '${Version}' dbus-daemon 2>/dev/null || echo '?'), $(ip -V | sed 's/, libbpf.*//'), glib $(pkg-config --modversion glib-2.0 2>/dev/null || echo '?')"
        echo "info load_start $(cut -d' ' -f1-3 /proc/loadavg)"
    } >>"$out/results.txt"

    echo "run-bench.sh: results in $out (this takes a few minutes)" >&2
    exec 3>&2
    status=0
    "$src/tests/sandbox/mh-sandbox" \
        --rules "$src/bench/bench.rules" \
        --helper-config "$src/bench/helper.conf" \
        --helper-args "--no-idle-exit" \
        -- "$src/bench/run-bench.sh" --inside </dev/null 2>"$out/sandbox.log" || status=$?
    if [[ $status -ne 0 ]]; then
        echo "run-bench.sh: the benchmark failed (status $status); the sandbox's log ends with:" >&2
        tail -n 30 "$out/sandbox.log" >&2
        exit "$status"
    fi
    echo "info load_end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/results.txt"
    awk -f "$src/bench/report.awk" "$out/results.txt" | tee "$out/table.md"
    exit 0
fi

# ------------------------------------------------------------------ inside
# Runs as root in the sandbox.  Results are appended to results.txt; the
# programs' progress and errors go to fd 3 (the terminal).
shift
bin=$MH_BUILD_ROOT/bench
results=$MH_BENCH_OUT/results.txt
sb=$MH_SANDBOX_DIR

if [[ $MH_BENCH_QUICK == yes ]]; then
    taps=20 polkit_checks=20 rounds=8 scale_reps=1 churn=200 frontend_rounds=2 ready_rounds=3
else
    taps=200 polkit_checks=200 rounds=60 scale_reps=3 churn=10000 frontend_rounds=20 ready_rounds=20
fi

say() { printf 'run-bench.sh: %s\n' "$*" >&3; }
as_user() { # as_user USER COMMAND...: the way the tests run users' programs
    local user=$1; shift
    local uid
    uid=$(id -u "$user")
    env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$sb/home/$user" USER="$user" \
        XDG_RUNTIME_DIR="/run/user/$uid" DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" \
        MH_BENCH_WATCH="${MH_BENCH_WATCH:-}" \
        setpriv --reuid="$uid" --regid="$uid" --init-groups "$@"
}
record() { # record COMMAND...: its stdout (result lines) goes to the results
    "$@" 2>&3 | tee -a "$results" | sed 's/^/    /' >&3
    return "${PIPESTATUS[0]}"
}
helper_pid() { cat "$sb/helper.pid"; }
helper_memory() { # helper_memory LABEL: RSS and fd count of the helper now
    local pid rss fds
    pid=$(helper_pid)
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
    fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
    echo "value helper_rss_$1 $rss KiB" | tee -a "$results" | sed 's/^/    /' >&3
    echo "value helper_fds_$1 $fds fds" | tee -a "$results" | sed 's/^/    /' >&3
}
count_taps() { find /sys/class/net -mindepth 1 -maxdepth 1 -name "$1*" | wc -l; }

# The bench-only action (default: yes); polkitd picks up new action files
# by itself.
cp "$MH_SOURCE_ROOT/bench/org.microvm.bench.policy" "$sb/polkit/actions/"
for _ in $(seq 100); do
    pkaction --action-id org.microvm.bench.default-yes >/dev/null 2>&1 && break
    sleep 0.1
done
pkaction --action-id org.microvm.bench.default-yes >/dev/null 2>&1 ||
    { say "polkitd did not load bench/org.microvm.bench.policy"; exit 1; }

# The bench's bus name for the least helper beside the real one (series
# 1b); dbus-daemon reloads its configuration when told to.
cp "$MH_SOURCE_ROOT/bench/org.microvm.bench.conf" "$sb/dbus/system.d/"
dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.ReloadConfig >/dev/null

# CPU time of these is reported per call next to the wall times.
pid_of() { # pid_of COMM: the one process of that name in the sandbox
    local f
    for f in /proc/[0-9]*/comm; do
        [[ $(<"$f") == "$1" ]] 2>/dev/null && { f=${f#/proc/}; echo "${f%/comm}"; return 0; }
    done
    return 1
}
name_owned() { # name_owned NAME: whether NAME has an owner on the sandbox's bus
    gdbus call --system --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
        --method org.freedesktop.DBus.NameHasOwner "$1" 2>/dev/null | grep -q true
}

# Before the helper exists: the least any helper on this stack can add
# (bench/mh-bench-least-helper owns the helper's name for this series).
say "0. the least helper: CreateTap and DeleteTap with GDBus, polkit and the kernel work on one thread ($taps taps)"
coproc LEAST { exec "$bin/mh-bench-least-helper" 2>&3; }
least_pid=$LEAST_PID
read -r line <&"${LEAST[0]}" && [[ $line == ready ]] || { say "the least helper did not start"; exit 1; }
MH_BENCH_WATCH="helper=$least_pid polkitd=$(pid_of polkitd) bus=$(<"$sb/dbus.pid")" \
    record as_user alice "$bin/mh-bench-client" create-tap lt "$taps" _least
kill "$least_pid"
wait "$least_pid" || true
for _ in $(seq 100); do
    name_owned org.microvm.Helper1 || break
    sleep 0.05
done
! name_owned org.microvm.Helper1 || { say "the least helper still owns org.microvm.Helper1"; exit 1; }

say "starting the helper (D-Bus activation) and letting it idle"
as_user alice gdbus call --system --dest org.microvm.Helper1 --object-path /org/microvm/Helper1 \
    --method org.microvm.Helper1.ListTaps >/dev/null
sleep 1
helper_memory idle

export MH_BENCH_WATCH="helper=$(helper_pid) polkitd=$(pid_of polkitd) bus=$(<"$sb/dbus.pid")"

say "1. tap setup: the kernel alone ($taps taps, create, then delete by netlink and by persist-off)"
record "$bin/mh-bench-baseline" kernel-create kn "$taps" 61001
record "$bin/mh-bench-baseline" kernel-delete-netlink kn "$taps"
record "$bin/mh-bench-baseline" kernel-create kp "$taps" 61001 kernel_create_again
record "$bin/mh-bench-baseline" kernel-delete-persist kp "$taps"

say "1. tap setup: iproute2, as the host module does it ($taps taps)"
record "$bin/mh-bench-baseline" ip-create ip "$taps" alice
record "$bin/mh-bench-baseline" ip-delete ip "$taps"

say "1. tap setup: CreateTap and DeleteTap over D-Bus as alice ($taps taps)"
record as_user alice "$bin/mh-bench-client" create-tap ct "$taps"

say "1. tap setup: CreateTaps of 4 (a VM's taps) as alice ($rounds calls)"
record as_user alice "$bin/mh-bench-client" create-taps c4 4 "$rounds"

say "1. tap setup: CreateTaps of 1 in a row as alice, no DeleteTap between ($taps calls)"
record as_user alice "$bin/mh-bench-client" create-taps c1 1 "$taps"

say "1. the floor of any call: Get of the Version property as alice ($taps calls)"
record as_user alice "$bin/mh-bench-client" version "$taps"

say "1b. the overhead's terms interleaved: polkit, the least helper, the helper, the kernel ($taps rounds)"
coproc PAIRED_LEAST { exec "$bin/mh-bench-least-helper" org.microvm.bench.LeastHelper1 2>&3; }
paired_least_pid=$PAIRED_LEAST_PID
read -r line <&"${PAIRED_LEAST[0]}" && [[ $line == ready ]] || { say "the least helper did not start beside the helper"; exit 1; }
MH_BENCH_WATCH="$MH_BENCH_WATCH least=$paired_least_pid" \
    record "$bin/mh-bench-paired" alice "$taps" org.microvm.bench.LeastHelper1
kill "$paired_least_pid"
wait "$paired_least_pid" || true

say "1./2. polkit CheckAuthorization alone, as the helper asks it (root, subject: alice's connection)"
record "$bin/mh-bench-client" polkit polkit_rules_yes alice org.microvm.helper.manage-taps yes "$polkit_checks"
record "$bin/mh-bench-client" polkit polkit_rules_yes_unix_process alice org.microvm.helper.manage-taps yes "$polkit_checks" unix-process
record "$bin/mh-bench-client" polkit polkit_default_yes alice org.microvm.bench.default-yes yes "$polkit_checks"
record "$bin/mh-bench-client" polkit polkit_default_challenge carol org.microvm.helper.manage-taps challenge "$polkit_checks"

say "1. tap setup: 8 concurrent clients, and iproute2 with 8 in parallel"
per_client=$(( taps / 8 ))
record as_user alice "$bin/mh-bench-client" concurrent cc 8 "$per_client"
record "$bin/mh-bench-baseline" ip-create-parallel ipp "$(( per_client * 8 ))" alice 8
"$bin/mh-bench-baseline" cleanup ipp "$(( per_client * 8 ))"

say "5. scale: 1, 4, 64, 256 taps in one CreateTaps, and the kernel alone ($scale_reps times each)"
record as_user alice "$bin/mh-bench-client" scale sc 1,4,64,256 "$scale_reps"
record "$bin/mh-bench-baseline" kernel-batch ks 1,4,64,256 "$scale_reps" 61001

say "5. the helper's registry write (mh_tap_registry_save) with 1 to 2000 records"
record "$bin/mh-bench-registry" "$sb" 1 32 256 1024 2000

say "5. bob holds 256 leased taps: helper memory, and CreateTap/DeleteTap as alice meanwhile"
coproc HOLDER { as_user bob "$bin/mh-bench-client" hold ls 256 2>&3; }
holder_pid=$HOLDER_PID
while read -r line <&"${HOLDER[0]}"; do [[ $line == ready ]] && break; done
[[ $(count_taps ls) -eq 256 ]] || { say "the holder does not have 256 taps"; exit 1; }
helper_memory leased256
record as_user alice "$bin/mh-bench-client" create-tap cb "$(( taps / 4 ))" _busy
released_from=$EPOCHREALTIME
eval "exec ${HOLDER[1]}>&-" # end of its stdin: it exits, its connection closes
wait "$holder_pid" || true
# The helper removes the leased taps once the holder's connection is gone.
for _ in $(seq 6000); do [[ $(count_taps ls) -eq 0 ]] && break; sleep 0.01; done
[[ $(count_taps ls) -eq 0 ]] || { say "the helper did not release the 256 leased taps"; exit 1; }
echo "value lease_release_256 $(awk -v a="$released_from" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", (b - a) * 1000}') ms" |
    tee -a "$results" | sed 's/^/    /' >&3

say "5. churn: $churn calls (create, list, batch create, delete, failing calls) by 8 clients"
record as_user alice "$bin/mh-bench-client" churn ch "$churn" 8
sleep 1
helper_memory after_churn
say "5. churn again: does the helper's memory keep growing?"
as_user alice "$bin/mh-bench-client" churn ci "$churn" 8 2>&3 >/dev/null
sleep 1
helper_memory after_churn2

say "3./4./6. frontend start and stop against the host module's scripts ($frontend_rounds rounds)"
record "$bin/mh-bench-frontend" "$frontend_rounds"

say "3. virtiofsd readiness (two C virtiofsd as root until both listen) and --help"
record "$bin/mh-bench-baseline" virtiofsd-ready "$sb/virtiofsd-ready" "$ready_rounds"
record "$bin/mh-bench-baseline" virtiofsd-help "$ready_rounds"

say "2. polkit with no .rules file at all (rules removed; polkitd reloads them)"
loaded_before=$(grep -c 'Finished loading, compiling and executing' "$sb/polkitd.log" || true)
rm -f "$sb/polkit/rules.d/"*
for _ in $(seq 100); do
    loaded=$(grep -c 'Finished loading, compiling and executing' "$sb/polkitd.log" || true)
    [[ $loaded -gt $loaded_before ]] && break
    sleep 0.1
done
grep 'Finished loading, compiling and executing' "$sb/polkitd.log" | tail -n 1 | grep -q 'executing 0 rules' ||
    { say "polkitd did not reload its rules"; exit 1; }
record "$bin/mh-bench-client" polkit polkit_norules_default_yes alice org.microvm.bench.default-yes yes "$polkit_checks"

say "done"
