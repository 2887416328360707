#!/bin/bash
# The desktops' own polkit agents show the helper's prompt and their
# answers reach it: GNOME's (policykit-1-gnome) and KDE's
# (polkit-kde-agent-1), each started in dora's seat0 session under Xvfb,
# with a rule that makes dora authenticate as herself.  For each agent, a
# CreateTap call with interactive authorization: right password; wrong
# then right; cancelled with Escape.  Then `microvm-user run` of the demo
# with KDE's agent: one prompt naming the VM's interfaces, cancelled, then
# answered.  The dialogs' text is read through AT-SPI (what a screen
# reader reads), screenshots are kept in the artifacts.
. "$MH_SYSTEM_DIR/lib.sh"
. "$MH_SYSTEM_DIR/desktop.sh"

logs=$MH_SYSTEM_DIR/logs
t0=$(ms_now)
timing() { echo "time: $1 at $(($(ms_now) - t0)) ms"; }
desktop_session_start
timing "session on seat0 and Xvfb ready"
uid=$(desktop_uid)
cat >/etc/polkit-1/rules.d/10-mh-desktop-test.rules <<RULES
// The desktop agent cases: dora authenticates as herself for her taps.
polkit.addRule(function(action, subject) {
    if (action.id == "org.microvm.helper.manage-taps" && subject.user == "$DESKTOP_USER")
        return polkit.Result.AUTH_SELF;
});
RULES
# polkitd rereads its rules on a change; give its inotify a moment.
sleep 0.5

create_tap() { # create_tap NAME OUT: with interactive authorization, in the session
    in_session busctl --system --allow-interactive-authorization=yes call "$MH_BUS_NAME" \
        /org/microvm/Helper1 "$MH_BUS_NAME" CreateTap 'sa{sv}' "$1" 0 >"$2" 2>&1
}

# What the agent shows, as text: GNOME's dialog through AT-SPI (what a
# screen reader reads); KDE's agent does not join the accessibility bus
# here (Qt's bridge stays off under Xvfb), so its own log, which says each
# message it shows and each request it makes of the user.
agent_text() { # agent_text AGENT FILE
    case "$1" in
        gnome) atspi_dump polkit-gnome "$2" ;;
        kde) cp "$DESKTOP_ARTIFACTS/agent-kde.log" "$2" ;;
    esac
}
wait_agent_text() { # wait_agent_text AGENT REGEX SECONDS FILE
    local agent=$1 regex=$2 seconds=$3 file=$4
    agent_says() { agent_text "$agent" "$file" && grep -Eq "$regex" "$file"; }
    wait_until "$seconds" agent_says
}

# prompt_check AGENT NAME WHAT: the dialog is up and says WHAT and asks
# for a password; its screenshot and text are kept as NAME.
prompt_check() {
    local agent=$1 name=$2 what=$3
    wait_agent_text "$agent" "$what" 10 "$DESKTOP_ARTIFACTS/$name.txt" ||
        { cat "$DESKTOP_ARTIFACTS/$name.txt" >&2; die "$agent's dialog does not say '$what'"; }
    grep -Eiq "password" "$DESKTOP_ARTIFACTS/$name.txt" ||
        { cat "$DESKTOP_ARTIFACTS/$name.txt" >&2; die "$agent's dialog has no password field"; }
    shot "$name"
}

agent_round() { # agent_round gnome|kde PREFIX
    local agent=$1 prefix=$2 win call out
    agent_start "$agent"
    timing "$agent agent registered for session $(desktop_session)"

    # 1. the right password
    out=$logs/$agent-right.txt
    create_tap "$prefix-1" "$out" &
    call=$!
    win=$(dialog_wait) || die "$agent: no dialog for CreateTap $prefix-1"
    timing "$agent dialog up"
    prompt_check "$agent" "$agent-1-prompt" "create the network interface $prefix-1 for a virtual machine"
    dialog_type "$win" "$DESKTOP_PASSWORD"
    wait "$call" || { cat "$out" >&2; die "$agent: CreateTap $prefix-1 failed with the right password"; }
    [[ "$(cat "/sys/class/net/$prefix-1/owner")" == "$uid" ]] || die "$agent: $prefix-1 is not dora's"
    ok "$agent: the prompt named $prefix-1; the right password made the tap, dora's ($(cat "$out"))"
    timing "$agent right password done"

    # 2. a wrong password, then the right one, in the same call
    out=$logs/$agent-wrong.txt
    create_tap "$prefix-2" "$out" &
    call=$!
    win=$(dialog_wait) || die "$agent: no dialog for CreateTap $prefix-2"
    prompt_check "$agent" "$agent-2-prompt" "create the network interface $prefix-2"
    dialog_type "$win" "not-$DESKTOP_PASSWORD"
    wait_agent_text "$agent" "[Ff]ailure|[Ff]ailed|unsuccessful|incorrect|[Tt]ry again" 15 \
        "$DESKTOP_ARTIFACTS/$agent-2-failure.txt" ||
        { cat "$DESKTOP_ARTIFACTS/$agent-2-failure.txt" >&2; die "$agent did not say the password was wrong"; }
    shot "$agent-2-failure"
    [[ ! -e "/sys/class/net/$prefix-2" ]] || die "$agent: a wrong password made $prefix-2"
    kill -0 "$call" 2>/dev/null || { cat "$out" >&2; die "$agent: the call ended after one wrong password"; }
    win=$(dialog_wait) || die "$agent: no dialog to try again"
    dialog_type "$win" "$DESKTOP_PASSWORD"
    wait "$call" || { cat "$out" >&2; die "$agent: CreateTap $prefix-2 failed after a wrong then the right password"; }
    [[ "$(cat "/sys/class/net/$prefix-2/owner")" == "$uid" ]] || die "$agent: $prefix-2 is not dora's"
    ok "$agent: a wrong password showed '$(grep -Eo "[^	]*([Ff]ailure|[Ff]ailed|unsuccessful|incorrect|try again)[^	]*" "$DESKTOP_ARTIFACTS/$agent-2-failure.txt" | head -n 1)'; then the right one made $prefix-2"
    timing "$agent wrong then right done"

    # 3. cancelled
    out=$logs/$agent-cancel.txt
    create_tap "$prefix-3" "$out" &
    call=$!
    win=$(dialog_wait) || die "$agent: no dialog for CreateTap $prefix-3"
    dialog_escape "$win"
    wait "$call" && die "$agent: CreateTap $prefix-3 succeeded although the prompt was cancelled"
    grep -Eq "not authorized: .*(was dismissed|did not succeed)" "$out" ||
        { cat "$out" >&2; tail -n 20 "$DESKTOP_ARTIFACTS/agent-$agent.log" >&2; die "$agent: the cancelled call does not say so"; }
    [[ ! -e "/sys/class/net/$prefix-3" ]] || die "$agent: the cancelled call made $prefix-3"
    ok "$agent: Escape; the call failed: $(cat "$out")"
    timing "$agent cancel done"

    ip link delete "$prefix-1"
    ip link delete "$prefix-2"
}

agent_round gnome vm-g
agent_stop
agent_round kde vm-k

# `microvm-user run` of the demo, KDE's agent still there: one prompt for
# the whole VM, naming its interfaces; cancelled, then answered.
run_log=$logs/desktop-run.txt
in_session microvm-user run "$MH_RUNNERS/microvm-qemu-demo" >"$run_log" 2>&1 &
run=$!
win=$(dialog_wait) || die "no dialog for microvm-user run"
prompt_check kde kde-run-prompt "create the network interface vm-demo for a virtual machine"
dialog_escape "$win"
wait "$run" && die "microvm-user run went on although the prompt was cancelled"
grep -q "microvm-user: cannot create the taps: not authorized" "$run_log" ||
    { cat "$run_log" >&2; die "microvm-user run does not say why it stopped"; }
[[ ! -e /sys/class/net/vm-demo ]] || die "the cancelled run left vm-demo"
ok "microvm-user run: one prompt naming vm-demo; cancelled: $(grep -m1 'not authorized' "$run_log")"

in_session microvm-user run "$MH_RUNNERS/microvm-qemu-demo" >"$run_log" 2>&1 &
run=$!
win=$(dialog_wait) || die "no dialog for the second microvm-user run"
dialog_type "$win" "$DESKTOP_PASSWORD"
wait_until 30 test -e /sys/class/net/vm-demo || { cat "$run_log" >&2; die "the answered run made no tap"; }
[[ "$(cat /sys/class/net/vm-demo/owner)" == "$uid" ]] || die "vm-demo is not dora's"
# The boot itself is the app's case; a killed frontend's tap goes with it.
# (microvm-user is the child of the background shell.)
pkill -KILL -P "$run"
wait "$run" 2>/dev/null || true
wait_until 10 test ! -e /sys/class/net/vm-demo || die "vm-demo is left after the run was killed"
ok "microvm-user run: answered, the run made vm-demo (dora's); killed, nothing left"
timing "microvm-user run cases done"

agent_stop
rm /etc/polkit-1/rules.d/10-mh-desktop-test.rules
