# Sourced by the desktop cases of the system suite (after lib.sh): one X
# server (Xvfb) and one PAM `login` session on seat0 for the user dora,
# shared by every desktop case; commands run inside that session, the
# real polkit agents of GNOME and KDE, their dialogs answered with
# xdotool, screenshots kept under the suite's artifacts.
readonly DESKTOP_USER=dora
readonly DESKTOP_PASSWORD=dora-secret-1
readonly DESKTOP_DISPLAY=:7
readonly DESKTOP_ARTIFACTS=/srv/mh-artifacts/desktop
readonly GNOME_AGENT=/usr/lib/policykit-1-gnome/polkit-gnome-authentication-agent-1
readonly KDE_AGENT=/usr/lib/x86_64-linux-gnu/libexec/polkit-kde-authentication-agent-1
readonly DESKTOP_STATE=$MH_SYSTEM_DIR/desktop-session

ms_now() { echo $(($(date +%s%N) / 1000000)); }

desktop_uid() { id -u "$DESKTOP_USER"; }

# The session's id and cgroup (written by desktop_session_start).
desktop_session() { sed -n 1p "$DESKTOP_STATE"; }
# Its cgroups: the unified one, and name=systemd's when the cgroups are
# mounted "hybrid" (as on the build machines; systemd, logind and so
# polkit go by that one then).
desktop_cgroups() { sed -n '2,3p' "$DESKTOP_STATE" | grep .; }

# Starts Xvfb and dora's seat0 session once; later calls reuse them.
desktop_session_start() {
    if [[ -f "$DESKTOP_STATE" ]] && loginctl show-session "$(desktop_session)" >/dev/null 2>&1; then
        return 0
    fi
    mkdir -p "$DESKTOP_ARTIFACTS"
    ensure_user "$DESKTOP_USER"
    echo "$DESKTOP_USER:$DESKTOP_PASSWORD" | chpasswd
    # Lingering, as a desktop user who starts VMs at boot would have it.
    loginctl enable-linger "$DESKTOP_USER"
    # -ac: the test (root) and dora's programs share the display.
    systemd-run --quiet --unit=mh-desktop-xvfb Xvfb "$DESKTOP_DISPLAY" -screen 0 1024x768x24 \
        -nolisten tcp -ac
    wait_until 10 xdpyinfo_ok || die "Xvfb did not start on $DESKTOP_DISPLAY"
    # A graphical (x11) session, so logind counts it as dora's display.
    systemd-run --quiet --unit=mh-desktop-session --uid="$DESKTOP_USER" -p PAMName=login \
        -E XDG_SEAT=seat0 -E XDG_SESSION_TYPE=x11 -E XDG_SESSION_CLASS=user \
        -E DISPLAY="$DESKTOP_DISPLAY" sleep infinity
    local session=""
    wait_until 10 user_has_session "$DESKTOP_USER" || die "dora has no login session"
    session=$(user_session "$DESKTOP_USER")
    [[ "$(loginctl show-session "$session" -P Seat)" == seat0 ]] || die "dora's session is not on seat0"
    [[ "$(loginctl show-session "$session" -P Active)" == yes ]] || die "dora's session is not active"
    wait_until 30 test -S "/run/user/$(desktop_uid)/bus" || die "dora's session bus did not appear"
    # The session's cgroup, as its leader sees it (logind moved it there).
    local leader named unified
    leader=$(loginctl show-session "$session" -P Leader)
    named=/sys/fs/cgroup/systemd$(sed -n 's/^[0-9]*:name=systemd://p' "/proc/$leader/cgroup")
    unified=/sys/fs/cgroup/unified$(sed -n 's/^0:://p' "/proc/$leader/cgroup")
    [[ -d /sys/fs/cgroup/unified ]] || unified=/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$leader/cgroup")
    [[ "$unified" == *"/session-$session.scope" && -d "$unified" ]] ||
        die "cannot find the cgroup of session $session (its leader $leader: $(cat "/proc/$leader/cgroup"))"
    [[ -d "$named" && "$named" == *"/session-$session.scope" ]] || named=""
    printf '%s\n%s\n%s\n' "$session" "$unified" "$named" >"$DESKTOP_STATE"
}

xdpyinfo_ok() { DISPLAY=$DESKTOP_DISPLAY xdotool getdisplaygeometry >/dev/null 2>&1; }

# in_session COMMAND...: as dora, inside her session (its cgroup, so logind
# and polkit count the process as hers on seat0), with the display.
in_session() {
    local uid
    uid=$(desktop_uid)
    local cgroups
    cgroups=$(desktop_cgroups | tr '\n' ' ')
    bash -c 'for c in $1; do echo $$ >"$c/cgroup.procs" || exit 1; done && shift && exec "$@"' \
        in-session "$cgroups" \
        setpriv --reuid="$uid" --regid="$(id -g "$DESKTOP_USER")" --init-groups \
        env -i PATH=/usr/bin:/bin HOME="$(getent passwd "$DESKTOP_USER" | cut -d: -f6)" \
        USER="$DESKTOP_USER" LOGNAME="$DESKTOP_USER" LANG=C.UTF-8 DISPLAY="$DESKTOP_DISPLAY" \
        XDG_RUNTIME_DIR="/run/user/$uid" XDG_SESSION_TYPE=x11 XDG_SEAT=seat0 \
        XDG_SESSION_ID="$(desktop_session)" \
        DBUS_SESSION_BUS_ADDRESS="unix:path=/run/user/$uid/bus" \
        GSK_RENDERER=cairo GTK_A11Y=atspi QT_LINUX_ACCESSIBILITY_ALWAYS_ON=1 QT_ACCESSIBILITY=1 \
        "$@"
}

# How often polkitd logged "WHAT Authentication Agent for" dora's session
# (Registered, Unregistered).  Counted, not read after a cursor: the
# journal of a container keeps dora's processes' lines in a file of their
# own, and a cursor taken there does not order polkitd's.
polkit_agent_lines() {
    journalctl --no-pager -q -o cat -u polkit.service |
        grep -c "^$1 Authentication Agent for unix-session:$(desktop_session) " || true
}

# agent_start gnome|kde: the desktop's own polkit agent in dora's session;
# returns once polkitd logged its registration.
agent_pid=""
agent_start() {
    local which=$1 binary before
    case "$which" in gnome) binary=$GNOME_AGENT ;; kde) binary=$KDE_AGENT ;; esac
    before=$(polkit_agent_lines Registered)
    in_session "$binary" >"$DESKTOP_ARTIFACTS/agent-$which.log" 2>&1 &
    agent_pid=$!
    registered() { (($(polkit_agent_lines Registered) > before)); }
    wait_until 20 registered || { cat "$DESKTOP_ARTIFACTS/agent-$which.log" >&2; die "the $which agent did not register for session $(desktop_session)"; }
}
# Stops the agent (the child of the background shell agent_start made)
# and waits until polkitd unregistered it: a session has one agent.
agent_stop() {
    [[ -n "$agent_pid" ]] || return 0
    local before
    before=$(polkit_agent_lines Unregistered)
    pkill -TERM -P "$agent_pid" || true
    wait "$agent_pid" 2>/dev/null || true
    agent_pid=""
    unregistered() { (($(polkit_agent_lines Unregistered) > before)); }
    wait_until 10 unregistered || die "the agent did not unregister from session $(desktop_session)"
}

# The agent's dialog: its window id once visible.
dialog_wait() {
    DISPLAY=$DESKTOP_DISPLAY timeout 20 xdotool search --sync --onlyvisible --name 'uthenticat' | head -n 1
}
shot() { # shot NAME: the whole screen, as an artifact
    import -display "$DESKTOP_DISPLAY" -window root "$DESKTOP_ARTIFACTS/$1.png"
}
# No window manager on Xvfb: focus the dialog, then type as a keyboard
# would (XTEST), which every toolkit accepts.
dialog_type() { # dialog_type WINDOW TEXT: types and presses Return
    DISPLAY=$DESKTOP_DISPLAY xdotool windowfocus --sync "$1"
    DISPLAY=$DESKTOP_DISPLAY xdotool type --delay 15 "$2"
    DISPLAY=$DESKTOP_DISPLAY xdotool key Return
}
dialog_escape() {
    DISPLAY=$DESKTOP_DISPLAY xdotool windowfocus --sync "$1"
    DISPLAY=$DESKTOP_DISPLAY xdotool key Escape
}

# What AT-SPI reads of APP now, into FILE.
atspi_dump() { # atspi_dump APP FILE
    in_session python3 "$MH_SYSTEM_DIR/atspi.py" dump "$1" >"$2" 2>&1
}
# wait_text APP REGEX SECONDS FILE: until APP's accessible text matches.
wait_text() {
    local app=$1 regex=$2 seconds=$3 file=$4
    text_matches() { atspi_dump "$app" "$file" && grep -Eq "$regex" "$file"; }
    wait_until "$seconds" text_matches
}
atspi_press() { # atspi_press APP NAME
    in_session python3 "$MH_SYSTEM_DIR/atspi.py" press "$1" "$2"
}
