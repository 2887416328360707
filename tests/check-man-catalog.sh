#!/bin/bash
# The man pages and the D-Bus reference build wherever the DocBook XSL
# stylesheets are in the XML catalog, not only at Debian's path
# (docs/meson.build).  Configures the source tree (-Dtests=false) and builds
# the pages in scratch build directories, each with XML_CATALOG_FILES
# pointing only at a simulated layout of another distribution, so that
# /etc/xml/catalog (Debian's) is never read:
#   nixpkgs: a store path per package, each with its own catalog.xml, listed
#            in XML_CATALOG_FILES as nixpkgs' setup hook does;
#   upstream catalog: one /etc/xml/catalog-style file mapping only the
#            newer URI (cdn.docbook.org), as docbook-xsl 1.79.2's own
#            catalog does, with the files under a Fedora-style path;
#   empty:   no stylesheets at all: -Dman=enabled fails and says why,
#            -Dman=auto configures, says what it skips and builds no page,
#            although Debian's files are still at their usual path.
# The simulated trees are symlink farms onto this machine's docbook-xsl and
# docbook-xml, under paths no Debian file has.
# Usage: check-man-catalog.sh SOURCE_ROOT
set -euo pipefail
source_root=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
debian_xsl=/usr/share/xml/docbook/stylesheet/docbook-xsl
debian_dtd=/usr/share/xml/docbook/schema/dtd
pages=(docs/microvm-user.1 docs/microvm-helperd.8 docs/microvm-helper.conf.5)
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

farm() { # farm SOURCE DEST: DEST mirrors SOURCE through symlinks
    mkdir -p "$2"
    cp -rs "$1/." "$2/"
}

catalog() { # catalog FILE ENTRY...: an OASIS XML catalog with these entries
    # FILE may be a symlink of a farm into the machine's own docbook tree:
    # replace the link, never write through it.
    rm -f "$1"
    {
        echo '<?xml version="1.0"?>'
        echo '<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">'
        printf '  %s\n' "${@:2}"
        echo '</catalog>'
    } >"$1"
}

rewrite() { # rewrite URI-PREFIX TARGET-PREFIX: both rewriteURI and rewriteSystem
    echo "<rewriteURI uriStartString=\"$1\" rewritePrefix=\"$2\"/>"
    echo "<rewriteSystem systemIdStartString=\"$1\" rewritePrefix=\"$2\"/>"
}

configure() { # configure NAME CATALOGS MAN-OPTION: sets $build, $setup_log
    build=$work/build-$1
    setup_log=$work/setup-$1.log
    (cd "$source_root" && XML_CATALOG_FILES=$2 meson setup "$build" -Dtests=false -Dman="$3") \
        >"$setup_log" 2>&1
}

builds_pages() { # builds_pages NAME CATALOGS EXPECTED-BASE
    local name=$1 catalogs=$2 base=$3 page
    if ! configure "$name" "$catalogs" enabled; then
        fail "$name: meson setup -Dman=enabled failed:"
        sed 's/^/    /' "$setup_log"
        return
    fi
    grep -q "man pages and D-Bus reference *: yes ($base" "$setup_log" ||
        fail "$name: the summary does not say the pages come from $base: $(grep 'man pages' "$setup_log")"
    grep -q "DTD is not in the XML catalog" "$setup_log" &&
        fail "$name: the DocBook 4.5 DTD of the simulated layout was not found"
    if ! XML_CATALOG_FILES=$catalogs ninja -C "$build" "${pages[@]}" docs/org.microvm.Helper1.html \
        >"$work/ninja-$name.log" 2>&1; then
        fail "$name: building the pages failed:"
        sed 's/^/    /' "$work/ninja-$name.log"
        return
    fi
    # --nonet: a stylesheet or DTD the catalog missed is a warning on stderr.
    grep -q "failed to load external entity" "$work/ninja-$name.log" &&
        fail "$name: xsltproc could not load something: $(grep -m1 'failed to load' "$work/ninja-$name.log")"
    for page in "${pages[@]}"; do
        grep -q '^\.TH ' "$build/$page" || fail "$name: $page is not a man page"
    done
    grep -q 'org.microvm.Helper1.CreateTaps' "$build/docs/org.microvm.Helper1.html" ||
        fail "$name: the D-Bus reference lacks CreateTaps"
    echo "ok: $name layout: ${pages[*]##*/} and org.microvm.Helper1.html built through $base"
}

# --- nixpkgs: docbook-xsl-nons, docbook_xml_dtd_45 and docbook_xml_dtd_412
# (gdbus-codegen's DocBook uses 4.1.2) as store paths
store=$work/nix/store
nix_xsl=$store/0000000000000000000000000000000a-docbook-xsl-nons-1.79.2/share/xml/docbook-xsl-nons
farm "$debian_xsl" "$nix_xsl"
# nixpkgs patches the legacy sourceforge.net URI back into upstream's catalog.
catalog "$nix_xsl/catalog.xml" \
    "$(rewrite http://cdn.docbook.org/release/xsl-nons/current/ ./)" \
    "$(rewrite http://docbook.sourceforge.net/release/xsl/current/ ./)"
catalogs=$nix_xsl/catalog.xml
for version in 4.5 4.1.2; do
    nix_dtd=$store/0000000000000000000000000000000b-docbook-xml-$version/xml/dtd/docbook
    farm "$debian_dtd/$version" "$nix_dtd"
    catalog "$nix_dtd/catalog.xml" \
        "<public publicId=\"-//OASIS//DTD DocBook XML V$version//EN\" uri=\"docbookx.dtd\"/>" \
        "$(rewrite "http://www.oasis-open.org/docbook/xml/$version/" ./)"
    catalogs+=" $nix_dtd/catalog.xml"
done
builds_pages nixpkgs "$catalogs" http://docbook.sourceforge.net/release/xsl/current/

# --- one system catalog that maps only docbook-xsl 1.79.2's own URI
root=$work/root
fedora_xsl=$root/usr/share/sgml/docbook/xsl-stylesheets-1.79.2
farm "$debian_xsl" "$fedora_xsl"
for version in 4.5 4.1.2; do farm "$debian_dtd/$version" "$root/usr/share/sgml/docbook/xml-dtd-$version"; done
mkdir -p "$root/etc/xml"
catalog "$root/etc/xml/catalog" \
    "$(rewrite http://cdn.docbook.org/release/xsl-nons/current/ "file://$fedora_xsl/")" \
    "$(rewrite http://www.oasis-open.org/docbook/xml/4.5/ "file://$root/usr/share/sgml/docbook/xml-dtd-4.5/")" \
    "$(rewrite http://www.oasis-open.org/docbook/xml/4.1.2/ "file://$root/usr/share/sgml/docbook/xml-dtd-4.1.2/")"
builds_pages upstream-catalog "$root/etc/xml/catalog" http://cdn.docbook.org/release/xsl-nons/current/

# --- no stylesheets in the catalog (Debian's files are still on disk)
catalog "$work/empty-catalog"
if configure empty "$work/empty-catalog" enabled; then
    fail "empty: meson setup -Dman=enabled succeeded without stylesheets"
else
    grep -q "ERROR: .*-Dman=enabled, but the man pages cannot be built: the XML catalog" "$setup_log" &&
        grep -q "docbook-xsl-nons" "$setup_log" ||
        fail "empty: -Dman=enabled failed without saying why: $(grep ERROR "$setup_log")"
    echo "ok: empty catalog: -Dman=enabled fails: $(grep -o 'cannot be built: .\{60\}' "$setup_log")..."
fi
if configure empty-auto "$work/empty-catalog" auto; then
    grep -q "WARNING: NOT building the man pages" "$setup_log" ||
        fail "empty: -Dman=auto did not say that it skips the man pages"
    grep -q "man pages and D-Bus reference *: no: the XML catalog" "$setup_log" ||
        fail "empty: the summary does not say why the pages are skipped"
    grep -q "microvm-user\.1" "$build/build.ninja" &&
        fail "empty: -Dman=auto still has a rule for microvm-user.1"
    echo "ok: empty catalog: -Dman=auto configures and says: $(grep -o 'NOT building the man pages.\{40\}' "$setup_log")..."
else
    fail "empty: meson setup -Dman=auto failed:"
    sed 's/^/    /' "$setup_log"
fi

[[ $failures -eq 0 ]] && echo "man pages build through the XML catalog"
exit $((failures > 0))
