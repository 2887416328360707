# Sourced by every case of the system suite (tests/system/cases/*.sh).
# Refuses to run anywhere but in the container tests/system/run-suite.sh
# booted: the cases install packages, add users and start services.
set -euo pipefail

mh_case_started=$(date +%s%N)
# Each line says when, in seconds since the case began.
stamp() { printf '%6.1f' "$((($(date +%s%N) - mh_case_started) / 1000000))e-3"; }
die() { echo "$(stamp) FAILED: $*" >&2; exit 1; }
ok() { echo "$(stamp) ok: $*"; }

[[ -n "${MH_SYSTEM_DIR:-}" && -f "$MH_SYSTEM_DIR/container-marker" ]] ||
    die "run the system suite with tests/system/run-suite.sh (it boots the container)"
[[ "$(systemd-detect-virt --container 2>/dev/null || true)" == systemd-nspawn ]] ||
    die "not inside the suite's systemd-nspawn container: refusing to run"
[[ "$(readlink /proc/1/exe)" == */systemd ]] || die "PID 1 is not systemd: refusing to run"

readonly MH_BUS_NAME=org.microvm.Helper1
readonly MH_HELPER=/usr/libexec/microvm-helperd
# The demo runners, read-only, at the path they were built at.
MH_RUNNERS=$(cat "$MH_SYSTEM_DIR/runners-dir")
readonly MH_RUNNERS

# wait_until SECONDS COMMAND...: polls every 50 ms; 1 on timeout.
wait_until() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.05
    done
}

# The id of USER's first logind session, empty when there is none yet.
user_session() { # user_session USER
    loginctl list-sessions --no-legend | awk -v u="$1" '$3 == u { print $1 }' | head -n 1
}
# Whether USER has a logind session now; asked anew on every try of
# wait_until (a "$(...)" in its arguments would be asked only once).
user_has_session() { [[ -n "$(user_session "$1")" ]]; }

# A test user (created once, home in the container's overlay).
ensure_user() { # ensure_user NAME [GROUP...]
    local name=$1
    shift
    id "$name" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$name"
    local group
    for group in "$@"; do usermod -aG "$group" "$name"; done
}

# as_user NAME COMMAND...: as the user, outside any session, with the
# environment a user manager or ssh would give (runtime dir, session bus).
as_user() {
    local name=$1 uid
    shift
    uid=$(id -u "$name")
    setpriv --reuid="$uid" --regid="$(id -g "$name")" --init-groups \
        env -i PATH=/usr/bin:/bin HOME="$(getent passwd "$name" | cut -d: -f6)" USER="$name" \
        LANG=C.UTF-8 XDG_RUNTIME_DIR="/run/user/$uid" \
        DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/$uid/bus" "$@"
}

# The pid of the helper that owns the bus name, or nothing.
helper_pid() {
    busctl --system status "$MH_BUS_NAME" 2>/dev/null | sed -n 's/^PID=\([0-9]*\)$/\1/p'
}

helper_unit_state() { systemctl show -P ActiveState microvm-helperd.service; }

# The helper's journal lines since the cursor file $1 was written (or all).
journal_mark() { journalctl -q -n 0 --show-cursor | sed -n 's/^-- cursor: //p' >"$1"; }
journal_since() { # journal_since CURSOR_FILE [journalctl args...]
    local cursor=$1
    shift
    journalctl --no-pager -q -o cat --after-cursor="$(cat "$cursor")" "$@"
}
