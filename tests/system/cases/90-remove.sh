#!/bin/bash
# Step 5, last: `dpkg -r` then `dpkg -P` while the helper runs: nothing of
# the packages is left running or on disk, and the bus forgot the service.
# Cases added later (desktop agents...) go before this one.
. "$MH_SYSTEM_DIR/lib.sh"

ensure_user carol
# A running helper, as on a machine in use.
as_user carol busctl --system call "$MH_BUS_NAME" /org/microvm/Helper1 "$MH_BUS_NAME" ListTaps >/dev/null ||
    die "ListTaps as carol failed before the removal"
[[ -n "$(helper_pid)" ]] || die "no helper runs before the removal"
files=$(dpkg -L microvm-helper microvm-user microvm-desktop | sort -u)

dpkg -r microvm-desktop microvm-user microvm-helper >"$MH_SYSTEM_DIR/logs/dpkg-remove.txt" 2>&1 ||
    { cat "$MH_SYSTEM_DIR/logs/dpkg-remove.txt" >&2; die "dpkg -r failed"; }
helper_gone() { ! pgrep -x microvm-helperd >/dev/null; }
wait_until 10 helper_gone || die "microvm-helperd still runs after dpkg -r"
[[ "$(helper_unit_state)" != active ]] || die "microvm-helperd.service is still active after dpkg -r"
# The bus reloaded its configuration: the name is no longer activatable.
if reply=$(as_user carol busctl --system call "$MH_BUS_NAME" /org/microvm/Helper1 "$MH_BUS_NAME" ListTaps 2>&1); then
    die "the helper still answers after dpkg -r: $reply"
fi
busctl --system list --activatable --no-legend | grep -q "$MH_BUS_NAME" &&
    die "the bus still lists $MH_BUS_NAME as activatable after dpkg -r"
ok "dpkg -r: the helper stopped, the bus no longer knows $MH_BUS_NAME"

dpkg -P microvm-desktop microvm-user microvm-helper >"$MH_SYSTEM_DIR/logs/dpkg-purge.txt" 2>&1 ||
    { cat "$MH_SYSTEM_DIR/logs/dpkg-purge.txt" >&2; die "dpkg -P failed"; }
[[ -z "$(dpkg-query -W -f='${db:Status-Abbrev}' microvm-helper microvm-user microvm-desktop 2>/dev/null | tr -d ' n')" ]] ||
    die "dpkg still records the packages after the purge"
left=""
while IFS= read -r path; do
    [[ -z "$path" || -d "$path" ]] && continue   # shared directories stay
    [[ -e "$path" || -L "$path" ]] && left+=" $path"
done <<<"$files"
[[ -z "$left" ]] || die "left on disk after the purge:$left"
for path in /etc/microvm-helper /usr/share/doc/microvm-helper /usr/share/doc/microvm-user /usr/share/doc/microvm-desktop; do
    [[ ! -e "$path" ]] || die "$path is left after the purge"
done
systemctl list-unit-files --no-legend 'microvm*' | grep -q . && die "systemd still knows units: $(systemctl list-unit-files --no-legend 'microvm*')"
pgrep -a -f 'microvm-(helperd|user)|microvms' && die "processes of the packages are left"
ok "dpkg -P: no file, unit, process or bus name of the packages is left"
