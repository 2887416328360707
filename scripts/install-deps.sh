#!/bin/bash
# Installs, with apt-get, every Debian package microvm-helper needs to
# build, test and run its demo, and to build and check its Debian
# packages.  Idempotent; needs root.
#   scripts/install-deps.sh [build|test|demo|package|fuzz|all]   (default: all)
# "fuzz" is the build packages plus clang and libFuzzer for scripts/fuzz.sh;
# "all" includes it (the test command ends with a short fuzz run).
set -euo pipefail

build_packages=(
    meson ninja-build pkg-config gcc libc6-dev git
    libglib2.0-dev libglib2.0-bin
    libpolkit-gobject-1-dev libpolkit-agent-1-dev
    libnl-3-dev libnl-route-3-dev libpci-dev libcap-ng-dev
    libjson-glib-dev
    xsltproc docbook-xsl docbook-xml bash-completion
    libgtk-4-dev libadwaita-1-dev
)
# What the sandboxed tests start for real: the bus (and dbus-monitor, which
# sees every call a stop makes), polkitd, iproute2 for
# veths and foreign taps, util-linux for unshare/setpriv; libfuse3 for the
# fake PCI world (test-only), pci.ids for the device names polkit is told;
# zsh and fish run the generated shell completions; nix-bin
# (nix-instantiate) parses and evaluates the Nix files (flake, package,
# NixOS module) as far as that works without nixpkgs.
# binutils' nm for the import-circle check (tests/check-imports.py).
# appstream (appstreamcli) and desktop-file-utils validate the desktop
# app's metainfo and .desktop file.
test_packages=(
    dbus-daemon dbus-bin polkitd iproute2 util-linux procps clang-format binutils
    qemu-system-x86 systemd python3
    libfuse3-dev fuse3 pci.ids
    zsh fish nix-bin
    appstream desktop-file-utils
)
# The demo microVM (examples/demo): qemu runs it (qemu-system-x86 brings
# qemu-system-common with the C virtiofsd and qemu-system-data with the
# microvm machine's firmware); build-runner.sh unpacks Debian packages it
# fetches with apt-get download (the kernel and busybox-static are NOT
# installed) and needs modinfo (kmod) and cpio for the initramfs; socat is
# what bin/microvm-shutdown speaks QMP with; busctl (systemd) asks the
# helper for taps in the prototype.
demo_packages=(
    qemu-system-x86 socat cpio kmod systemd
)
# libFuzzer comes with clang's runtime libraries; llvm brings
# llvm-symbolizer for readable sanitizer stacks.
fuzz_packages=(
    clang libclang-rt-14-dev llvm
)
# Building and checking the Debian packages (scripts/package-test.sh):
# dpkg-buildpackage (dpkg-dev), dh (debhelper), lintian; man-db renders the
# installed manual pages; dbus (the system bus the packages depend on) and
# the test packages' polkitd let the built packages install in the
# throw-away root.  No devscripts: nothing here uses debuild.
# systemd-container (systemd-nspawn) boots the machine's own OS with the
# packages installed for the system suite (tests/system), with the demo
# packages (qemu, socat, cpio, kmod) for the demo VMs it runs there;
# libpam-systemd makes a PAM login session a logind session on seat0.
# The system suite's desktop cases (tests/system/desktop.sh): an X server
# (xvfb), the desktops' real polkit agents (policykit-1-gnome,
# polkit-kde-agent-1), xdotool to answer their dialogs, imagemagick's
# `import` for the screenshots, AT-SPI (at-spi2-core, python3-pyatspi) to
# read the dialogs' and the app's text and press its buttons.
package_packages=(
    build-essential dpkg-dev debhelper lintian man-db dbus
    systemd-container libpam-systemd "${demo_packages[@]}"
    xvfb xdotool imagemagick policykit-1-gnome polkit-kde-agent-1 at-spi2-core python3-pyatspi
)

want=${1:-all}
packages=("${build_packages[@]}")
case "$want" in
    build) ;;
    test) packages+=("${test_packages[@]}") ;;
    demo) packages+=("${test_packages[@]}" "${demo_packages[@]}") ;;
    package) packages+=("${test_packages[@]}" "${package_packages[@]}") ;;
    fuzz) packages+=("${fuzz_packages[@]}") ;;
    all) packages+=("${test_packages[@]}" "${demo_packages[@]}" "${package_packages[@]}" "${fuzz_packages[@]}") ;;
    *) echo "usage: $0 [build|test|demo|package|fuzz|all]" >&2; exit 2 ;;
esac

if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: run as root (it uses apt-get)" >&2
    exit 1
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -q
# Other jobs on the machine may hold dpkg's lock (scripts/package-test.sh
# does for a few seconds): wait for it rather than fail.
apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
