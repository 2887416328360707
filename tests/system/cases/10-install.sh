#!/bin/bash
# Step 1: dpkg -i of the freshly built packages, nothing else configured.
# The man-db trigger is skipped (it rebuilds the whole index: slow, and not
# what is tested here).
. "$MH_SYSTEM_DIR/lib.sh"

echo 'man-db man-db/auto-update boolean false' | debconf-set-selections
rm -f /var/lib/man-db/auto-update
# /dev/net/tun is 0600 on the build machine (and so in the container); a
# distribution's udev rule makes it 0666, which the hypervisor needs.
chmod 0666 /dev/net/tun

pgrep -x microvm-helperd >/dev/null && die "a microvm-helperd runs before the packages are installed"
dpkg -i "$MH_SYSTEM_DIR"/debs/*.deb >"$MH_SYSTEM_DIR/logs/dpkg-install.txt" 2>&1 ||
    { cat "$MH_SYSTEM_DIR/logs/dpkg-install.txt" >&2; die "dpkg -i failed"; }
for p in microvm-helper microvm-user microvm-desktop; do
    [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p")" == "ii " ]] || die "$p is not installed after dpkg -i"
done
getent group microvm >/dev/null || die "installing did not create the group microvm"
[[ "$(helper_unit_state)" == inactive ]] || die "installing started microvm-helperd.service ($(helper_unit_state))"
[[ -z "$(systemctl list-unit-files --state=enabled --no-legend 'microvm*')" ]] || die "installing enabled a unit"
ok "dpkg -i installed the three packages; nothing started or enabled; the group microvm exists"
