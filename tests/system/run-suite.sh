#!/bin/bash
# The `system` suite: the installed packages under the real systemd 252,
# logind and a user manager.  Boots THIS machine's own OS as a container
# (lower layer `/`, upper layer a fresh tmpfs, private network) once, and
# runs every case in tests/system/cases/ inside it, in the order of their
# names, stopping at the first failure:
#
#   tests/system/run-suite.sh --runners DIR [--only REGEX] [--artifacts DIR] DEB...
#
# --only runs 10-install and the cases whose names match (while writing one).
# --artifacts DIR (created if missing) is bound read-write at
# /srv/mh-artifacts: what cases keep for people to look at (the desktop
# cases' screenshots and dialog texts, in DIR/desktop).
# DIR holds the demo runners (examples/demo/build-runner.sh --name demo and
# --name demo2); it is bound read-only at the same path in the container.  The .debs are
# copied into the container, where the first case installs them.
#
# A case is an executable bash script cases/NN-what.sh, run as root inside
# the container (`nsenter -t PID1 -a`) with MH_SYSTEM_DIR set (the suite's
# copy: lib.sh, the .debs in debs/).  It sources "$MH_SYSTEM_DIR/lib.sh"
# and exits non-zero on failure.  Cases share the booted container, so a
# later case sees what an earlier one left (the installed packages).
#
# This is the only way the project boots systemd: never in a namespace
# that shares this machine's /, /tmp or /var (systemd-tmpfiles there wipes
# the machine's /tmp).  The overlay and the container exist only in a
# private mount namespace made here; the trap powers the container off and
# unmounts everything whatever happens.  Needs root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -P)

die() { echo "system: $*" >&2; exit 1; }
say() { echo "system: $*"; }

[[ $(id -u) -eq 0 ]] || die "run as root: it mounts an overlay and boots a container"
command -v systemd-nspawn >/dev/null || die "systemd-nspawn is missing (apt-get install systemd-container)"

# Re-run in a private mount namespace: the overlay is visible nowhere else
# and disappears with the namespace even if this script is killed.
if [[ -z "${MH_SYSTEM_CALLER_NS:-}" ]]; then
    MH_SYSTEM_CALLER_NS=$(readlink /proc/self/ns/mnt)
    export MH_SYSTEM_CALLER_NS
    exec unshare --mount --propagation private -- "$0" "$@"
fi
[[ "$(readlink /proc/self/ns/mnt)" != "$MH_SYSTEM_CALLER_NS" ]] ||
    die "refusing to run: not in a mount namespace of its own"

runners=""
only=""
artifacts=""
debs=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --runners) runners=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        --artifacts) artifacts=$2; shift 2 ;;
        -*) die "unknown option $1" ;;
        *) debs+=("$(realpath "$1")"); shift ;;
    esac
done
[[ -n "$runners" && -d "$runners" ]] || die "usage: run-suite.sh --runners DIR [--artifacts DIR] DEB..."
if [[ -z "$artifacts" ]]; then
    artifacts=$(mktemp -d /tmp/mh-system-artifacts.XXXXXX)
    say "no --artifacts: the cases' artifacts go to $artifacts"
fi
mkdir -p "$artifacts"
artifacts=$(realpath "$artifacts")
[[ ${#debs[@]} -gt 0 ]] || die "give the .deb files to install"
runners=$(realpath "$runners")
for deb in "${debs[@]}"; do [[ -f "$deb" ]] || die "$deb does not exist"; done

started=$(date +%s%N)
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# --- the overlay: lower /, upper and work on a fresh tmpfs
base=$(mktemp -d /run/mh-system.XXXXXX)
mount -t tmpfs -o mode=0755,size=2G mh-system "$base"
mkdir "$base/upper" "$base/work" "$base/root"
mount -t overlay mh-system-root -o "lowerdir=/,upperdir=$base/upper,workdir=$base/work" "$base/root"
root=$base/root
# The suite refuses anything but this recipe (lib.sh checks the marker).
[[ "$(findmnt -n -o FSTYPE --mountpoint "$root")" == overlay ]] || die "the container's root is not the overlay"
[[ "$(findmnt -n -o FSTYPE --mountpoint "$base")" == tmpfs ]] || die "the overlay's upper layer is not a tmpfs"

suite=$root/var/lib/mh-system
rm -rf "$suite"
mkdir -p "$suite/debs" "$suite/cases" "$suite/logs"
cp "${debs[@]}" "$suite/debs/"
cp "$here/lib.sh" "$here/desktop.sh" "$here/atspi.py" "$suite/"
cp "$here"/cases/*.sh "$suite/cases/"
echo "overlay of / on tmpfs, booted by tests/system/run-suite.sh" >"$suite/container-marker"
# The runners keep their path: like Nix store paths, they name their own
# files by absolute path (bin/virtiofsd-run's supervisord.conf).
echo "$runners" >"$suite/runners-dir"
# A container boots quicker without the machine's own leftovers.
rm -f "$root/etc/machine-id"
touch "$root/etc/machine-id"

# The build machine is a container image with Docker's policy-rc.d, which
# forbids every maintainer script to start, stop or reload a service; a
# Debian system has none, and the packages' scripts are under test here.
rm -f "$root/usr/sbin/policy-rc.d"
# What the machine enables but the suite does not need: a database
# server that doubles the boot time, and timers that would run apt, man-db
# or fstrim in the middle of a case.
for unit in postgresql.service postgresql@.service apt-daily.timer apt-daily-upgrade.timer \
    dpkg-db-backup.timer e2scrub_all.timer fstrim.timer man-db.timer; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
done

nspawn_pid=""
pid1=""
cleanup() {
    local status=$?
    set +e
    if [[ -n "$pid1" ]] && kill -0 "$pid1" 2>/dev/null; then
        nsenter -t "$pid1" -a systemctl poweroff >/dev/null 2>&1
    fi
    if [[ -n "$nspawn_pid" ]]; then
        for _ in $(seq 100); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$nspawn_pid" 2>/dev/null; then
            # SIGKILL to the container's PID 1 ends every process of its
            # PID namespace; nspawn then exits by itself.
            echo "system: the container did not power off in 10 s; killing it" >&2
            [[ -n "$pid1" ]] && kill -KILL "$pid1" 2>/dev/null
            for _ in $(seq 50); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$nspawn_pid" 2>/dev/null
        fi
        wait "$nspawn_pid" 2>/dev/null
    fi
    umount -R "$root" 2>/dev/null || umount -l "$root"
    umount "$base" 2>/dev/null || umount -l "$base"
    rmdir "$base"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- boot
console=$base/console.log
systemd-nspawn -D "$root" -b --private-network --register=no --keep-unit --console=passive \
    --bind-ro="$runners" --bind="$artifacts:/srv/mh-artifacts" \
    -M mh-system >"$console" 2>&1 &
nspawn_pid=$!

# The container's init: the descendant of nspawn that is PID 1 of its own
# PID namespace.
find_pid1() {
    local p
    for p in $(pgrep -P "$nspawn_pid") $(pgrep -P "$(pgrep -P "$nspawn_pid" | tr '\n' ',' | sed 's/,$//')" 2>/dev/null); do
        if [[ "$(awk '/^NSpid:/ { print $NF }' "/proc/$p/status" 2>/dev/null)" == 1 ]]; then
            echo "$p"
            return 0
        fi
    done
    return 1
}
for _ in $(seq 300); do
    pid1=$(find_pid1) && break
    kill -0 "$nspawn_pid" 2>/dev/null || { cat "$console" >&2; die "systemd-nspawn exited"; }
    sleep 0.02
done
[[ -n "$pid1" ]] || { cat "$console" >&2; die "the container's init did not start"; }
in_container() { nsenter -t "$pid1" -a "$@"; }
# `--wait` needs the manager's bus, which appears a little after PID 1.
state=""
for _ in $(seq 600); do
    state=$(timeout 60 nsenter -t "$pid1" -a systemctl is-system-running --wait 2>&1) || true
    [[ "$state" == *"Failed to connect to bus"* ]] || break
    sleep 0.05
done
if [[ "$state" != running ]]; then
    in_container systemctl --failed --no-legend >&2 || true
    die "the container reached '$state', not 'running'"
fi
say "booted the machine's OS in a container (systemd $(in_container systemctl --version | awk 'NR==1 { print $2 }'), init pid $pid1) in $(ms_since "$started") ms"

# --- the cases
status=0
for case_path in "$suite"/cases/*.sh; do
    name=$(basename "$case_path" .sh)
    # --only REGEX (while writing a case): the install, and the cases it matches.
    if [[ -n "$only" && "$name" != 10-install && ! "$name" =~ $only ]]; then continue; fi
    case_started=$(date +%s%N)
    cursor=$(in_container journalctl -q -n 0 --show-cursor | sed -n 's/^-- cursor: //p')
    if in_container env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
        MH_SYSTEM_DIR=/var/lib/mh-system bash "/var/lib/mh-system/cases/$name.sh" \
        >"$suite/logs/$name.log" 2>&1; then
        sed 's/^/    | /' "$suite/logs/$name.log"
        say "ok   $name ($(ms_since "$case_started") ms)"
    else
        sed 's/^/    | /' "$suite/logs/$name.log"
        say "FAIL $name ($(ms_since "$case_started") ms); the container's journal during it:"
        in_container journalctl --no-pager -q -n 80 -o short-monotonic --after-cursor="$cursor" |
            sed 's/^/    j /'
        status=1
        break
    fi
done

[[ $status -eq 0 ]] || die "FAILED after $(ms_since "$started") ms"
say "PASSED: every case under the real systemd in $(ms_since "$started") ms"
