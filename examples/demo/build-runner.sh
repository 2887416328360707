#!/bin/bash
# Builds the demo microVM as a runner package laid out exactly like one
# that microvm.nix makes (see RUNNER-LAYOUT.md of the project), from Debian
# packages only: a Debian 12 kernel and busybox-static, fetched with
# `apt-get download` into a cache and unpacked with `dpkg-deb -x`.  Nothing
# is installed on the host and apt's configuration is not touched.
#
#   examples/demo/build-runner.sh OUT_DIR [--multi-queue] [--macvtap LINK] [--name NAME]
#                                 [--cache DIR]
#
# Creates OUT_DIR/microvm-qemu-NAME (NAME defaults to "demo"; the directory
# name is how a frontend derives the VM name, as for a Nix store path
# /nix/store/HASH-microvm-qemu-NAME) and prints that path as the last line
# of its output.  An existing runner of that name is replaced.
#
#   --multi-queue  two vCPUs and a two-queue virtio-net device; the tap must
#                  then be created with multi_queue (share/microvm/tap-flags
#                  says so).
#   --macvtap LINK a macvtap on LINK (mode bridge) instead of a tap:
#                  share/microvm/macvtap-interfaces, and bin/microvm-run
#                  opens its /dev/tapN and hands qemu the descriptor
#                  (-netdev tap,fd=N), as microvm.nix's qemu runner does.
#   --name NAME    VM name: 1-12 characters [a-z0-9-], so that the tap
#                  "vm-NAME" fits in 15 bytes.
#   --cache DIR    where .deb files and their unpacked trees are kept
#                  (default: _cache/debs at the repository root).
#
# Environment: DEMO_KERNEL_PACKAGE overrides the kernel package (default:
# the linux-image-6.1.0-*-amd64 that apt's linux-image-amd64 points to).
#
# Needs: apt-get (with package lists: run `apt-get update` once), dpkg-deb,
# modinfo (kmod), cpio, gzip, sha256sum.  Root is not needed.
set -euo pipefail

script_dir=$(cd "$(dirname "$0")" && pwd -P)
repo_root=$(cd "$script_dir/../.." && pwd -P)

# What the guest and host agree on.  The guest reads these from
# /etc/demo/settings; tests and the prototype use the same addresses.
readonly HOST_ADDR=169.254.100.1/16
readonly GUEST_ADDR=169.254.100.2/16
readonly SHARE_TAG=share
readonly SHARE_FILE=hello-from-guest.txt
# A second share the runner declares read-only (microvm.shares'
# readOnly = true): the guest reads RO_FILE there and fails to write.
readonly RO_TAG=ro
readonly RO_FILE=from-host.txt
readonly MEM_MB=256

# Kernel modules the guest loads, in load order.  The kernel package builds
# virtio, virtio-net and virtiofs as modules (the first ten); "button" turns
# the ACPI power button (QMP system_powerdown) into an input event and
# "evdev" lets busybox acpid read it.  check_module_order verifies the order
# against modinfo, so a new kernel with other dependencies fails the build
# instead of the boot.
readonly MODULES=(virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio virtio_pci
                  failover net_failover virtio_net fuse virtiofs button evdev)

log() { echo "build-runner: $*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
    exit 2
}

parse_args() {
    out_dir=""
    name=demo
    multi_queue=false
    macvtap_link=""
    cache_dir=$repo_root/_cache/debs
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --multi-queue) multi_queue=true; shift ;;
            --macvtap) [[ $# -ge 2 ]] || usage; macvtap_link=$2; shift 2 ;;
            --name) [[ $# -ge 2 ]] || usage; name=$2; shift 2 ;;
            --cache) [[ $# -ge 2 ]] || usage; cache_dir=$2; shift 2 ;;
            -h|--help) usage ;;
            -*) log "unknown option $1"; usage ;;
            *) [[ -z "$out_dir" ]] || usage; out_dir=$1; shift ;;
        esac
    done
    [[ -n "$out_dir" ]] || usage
    # The tap is named after the VM and interface names have at most 15 bytes.
    [[ "$name" =~ ^[a-z0-9][a-z0-9-]{0,11}$ ]] \
        || die "--name '$name': use 1-12 characters a-z, 0-9, '-' (the tap 'vm-NAME' must fit in 15 bytes)"
    mkdir -p "$out_dir" "$cache_dir"
    out_dir=$(cd "$out_dir" && pwd -P)
    cache_dir=$(cd "$cache_dir" && pwd -P)
}

# --- Debian packages -------------------------------------------------------

# Prints "PACKAGE VERSION ARCH DEPENDS" (tab separated) for the candidate
# of each PACKAGE, in one apt-cache call: each call costs about half a
# second, most of a warm build.
apt_candidates() {
    apt-cache show --no-all-versions "$@" 2>/dev/null | awk -F': ' '
        function flush() { if (p != "") print p "\t" v "\t" a "\t" d; p = v = a = d = "" }
        /^Package: / { p = $2 }
        /^Version: / { v = $2 }
        /^Architecture: / { a = $2 }
        /^Depends: / { d = $2 }
        /^$/ { flush() }
        END { flush() }'
}

# Sets kernel_pkg/kernel_version/kernel_arch and busybox_version/busybox_arch
# from apt's candidates.  The kernel is the one apt offers for this release:
# what the linux-image-amd64 meta-package depends on (e.g.
# linux-image-6.1.0-56-amd64 (= 6.1.192-2)), unless DEMO_KERNEL_PACKAGE says
# otherwise.
resolve_packages() {
    local candidates meta_depends line
    local -a query=(linux-image-amd64 busybox-static)
    [[ -z "${DEMO_KERNEL_PACKAGE:-}" ]] || query+=("$DEMO_KERNEL_PACKAGE")
    candidates=$(apt_candidates "${query[@]}")
    line=$(awk -F'\t' '$1 == "busybox-static"' <<<"$candidates")
    IFS=$'\t' read -r _ busybox_version busybox_arch _ <<<"$line"
    if [[ -n "${DEMO_KERNEL_PACKAGE:-}" ]]; then
        line=$(awk -F'\t' -v k="$DEMO_KERNEL_PACKAGE" '$1 == k' <<<"$candidates")
        IFS=$'\t' read -r kernel_pkg kernel_version kernel_arch _ <<<"$line"
        [[ -n "$kernel_pkg" ]] || die "apt has no candidate for DEMO_KERNEL_PACKAGE=$DEMO_KERNEL_PACKAGE"
    else
        meta_depends=$(awk -F'\t' '$1 == "linux-image-amd64" { print $4 }' <<<"$candidates")
        if [[ "$meta_depends" =~ (linux-image-6\.1\.0-[0-9]+-amd64)\ \(=\ ([^\)]+)\) ]]; then
            kernel_pkg=${BASH_REMATCH[1]}
            kernel_version=${BASH_REMATCH[2]}
            kernel_arch=amd64
        else
            die "apt offers no linux-image-6.1.0-*-amd64 through linux-image-amd64 (depends: '${meta_depends}'): run 'apt-get update' (as root) first, or set DEMO_KERNEL_PACKAGE"
        fi
    fi
    [[ -n "$busybox_version" ]] || die "apt has no candidate for busybox-static: run 'apt-get update' (as root) first"
}

# Prints the path of PKG=VERSION's .deb in the cache, downloading it with
# apt-get download if it is not there yet.  apt-get download names the file
# NAME_VERSION_ARCH.deb with ':' in VERSION written as %3a.
fetch_deb() {
    local pkg=$1 version=$2 arch=$3 file
    file=$cache_dir/${pkg}_${version//:/%3a}_${arch}.deb
    if [[ -s "$file" ]]; then
        log "cached: $(basename "$file")"
    else
        log "downloading $pkg $version with apt-get download"
        # Into a scratch directory first, so an interrupted download never
        # looks like a cached package.  As root, apt would try to drop to
        # the _apt user, who cannot write here: keep root for this download.
        local tmp
        tmp=$(mktemp -d "$cache_dir/.download.XXXXXX")
        (cd "$tmp" && apt-get -q -o APT::Sandbox::User="$(id -un)" download "$pkg=$version" >&2) \
            || { rm -rf "$tmp"; die "apt-get download $pkg=$version failed"; }
        mv "$tmp"/*.deb "$file" || { rm -rf "$tmp"; die "apt-get download left no .deb for $pkg"; }
        rm -rf "$tmp"
    fi
    echo "$file"
}

# Prints the directory DEB is unpacked in (dpkg-deb -x), unpacking it once.
# A stamp file marks a complete extraction.
extract_deb() {
    local deb=$1 dir
    dir=$cache_dir/extracted/$(basename "$deb" .deb)
    if [[ ! -e "$dir/.extracted" ]]; then
        log "unpacking $(basename "$deb")"
        rm -rf "$dir"
        mkdir -p "$dir"
        dpkg-deb -x "$deb" "$dir"
        touch "$dir/.extracted"
    fi
    echo "$dir"
}

# --- initramfs ---------------------------------------------------------------

# Fails unless every module in MODULES comes after all modules it depends on.
check_module_order() {
    local moddir=$1 i dep deps seen=" "
    for i in "${!MODULES[@]}"; do
        deps=$(modinfo -F depends "$moddir/${module_paths[$i]}")
        for dep in ${deps//,/ }; do
            [[ "$seen" == *" $dep "* ]] || die "module ${MODULES[$i]} depends on $dep, which is not loaded before it: fix MODULES in $0"
        done
        seen+="${MODULES[$i]} "
    done
    log "module order checked with modinfo: ${MODULES[*]}"
}

# Finds each module's file under the kernel's module tree (path relative to
# lib/modules/VERSION, as the guest's /etc/demo/modules lists them).
find_modules() {
    local moddir=$1 m path
    module_paths=()
    for m in "${MODULES[@]}"; do
        path=$(cd "$moddir" && find kernel -name "$m.ko" -print -quit)
        [[ -n "$path" ]] || die "module $m.ko is not in $moddir (compressed modules are not handled)"
        module_paths+=("$path")
    done
}

# Builds a gzip'ed newc cpio: busybox, /init, the modules and settings.
# Reproducible (sorted names, fixed owner and times, gzip -n), so the same
# inputs give the same file and the same share/microvm/system path.
build_initramfs() {
    local kernel_tree=$1 busybox_tree=$2 kver=$3 out=$4 stage i
    stage=$(mktemp -d)
    mkdir -p "$stage/bin" "$stage/etc/demo" "$stage/lib/modules/$kver"
    cp "$busybox_tree/bin/busybox" "$stage/bin/busybox"
    install -m 0755 "$script_dir/guest/init" "$stage/init"
    for i in "${!module_paths[@]}"; do
        mkdir -p "$stage/lib/modules/$kver/$(dirname "${module_paths[$i]}")"
        cp "$kernel_tree/lib/modules/$kver/${module_paths[$i]}" "$stage/lib/modules/$kver/${module_paths[$i]}"
    done
    printf '%s\n' "${module_paths[@]}" >"$stage/etc/demo/modules"
    cat >"$stage/etc/demo/settings" <<SETTINGS
HOST_ADDR=$HOST_ADDR
GUEST_ADDR=$GUEST_ADDR
SHARE_TAG=$SHARE_TAG
SHARE_FILE=$SHARE_FILE
RO_TAG=$RO_TAG
RO_FILE=$RO_FILE
SETTINGS
    find "$stage" -exec touch -h -d @0 {} +
    (cd "$stage" && find . -mindepth 1 -print0 | LC_ALL=C sort -z \
        | cpio --null --create --format=newc --reproducible --owner=0:0 --quiet) \
        | gzip -9 -n >"$out"
    rm -rf "$stage"
}

# --- the runner -------------------------------------------------------------

# Quotes one word for a generated shell script; plain words stay readable.
quote_word() {
    if [[ "$1" =~ ^[A-Za-z0-9,._=:/+@%-]+$ ]]; then
        printf '%s' "$1"
    elif [[ "$1" != *"'"* ]]; then
        printf "'%s'" "$1"
    else
        printf '%q' "$1"
    fi
}

# Appends one line of quoted words (an option and its value) to run_lines.
add_line() {
    local line="" w
    for w in "$@"; do line+="${line:+ }$(quote_word "$w")"; done
    run_lines+=("$line")
}

write_data_files() {
    local runner=$1
    local share=$runner/share/microvm
    mkdir -p "$share/virtiofs/$SHARE_TAG"
    if [[ -n "$macvtap_link" ]]; then
        # ID MAC LINK MODE, as microvm.nix's runner writes them; the MAC is
        # the guest's (qemu's device) and the macvtap's alike.
        echo "vm-$name 02:6d:76:00:00:01 $macvtap_link bridge" >"$share/macvtap-interfaces"
    else
        echo "vm-$name" >"$share/tap-interfaces"
    fi
    # microvm.nix writes the flags the same way (echo, one per line).
    echo vnet_hdr >"$share/tap-flags"
    if $multi_queue; then echo multi_queue >>"$share/tap-flags"; fi
    echo qemu >"$share/hypervisor"
    # Relative to the VM's state directory (the working directory of
    # microvm-run and virtiofsd), like microvm.nix's default socket names.
    echo "$SHARE_TAG" >"$share/virtiofs/$SHARE_TAG/source"
    echo "$name-virtiofs-$SHARE_TAG.sock" >"$share/virtiofs/$SHARE_TAG/socket"
    mkdir -p "$share/virtiofs/$RO_TAG"
    echo "$RO_TAG" >"$share/virtiofs/$RO_TAG/source"
    echo "$name-virtiofs-$RO_TAG.sock" >"$share/virtiofs/$RO_TAG/socket"
}

# One script per share, shaped as microvm.nix's virtiofsd module writes
# them (writeShellScript "virtiofsd-TAG"): the empty optional arguments
# leave their "   \" lines.  Only the read-only share has --readonly.
write_virtiofsd_script() {
    local file=$1 tag=$2 read_only=$3
    cat >"$file" <<SCRIPT
#!/bin/bash
if [ \$(id -u) = 0 ]; then
  OPT_RLIMIT="--rlimit-nofile 1048576"
else
  OPT_RLIMIT=""
fi
exec /usr/libexec/virtiofsd \\
  --socket-path=$name-virtiofs-$tag.sock \\
  --socket-group=kvm \\
  --shared-dir=$tag \\
  \$OPT_RLIMIT \\
  --thread-pool-size \`nproc\` \\
  --posix-acl --xattr \\
  --cache=auto \\
   \\
   \\
  $($read_only && echo --readonly) \\
   \\
  
SCRIPT
    chmod 0555 "$file"
}

# bin/virtiofsd-run: supervisord with one [program:virtiofsd-TAG] per
# share, as microvm.nix writes it (lib.generators.toINI).  That
# configuration is the only place a runner declares the shares' options
# (read-only, cache, ACLs...); microvm-user reads it and runs nothing of
# it.  share/demo/virtiofsd stands in for the Nix store paths.
write_virtiofsd_run() {
    local runner=$1
    local dir=$runner/share/demo/virtiofsd
    mkdir -p "$dir"
    write_virtiofsd_script "$dir/virtiofsd-$SHARE_TAG" "$SHARE_TAG" false
    write_virtiofsd_script "$dir/virtiofsd-$RO_TAG" "$RO_TAG" true
    # Absolute paths, as in the store: the runner is built in place (the
    # tests copy it whole, so the paths are rewritten there).
    cat >"$dir/supervisord.conf" <<CONF
[program:virtiofsd-$RO_TAG]
command=@DIR@/virtiofsd-$RO_TAG
stderr_syslog=true
stdout_syslog=true

[program:virtiofsd-$SHARE_TAG]
command=@DIR@/virtiofsd-$SHARE_TAG
stderr_syslog=true
stdout_syslog=true

[supervisord]
nodaemon=true
user=root
CONF
    cat >"$dir/virtiofsd-run" <<'RUN'
#!/bin/bash
exec supervisord --configuration @DIR@/supervisord.conf "$@"
RUN
    chmod 0555 "$dir/virtiofsd-run"
    ln -s ../share/demo/virtiofsd/virtiofsd-run "$runner/bin/virtiofsd-run"
}

# Fills in the absolute paths of the virtiofsd chain for the runner's
# final place DIR (the paths a store would have fixed at build time).
place_virtiofsd_run() {
    local dir=$1/share/demo/virtiofsd
    sed -i "s|@DIR@|$dir|g" "$dir/supervisord.conf" "$dir/virtiofsd-run"
}

# bin/microvm-run, generated from the data files written before so the two
# cannot disagree: one tap netdev per line of tap-interfaces, one
# vhost-user-fs device per virtiofs tag.
write_microvm_run() {
    local runner=$1 system_rel=$2
    local share=$runner/share/microvm
    local smp=1 queue_opt="" mq_opt="" index=0 tap dir tag socket
    if $multi_queue; then
        smp=2
        queue_opt=",queues=2"
        # 2 queue pairs -> 2*2 vectors + config + control.
        mq_opt=",mq=on,vectors=6"
    fi
    run_lines=()
    add_line -name "$name"
    # q35 rather than microvm.nix's "microvm" machine: without KVM (no
    # kvm-clock) the kernel calibrates its TSC against the PIT, which fails
    # often under TCG on a busy host; q35 has an HPET and an ACPI PM timer
    # to fall back on, the microvm machine has neither and the boot then
    # hangs.  q35 also has the ACPI power button the guest waits for.
    # KVM where it works, TCG otherwise ($accel: see below).
    run_lines+=('-M "q35,accel=$accel,sata=off,smbus=off,vmport=off"')
    add_line -cpu max -m "${MEM_MB}M" -smp "$smp"
    add_line -nodefaults -no-user-config -no-reboot -display none
    # Serial console on the terminal; Ctrl-C goes to the guest, not to qemu
    # (stopping is microvm-shutdown's job), as in microvm.nix.
    add_line -chardev stdio,id=stdio,signal=off -serial chardev:stdio
    # vhost-user devices need guest memory that virtiofsd can map.
    add_line -object "memory-backend-memfd,id=mem,size=${MEM_MB}M,share=on" -numa node,memdev=mem
    while read -r tap; do
        [[ -n "$tap" ]] || continue
        # vhost=off: /dev/vhost-net is root's; the user's qemu does the
        # virtio-net work itself.
        add_line -netdev "tap,id=net$index,ifname=$tap,script=no,downscript=no,vhost=off$queue_opt"
        add_line -device "virtio-net-pci,netdev=net$index,mac=02:6d:76:00:00:$(printf %02x $((index + 1))),romfile=$mq_opt"
        index=$((index + 1))
    done < <(cat "$share/tap-interfaces" 2>/dev/null)
    # A macvtap: microvm-run opens /dev/tap<ifindex> itself (below) and
    # qemu gets the descriptor, as in microvm.nix's qemu runner; queues
    # would be more opens of the same node.
    local fd=3 id mac
    open_lines=""
    while read -r id mac _; do
        [[ -n "$id" ]] || continue
        open_lines+="exec $fd<>/dev/tap\$(< /sys/class/net/$id/ifindex)"$'\n'
        add_line -netdev "tap,id=net$index,fd=$fd,vhost=off"
        add_line -device "virtio-net-pci,netdev=net$index,mac=$mac,romfile="
        index=$((index + 1))
        fd=$((fd + 1))
    done < <(cat "$share/macvtap-interfaces" 2>/dev/null)
    index=0
    for dir in "$share"/virtiofs/*/; do
        tag=$(basename "$dir")
        socket=$(head -n 1 "$dir/socket")
        add_line -chardev "socket,id=fs$index,path=$socket"
        add_line -device "vhost-user-fs-pci,chardev=fs$index,tag=$tag"
        index=$((index + 1))
    done
    add_line -qmp "unix:$name.sock,server=on,wait=off"
    add_line -append "console=ttyS0 reboot=t panic=-1 quiet"
    local body
    body=$(printf '    %s \\\n' "${run_lines[@]}")

    cat >"$runner/bin/microvm-run" <<RUN
#!/bin/bash
# Starts the microVM "$name" in the foreground (generated by
# examples/demo/build-runner.sh).  Run it with the VM's state directory as
# working directory: the QMP socket $name.sock and the virtiofs sockets are
# relative to it.  The taps must exist already, owned by the user who runs
# this (the helper makes them), and /dev/net/tun must be usable by that user.
set -euo pipefail
runner=\$(cd "\$(dirname "\$(readlink -f "\$0")")/.." && pwd -P)
system=\$runner/$system_rel
# KVM only when a hardware vendor module drives it.  Some hosts have a
# /dev/kvm from kvm-pvm (a paravirtual KVM for guests built for it): qemu
# opens it happily and a stock Debian kernel then hangs before its first
# message.  Everywhere else TCG, slower but it works unprivileged.
# MICROVM_DEMO_ACCEL overrides the choice (e.g. "tcg" or "kvm").
if [[ -n "\${MICROVM_DEMO_ACCEL:-}" ]]; then
    accel=\$MICROVM_DEMO_ACCEL
elif [[ -d /sys/module/kvm_intel || -d /sys/module/kvm_amd ]]; then
    accel=kvm:tcg
else
    accel=tcg
fi
$open_lines
exec qemu-system-x86_64 \\
$body
    -kernel "\$system/vmlinuz" -initrd "\$system/initrd.gz" "\$@"
RUN
    chmod 0755 "$runner/bin/microvm-run"
}

# bin/microvm-shutdown: presses the ACPI power button over QMP and returns
# once qemu has accepted the command (the guest then powers off and qemu
# exits 0).  socat talks to the unix socket, as in microvm.nix.
write_microvm_shutdown() {
    local runner=$1
    cat >"$runner/bin/microvm-shutdown" <<'SHUTDOWN'
#!/bin/bash
# Asks the running microVM to power off: QMP qmp_capabilities, then
# system_powerdown (the ACPI power button).  Returns once qemu has accepted
# the request; the guest powers off by itself and qemu then exits.  Run it
# in the VM's state directory, where microvm-run made the QMP socket.
# Exit status: 0 if the request was accepted or the VM is not running
# (no socket), 1 if qemu did not answer.
set -euo pipefail
SHUTDOWN
    cat >>"$runner/bin/microvm-shutdown" <<SHUTDOWN
socket=$name.sock
SHUTDOWN
    cat >>"$runner/bin/microvm-shutdown" <<'SHUTDOWN'
timeout_s=10

if [[ ! -S "$socket" ]]; then
    echo "microvm-shutdown: no QMP socket $PWD/$socket: the VM is not running here" >&2
    exit 0
fi

# A QMP session: wait for each reply before sending the next command, so we
# know qemu accepted system_powerdown.  Events (lines with "event") may come
# in between and are skipped.
coproc QMP { exec socat - "UNIX-CONNECT:$socket"; }
# bash forgets QMP_PID once socat has exited: keep a copy.
qmp_in=${QMP[0]} qmp_out=${QMP[1]} qmp_pid=$QMP_PID

# Reads lines until one answers a command; fails on an error or timeout.
await_reply() {
    local what=$1 line
    while IFS= read -r -t "$timeout_s" line <&"$qmp_in"; do
        case "$line" in
            *'"return"'*) return 0 ;;
            *'"error"'*) echo "microvm-shutdown: qemu refused $what: $line" >&2; return 1 ;;
        esac
    done
    echo "microvm-shutdown: no answer from qemu to $what within ${timeout_s}s (socket $PWD/$socket)" >&2
    return 1
}

status=0
if IFS= read -r -t "$timeout_s" greeting <&"$qmp_in" && [[ "$greeting" == *'"QMP"'* ]]; then
    echo '{"execute": "qmp_capabilities"}' >&"$qmp_out"
    if await_reply qmp_capabilities; then
        echo '{"execute": "system_powerdown"}' >&"$qmp_out"
        await_reply system_powerdown || status=1
    else
        status=1
    fi
else
    echo "microvm-shutdown: qemu did not greet on $PWD/$socket (is the VM running?)" >&2
    status=1
fi
exec {qmp_out}>&-
kill "$qmp_pid" 2>/dev/null || true
wait "$qmp_pid" 2>/dev/null || true
exit $status
SHUTDOWN
    chmod 0755 "$runner/bin/microvm-shutdown"
}

main() {
    parse_args "$@"
    local kernel_pkg kernel_version kernel_arch busybox_version busybox_arch
    local kernel_deb busybox_deb kernel_tree busybox_tree kver
    resolve_packages
    kernel_deb=$(fetch_deb "$kernel_pkg" "$kernel_version" "$kernel_arch")
    busybox_deb=$(fetch_deb busybox-static "$busybox_version" "$busybox_arch")
    kernel_tree=$(extract_deb "$kernel_deb")
    busybox_tree=$(extract_deb "$busybox_deb")

    kver=$(cd "$kernel_tree/lib/modules" && ls)
    [[ -f "$kernel_tree/boot/vmlinuz-$kver" ]] || die "$kernel_deb has no boot/vmlinuz-$kver"
    find_modules "$kernel_tree/lib/modules/$kver"
    check_module_order "$kernel_tree/lib/modules/$kver"

    # Build next to the final place, then swap it in.
    local runner=$out_dir/microvm-qemu-$name
    local new=$out_dir/.microvm-qemu-$name.new
    rm -rf "$new"
    mkdir -p "$new/bin" "$new/share/microvm" "$new/share/demo"
    local scratch=$new/share/demo/system.tmp
    mkdir -p "$scratch"
    build_initramfs "$kernel_tree" "$busybox_tree" "$kver" "$scratch/initrd.gz"
    cp "$kernel_tree/boot/vmlinuz-$kver" "$scratch/vmlinuz"
    {
        echo "kernel-package: $(basename "$kernel_deb")"
        echo "busybox-package: $(basename "$busybox_deb")"
        echo "kernel-release: $kver"
        echo "modules: ${MODULES[*]}"
    } >"$scratch/packages"
    # The "system" stands in for a NixOS toplevel: its name changes exactly
    # when what boots changes, so a frontend comparing share/microvm/system
    # of two runners tells whether a running VM is outdated.
    local hash system_rel
    hash=$(cat "$scratch/vmlinuz" "$scratch/initrd.gz" | sha256sum | cut -c1-16)
    system_rel=share/demo/system-$hash
    mv "$scratch" "$new/$system_rel"
    ln -s "../demo/system-$hash" "$new/share/microvm/system"

    write_data_files "$new"
    write_microvm_run "$new" "$system_rel"
    write_microvm_shutdown "$new"
    write_virtiofsd_run "$new"

    rm -rf "$runner"
    mv "$new" "$runner"
    place_virtiofsd_run "$runner"
    log "runner ready: $runner (kernel $kver, ${macvtap_link:+macvtap on $macvtap_link: }vm-$name, $($multi_queue && echo multi-queue || echo single-queue))"
    echo "$runner"
}

main "$@"
