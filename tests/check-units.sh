#!/bin/bash
# Validates the installed systemd units with `systemd-analyze verify`: the
# helper's system unit and an instance of the user template.  systemd is
# not PID 1 on the build machines, so nothing is started; verify parses
# every setting and checks the commands exist.  It reports bad settings
# only as warnings with exit status 0, so any output at all is a failure.
# Usage: check-units.sh BUILD_ROOT
set -euo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The units name the installed paths; point them at the build tree.
sed "s|^ExecStart=[^ ]*/microvm-helperd|ExecStart=$build/helper/microvm-helperd|" \
    "$build/helper/microvm-helperd.service" >"$work/microvm-helperd.service"
sed "s|^ExecStart=[^ ]*/microvm-user |ExecStart=$build/frontend/microvm-user |" \
    "$build/frontend/microvm@.service" >"$work/microvm@.service"
cp "$work/microvm@.service" "$work/microvm@demo.service"

status=0
check() {
    local output
    output=$("$@" 2>&1) || { echo "$output"; status=1; return; }
    if [[ -n "$output" ]]; then
        echo "$output"
        status=1
    fi
}
check systemd-analyze verify --man=no "$work/microvm-helperd.service"
XDG_RUNTIME_DIR=$work check systemd-analyze --user verify --man=no "$work/microvm@demo.service"
grep -q '^Type=dbus$' "$work/microvm-helperd.service" || { echo "helper unit is not Type=dbus"; status=1; }
grep -q '^KillMode=mixed$' "$work/microvm@.service" || { echo "user unit must use KillMode=mixed"; status=1; }
if [[ $status -eq 0 ]]; then echo "units verified"; fi
exit $status
