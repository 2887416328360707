#!/bin/bash
# Fails when po/microvm-helper.pot lacks a message of the sources listed in
# po/POTFILES.in (someone added or changed one without regenerating the
# template: `ninja -C build microvm-helper-pot`), or still carries one that
# is gone.  Usage: check-pot.sh SOURCE_ROOT
set -euo pipefail
root=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
grep -v '^#' "$root/po/POTFILES.in" | grep -v '^$' >"$work/files"
xgettext --from-code=UTF-8 --keyword=N_ --directory="$root" --files-from="$work/files" \
    --output="$work/fresh.pot"
status=0
msgcmp --use-untranslated "$root/po/microvm-helper.pot" "$work/fresh.pot" || status=1
msgcmp --use-untranslated "$work/fresh.pot" "$root/po/microvm-helper.pot" || status=1
count=$(grep -c '^msgid ' "$work/fresh.pot")
if [[ $status -eq 0 ]]; then echo "po/microvm-helper.pot holds all $((count - 1)) messages"; fi
exit $status
