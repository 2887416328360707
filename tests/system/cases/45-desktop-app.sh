#!/bin/bash
# The desktop app, end to end, in dora's seat0 session under Xvfb (the
# X server and session of 40-desktop-agents): MicroVMs starts and shows the
# demo VM dora installed, follows a VM added and removed meanwhile, Start
# boots it through microvm@demo.service (the guest comes up), Stop stops
# it gracefully.  The window is read and its buttons pressed through
# AT-SPI, as a screen reader would; screenshots go to the artifacts.
. "$MH_SYSTEM_DIR/lib.sh"
. "$MH_SYSTEM_DIR/desktop.sh"

logs=$MH_SYSTEM_DIR/logs
t0=$(ms_now)
timing() { echo "time: $1 at $(($(ms_now) - t0)) ms"; }
desktop_session_start
uid=$(desktop_uid)
# The VM runs as dora's user unit, outside her session: a rule lets her
# have her taps there (as the example rule does for the group microvm).
cat >/etc/polkit-1/rules.d/10-mh-desktop-app.rules <<RULES
polkit.addRule(function(action, subject) {
    if (action.id == "org.microvm.helper.manage-taps" && subject.user == "$DESKTOP_USER")
        return polkit.Result.YES;
});
RULES
sleep 0.5

in_session microvm-user install demo "$MH_RUNNERS/microvm-qemu-demo" >"$logs/app-install.txt" 2>&1 ||
    { cat "$logs/app-install.txt" >&2; die "microvm-user install demo failed"; }
in_session microvms >"$DESKTOP_ARTIFACTS/microvms.log" 2>&1 &
app=$!
app_text=$DESKTOP_ARTIFACTS/app.txt
row_says() { # row_says VM REGEX: the row's subtitle, as AT-SPI reads it
    grep -A1 -P "^label\t$1\t" "$app_text" | grep -Eq "^label	$2"
}
app_shows() { atspi_dump microvms "$app_text" && row_says "$1" "$2"; }
wait_until 30 app_shows demo "stopped · qemu" ||
    { cat "$app_text" "$DESKTOP_ARTIFACTS/microvms.log" >&2; die "MicroVMs does not show demo as stopped"; }
shot app-1-stopped
ok "MicroVMs shows demo: $(grep -A1 -P "^label\tdemo\t" "$app_text" | tail -n 1 | cut -f2)"
timing "app up, demo shown"

# Changes show without polling: a VM recorded and removed meanwhile.
in_session microvm-user install demo-b "$MH_RUNNERS/microvm-qemu-demo" >/dev/null
wait_until 10 app_shows demo-b "stopped" || { cat "$app_text" >&2; die "MicroVMs did not show demo-b once installed"; }
rm -rf "$(getent passwd "$DESKTOP_USER" | cut -d: -f6)/.local/state/microvm/demo-b"
gone() { atspi_dump microvms "$app_text" && ! grep -qP "^label\tdemo-b\t" "$app_text"; }
wait_until 10 gone || { cat "$app_text" >&2; die "MicroVMs still shows demo-b after its removal"; }
ok "a VM installed, then removed, while the app runs: shown, then gone"

# Start: the user unit boots the guest.
atspi_press microvms "Start demo" >/dev/null || { cat "$app_text" >&2; die "no 'Start demo' button"; }
console() { journalctl --no-pager -q -o cat _UID="$uid" _SYSTEMD_USER_UNIT=microvm@demo.service; }
wait_until 60 app_shows demo "running · qemu · vm-demo" ||
    { cat "$app_text" "$DESKTOP_ARTIFACTS/microvms.log" >&2; console >&2; die "MicroVMs does not show demo running"; }
[[ "$(as_user "$DESKTOP_USER" systemctl --user is-active microvm@demo.service)" == active ]] ||
    die "Start did not start microvm@demo.service"
[[ "$(cat /sys/class/net/vm-demo/owner)" == "$uid" ]] || die "vm-demo is not dora's"
guest_up() { console | grep -q "demo-guest: ready"; }
wait_until 180 guest_up || { console >&2; die "the guest did not come up after Start"; }
timing "Start: guest up"
atspi_dump microvms "$app_text"
shot app-2-running
ok "Start: microvm@demo.service active, vm-demo dora's, the guest is up; the row says '$(grep -A1 -P "^label\tdemo\t" "$app_text" | tail -n 1 | cut -f2)'"

# Stop: graceful, nothing left.
atspi_press microvms "Stop demo" >/dev/null || { cat "$app_text" >&2; die "no 'Stop demo' button"; }
wait_until 90 app_shows demo "stopped · qemu" ||
    { cat "$app_text" >&2; die "MicroVMs does not show demo stopped after Stop"; }
timing "Stop: stopped"
shot app-3-stopped-again
unit_ended() { [[ "$(as_user "$DESKTOP_USER" systemctl --user is-active microvm@demo.service)" == inactive ]]; }
wait_until 30 unit_ended || die "microvm@demo.service is still $(as_user "$DESKTOP_USER" systemctl --user is-active microvm@demo.service)"
[[ "$(as_user "$DESKTOP_USER" systemctl --user show -P Result microvm@demo.service)" == success ]] ||
    die "microvm@demo.service ended with $(as_user "$DESKTOP_USER" systemctl --user show -P Result microvm@demo.service)"
console | grep -q "demo-guest: power button pressed" || die "the guest did not see the power button"
wait_until 5 test ! -e /sys/class/net/vm-demo || die "vm-demo is left after Stop"
ok "Stop: the guest saw the power button, the unit ended with success, no tap left"

pkill -TERM -P "$app" || true
wait "$app" 2>/dev/null || true
rm /etc/polkit-1/rules.d/10-mh-desktop-app.rules
