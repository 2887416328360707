#!/bin/bash
# Makes the Rust virtiofsd (the one microvm.nix users have; Debian 13
# "trixie" packages it) runnable on this Debian 12 machine, without
# installing anything and without touching apt's own configuration:
#
#   tests/tools/fetch-rust-virtiofsd.sh DIR
#
# leaves DIR/virtiofsd, a wrapper that behaves like the real binary (all
# arguments passed through).  Idempotent: a second run checks the wrapper
# and does nothing else.
#
# How: an apt source list for suite trixie, on the same Debian archive the
# machine already uses, is kept under DIR/apt and used only through apt's
# Dir::Etc::sourcelist / Dir::Etc::sourceparts / Dir::State::Lists /
# Dir::Cache options for `apt-get update` and `apt-get download`.  trixie's
# virtiofsd needs trixie's glibc (2.39+), so virtiofsd, libc6, libseccomp2,
# libcap-ng0 and libgcc-s1 are unpacked with dpkg-deb -x into DIR/root and
# the wrapper starts virtiofsd through that tree's dynamic loader with
# --library-path, leaving the host's libraries alone.
set -euo pipefail

readonly SUITE=trixie
readonly PACKAGES=(virtiofsd libc6 libseccomp2 libcap-ng0 libgcc-s1)
readonly LIBDIR=usr/lib/x86_64-linux-gnu

log() { echo "fetch-rust-virtiofsd: $*" >&2; }
die() { log "error: $*"; exit 1; }

# The wrapper works if it runs and says it is virtiofsd.
wrapper_works() {
    [[ -x "$dir/virtiofsd" ]] && "$dir/virtiofsd" --version 2>/dev/null | grep -q '^virtiofsd'
}

# The Debian archive this machine's apt already uses for bookworm, so the
# trixie list points at the same registry (no host name of our own).
debian_archive_uri() {
    local uri
    uri=$(apt-get indextargets --format '$(REPO_URI)' 'Codename: bookworm' 'Origin: Debian' \
            'Created-By: Packages' 2>/dev/null | sort -u | head -n 1)
    [[ -n "$uri" ]] || die "apt has no Debian bookworm archive configured (or no lists: run 'apt-get update' as root first)"
    echo "$uri"
}

# apt-get with every path that matters moved under DIR/apt.  As root, apt
# would drop to the _apt user for downloads, who cannot write into DIR:
# download as whoever runs this instead.
private_apt() {
    apt-get -q \
        -o Dir::Etc::sourcelist="$dir/apt/sources.list" \
        -o Dir::Etc::sourceparts="$dir/apt/sources.list.d" \
        -o Dir::State::Lists="$dir/apt/lists" \
        -o Dir::Cache="$dir/apt/cache" \
        -o APT::Architectures::=amd64 \
        -o APT::Sandbox::User="$(id -un)" \
        "$@"
}

write_source_list() {
    local uri
    uri=$(debian_archive_uri)
    mkdir -p "$dir/apt/sources.list.d" "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $SUITE main" \
        >"$dir/apt/sources.list"
}

fetch_debs() {
    # Only this run's packages get unpacked: drop any left by an older run.
    rm -rf "$dir/debs"
    mkdir -p "$dir/debs"
    if ! compgen -G "$dir/apt/lists/*_Packages*" >/dev/null; then
        log "reading the $SUITE package lists (into $dir/apt/lists)"
        private_apt update >&2
    fi
    log "downloading ${PACKAGES[*]} from $SUITE"
    (cd "$dir/debs" && private_apt download "${PACKAGES[@]}" >&2)
}

unpack_debs() {
    local deb
    rm -rf "$dir/root"
    mkdir -p "$dir/root"
    for deb in "$dir"/debs/*.deb; do
        dpkg-deb -x "$deb" "$dir/root"
    done
    [[ -x "$dir/root/usr/libexec/virtiofsd" ]] || die "the virtiofsd package has no usr/libexec/virtiofsd"
    [[ -x "$dir/root/$LIBDIR/ld-linux-x86-64.so.2" ]] || die "trixie's libc6 has no $LIBDIR/ld-linux-x86-64.so.2"
}

write_wrapper() {
    cat >"$dir/virtiofsd" <<WRAPPER
#!/bin/sh
# Debian 13's virtiofsd with Debian 13's libraries (made by
# tests/tools/fetch-rust-virtiofsd.sh): runs it through that glibc's own
# loader, so the host's older glibc is not used.  Arguments pass unchanged.
root=\$(dirname "\$(readlink -f "\$0")")/root
exec "\$root/$LIBDIR/ld-linux-x86-64.so.2" --library-path "\$root/$LIBDIR" \\
    --argv0 "\$0" "\$root/usr/libexec/virtiofsd" "\$@"
WRAPPER
    chmod 0755 "$dir/virtiofsd"
}

main() {
    [[ $# -eq 1 ]] || { echo "usage: $0 DIR" >&2; exit 2; }
    mkdir -p "$1"
    dir=$(cd "$1" && pwd -P)
    if wrapper_works; then
        log "$dir/virtiofsd is ready ($("$dir/virtiofsd" --version | head -n 1))"
        echo "$dir/virtiofsd"
        return
    fi
    write_source_list
    fetch_debs
    unpack_debs
    write_wrapper
    wrapper_works || die "$dir/virtiofsd does not run: try '$dir/virtiofsd --version'"
    log "$dir/virtiofsd is ready ($("$dir/virtiofsd" --version | head -n 1))"
    echo "$dir/virtiofsd"
}

main "$@"
