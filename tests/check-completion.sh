#!/bin/bash
# Drives the bash completion of microvm-user the way bash would and checks
# what it offers.  Usage: check-completion.sh COMPLETION-FILE
set -uo pipefail
source "$1"
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export HOME=$home XDG_STATE_HOME=$home/state
mkdir -p "$home/state/microvm/web" "$home/state/microvm/db" "$home/vms/web-runner"
cd "$home"
failures=0

expect() { # expect "WORDS..." "expected replies"
    local line=$1 expected=$2
    read -r -a COMP_WORDS <<<"$line"
    [[ "$line" == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _microvm_user
    local got
    got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
    if [[ "$got" != "$expected" ]]; then
        echo "FAIL: '$line' offered '$got', expected '$expected'"
        failures=$((failures + 1))
    fi
}

expect "microvm-user " "--help --version inspect install list run start status stop"
expect "microvm-user st" "start status stop"
expect "microvm-user stop " "db web"
expect "microvm-user status w" "web"
expect "microvm-user run --no" "--no-ask-password"
expect "microvm-user run vm" "vms"
expect "microvm-user inspect --j" "--json"
expect "microvm-user install web " "state vms"
expect "microvm-user stop web " ""
expect "microvm-user list --" "--help --json --quiet"
[[ $failures -eq 0 ]] && echo "completion ok"
exit $((failures > 0))
