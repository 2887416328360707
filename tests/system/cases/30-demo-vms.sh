#!/bin/bash
# Steps 3 and 4, both VMs booting at the same time (two TCG guests on two
# cores: about the wall time of one):
#  - alice, in an active local session (a PAM `login` session on seat0),
#    runs the demo with `microvm-user run` under the shipped polkit
#    defaults, no rule at all: tap owned by her, the guest pings the host
#    side, `microvm-user stop`, nothing left;
#  - bob, lingering (a user manager outside any session), in the group
#    microvm with the example rule: `microvm-user install/start/status/
#    logs/stop` of demo2 through the real microvm@.service: the guest
#    boots, status is right, the stop is graceful, nothing left.
# Both guests use the same addresses, so only alice's tap gets the host
# side's address (bob's guest reports an unanswered ping; not checked).
. "$MH_SYSTEM_DIR/lib.sh"

logs=$MH_SYSTEM_DIR/logs
alice_log=$logs/alice-run.log
ensure_user alice
ensure_user bob microvm
alice_uid=$(id -u alice)
bob_uid=$(id -u bob)
[[ -z "$(ls /etc/polkit-1/rules.d/ 2>/dev/null | grep -i microvm)" ]] || die "a microvm polkit rule is installed already"

# --- bob: lingering user manager, then the example rule for his background VM
loginctl enable-linger bob
wait_until 30 test -S "/run/user/$bob_uid/bus" || die "bob's user manager did not start (enable-linger)"
wait_until 30 as_user bob systemctl --user is-system-running --quiet ||
    die "bob's user manager is '$(as_user bob systemctl --user is-system-running)'"
[[ -z "$(loginctl list-sessions --no-legend | awk -v u=bob '$3 == u')" ]] || die "bob has a session; he must not"

# Without a rule, a background VM is refused, and the error says what to do.
as_user bob microvm-user install demo2 "$MH_RUNNERS/microvm-qemu-demo2" >"$logs/bob-install.log" 2>&1 ||
    { cat "$logs/bob-install.log" >&2; die "microvm-user install demo2 failed"; }
grep -q "Installed demo2" "$logs/bob-install.log" || die "install said: $(cat "$logs/bob-install.log")"
if as_user bob microvm-user start demo2 >"$logs/bob-start-norule.log" 2>&1; then
    cat "$logs/bob-start-norule.log" >&2
    die "microvm-user start demo2 succeeded without a polkit rule (outside a session)"
fi
grep -q "rules.d" "$logs/bob-start-norule.log" && grep -q "linger\|outside.*session\|session" "$logs/bob-start-norule.log" ||
    { cat "$logs/bob-start-norule.log" >&2; die "the refusal does not say that a background VM needs a polkit rule"; }
[[ ! -e /sys/class/net/vm-demo2 ]] || die "the refused start left the tap vm-demo2"
ok "without a rule, bob's background start is refused and says what to do: $(grep -m1 rules.d "$logs/bob-start-norule.log")"
as_user bob systemctl --user reset-failed 'microvm@*' 2>/dev/null || true

cp /usr/share/doc/microvm-helper/examples/50-microvm-helper.rules.example \
    /etc/polkit-1/rules.d/50-microvm-helper.rules
# polkitd rereads its rules on a change; give its inotify a moment.
sleep 0.5

# --- start both
: >"$alice_log"
systemd-run --quiet --unit=mh-alice-demo --uid=alice -p PAMName=login -E XDG_SEAT=seat0 \
    -p StandardOutput="file:$alice_log" -p StandardError="file:$alice_log" \
    -p RemainAfterExit=yes \
    microvm-user run "$MH_RUNNERS/microvm-qemu-demo" || die "systemd-run of alice's session failed"
as_user bob microvm-user start demo2 >"$logs/bob-start.log" 2>&1 ||
    { cat "$logs/bob-start.log" >&2; die "microvm-user start demo2 failed with the rule in place"; }
grep -q "Started demo2 as microvm@demo2.service" "$logs/bob-start.log" ||
    die "start said: $(cat "$logs/bob-start.log")"

# alice's session is an active one on seat0 (what allow_active needs).
session=""
wait_until 10 user_has_session alice || die "alice has no login session"
session=$(user_session alice)
[[ "$(loginctl show-session "$session" -P Seat)" == seat0 ]] ||
    { cat "$alice_log" >&2; die "alice's session is not on seat0"; }
[[ "$(loginctl show-session "$session" -P Active)" == yes ]] ||
    { cat "$alice_log" >&2; die "alice's session is not active"; }
ok "alice runs the demo in session $session, active on seat0; bob's demo2 runs as microvm@demo2.service"

wait_until 60 test -e /sys/class/net/vm-demo || { cat "$alice_log" >&2; die "no tap vm-demo for alice"; }
ip addr add 169.254.100.1/16 dev vm-demo
[[ "$(cat /sys/class/net/vm-demo/owner)" == "$alice_uid" ]] || die "vm-demo is not owned by alice"
wait_until 60 test -e /sys/class/net/vm-demo2 || die "no tap vm-demo2 for bob"
[[ "$(cat /sys/class/net/vm-demo2/owner)" == "$bob_uid" ]] || die "vm-demo2 is not owned by bob"
ok "the taps vm-demo (uid $alice_uid, alice) and vm-demo2 (uid $bob_uid, bob) exist"

bob_console() { journalctl --no-pager -q -o cat _UID="$bob_uid" _SYSTEMD_USER_UNIT=microvm@demo2.service; }
alice_ready() { grep -q "demo-guest: ready" "$alice_log" || ! systemctl is-active --quiet mh-alice-demo || [[ "$(systemctl show -P SubState mh-alice-demo)" == exited ]]; }
bob_ready() { bob_console | grep -q "demo-guest: ready" || [[ "$(as_user bob systemctl --user is-active microvm@demo2.service)" != active ]]; }
wait_until 180 alice_ready || true
wait_until 180 bob_ready || true
grep -q "demo-guest: ready" "$alice_log" || { cat "$alice_log" >&2; die "alice's guest did not come up"; }
grep -q "demo-guest: ping OK" "$alice_log" || { cat "$alice_log" >&2; die "alice's guest did not get an answer from the host side of its tap"; }
bob_console | grep -q "demo-guest: ready" || { bob_console >&2; die "bob's guest did not come up under microvm@demo2.service"; }
ok "both guests are up; alice's pinged the host side of vm-demo"

# --- bob: status and logs while it runs
as_user bob microvm-user status demo2 >"$logs/bob-status.log" 2>&1 ||
    { cat "$logs/bob-status.log" >&2; die "microvm-user status demo2 exited non-zero while it runs"; }
for want in "state: *running" "current: *$MH_RUNNERS/microvm-qemu-demo2" "taps: *vm-demo2" \
    "unit: *microvm@demo2.service (active)"; do
    grep -q "^$want" "$logs/bob-status.log" || { cat "$logs/bob-status.log" >&2; die "status does not say '$want'"; }
done
as_user bob microvm-user logs demo2 >"$logs/bob-logs.log" 2>&1 ||
    { cat "$logs/bob-logs.log" >&2; die "microvm-user logs demo2 failed"; }
grep -q "demo-guest: ready" "$logs/bob-logs.log" || { cat "$logs/bob-logs.log" >&2; die "microvm-user logs demo2 does not show the console"; }
ok "bob: status says running with its runner, tap and active unit; logs show the guest's console"

# --- stop both, gracefully
as_user alice microvm-user stop demo >"$logs/alice-stop.log" 2>&1 ||
    { cat "$logs/alice-stop.log" >&2; die "alice's microvm-user stop demo failed"; }
as_user bob microvm-user stop demo2 >"$logs/bob-stop.log" 2>&1 ||
    { cat "$logs/bob-stop.log" >&2; die "bob's microvm-user stop demo2 failed"; }
alice_run_ended() { [[ "$(systemctl show -P SubState mh-alice-demo)" == exited ]]; }
wait_until 60 alice_run_ended ||
    { cat "$alice_log" >&2; die "alice's microvm-user run did not end after stop"; }
[[ "$(systemctl show -P ExecMainStatus mh-alice-demo)" == 0 ]] ||
    { cat "$alice_log" >&2; die "alice's microvm-user run exited $(systemctl show -P ExecMainStatus mh-alice-demo)"; }
grep -q "demo-guest: power button pressed" "$alice_log" || die "alice's guest did not see the power button"
bob_unit_ended() { [[ "$(as_user bob systemctl --user is-active microvm@demo2.service)" == inactive ]]; }
wait_until 60 bob_unit_ended ||
    die "microvm@demo2.service is '$(as_user bob systemctl --user is-active microvm@demo2.service)' after stop"
bob_console | grep -q "demo-guest: power button pressed" || die "bob's guest did not see the power button"
[[ "$(as_user bob systemctl --user show -P Result microvm@demo2.service)" == success ]] ||
    die "microvm@demo2.service ended with $(as_user bob systemctl --user show -P Result microvm@demo2.service)"
ok "both stopped gracefully (ACPI power button); alice's run exited 0, microvm@demo2.service ended with success"

# --- nothing left
wait_until 5 test ! -e /sys/class/net/vm-demo -a ! -e /sys/class/net/vm-demo2 || die "a tap is left: $(ls /sys/class/net)"
left=$(pgrep -a -u alice,bob | grep -E 'qemu|virtiofsd|microvm-user' || true)
[[ -z "$left" ]] || die "processes left: $left"
! grep -q "name=" /run/microvm-helper/taps.registry 2>/dev/null || die "the helper's registry still lists: $(cat /run/microvm-helper/taps.registry)"
as_user bob microvm-user status demo2 >"$logs/bob-status-after.log" 2>&1 && die "status says demo2 still runs"
grep -q "^state: *stopped" "$logs/bob-status-after.log" || die "status after stop: $(cat "$logs/bob-status-after.log")"
ok "no tap, no qemu or virtiofsd, an empty registry; status says stopped"

systemctl stop mh-alice-demo
rm /etc/polkit-1/rules.d/50-microvm-helper.rules
loginctl disable-linger bob
