#!/bin/bash
# Fails if any C file differs from what clang-format (.clang-format) makes
# of it; prints the difference.  `scripts/check-format.sh --fix` rewrites.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.c' '*.h')
if [[ "${1:-}" == "--fix" ]]; then
    clang-format -i "${files[@]}"
    exit 0
fi
status=0
for f in "${files[@]}"; do
    if ! diff -u --label "$f" --label "$f (clang-format)" "$f" <(clang-format "$f"); then
        status=1
    fi
done
if [[ $status -ne 0 ]]; then
    echo "check-format: the files above are not formatted; run scripts/check-format.sh --fix" >&2
else
    echo "check-format: ${#files[@]} files formatted"
fi
exit $status
