#!/bin/bash
# The shell completions of microvm-user: the list they are generated from
# must match the program, and bash, zsh and fish must each offer what a
# user expects for the same command lines, driven the way each shell
# drives them (bash: COMP_WORDS and the function; zsh: an interactive zsh
# in a pseudo-terminal, Tab typed, what compadd got; fish: complete -C).
# Usage: check-completion.sh SPEC GENERATOR MICROVM-USER BASH-FILE ZSH-FILE FISH-FILE
set -uo pipefail
[[ $# -eq 6 ]] || { echo "usage: $0 SPEC GENERATOR MICROVM-USER BASH-FILE ZSH-FILE FISH-FILE" >&2; exit 2; }
spec=$(realpath "$1") generator=$(realpath "$2") microvm_user=$(realpath "$3")
bash_file=$(realpath "$4") zsh_file=$(realpath "$5") fish_file=$(realpath "$6")
here=$(cd "$(dirname "$0")" && pwd)
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
# VMs in the state directory; in the working directory two directories
# (runners) and a file.
export HOME=$home XDG_STATE_HOME=$home/state
mkdir -p "$home/state/microvm/web" "$home/state/microvm/db" "$home/work/vms/web-runner" \
    "$home/work/images" "$home/zsh"
: >"$home/work/notes.txt"
cp "$zsh_file" "$home/zsh/_microvm-user"
cd "$home/work"
failures=0

# One list: a command or option the program has and the list lacks (or the
# other way round, or a changed description) fails here.
python3 "$generator" "$spec" --check-help "$microvm_user" || failures=$((failures + 1))

offered_by_bash() {
    local line=$1
    # bash splits words at "=" too (COMP_WORDBREAKS).
    read -r -a COMP_WORDS <<<"${line//=/ = }"
    [[ "$line" == *" " || "$line" == *"=" ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    (source "$bash_file" && _microvm_user && printf '%s\n' "${COMPREPLY[@]}")
}
offered_by_fish() {
    timeout 20 fish --no-config -c 'source $argv[1]; complete -C $argv[2]' "$fish_file" "$1" | cut -f1
}

# What a shell offered, sorted, directories without their "/", values
# without "--option=".
normalize() {
    tr ' ' '\n' | sed -e 's|/$||' -e 's/^--[a-z-]*=//' | grep -v '^$' | sort -u | tr '\n' ' ' | sed 's/ $//'
}

lines=() expected=() shells=()
# expect LINE EXPECTED [SHELL...]: what the shells (default all three) offer.
expect() {
    lines+=("$1")
    expected+=("$2")
    shells+=("${*:3}")
}

expect "microvm-user " "--help --version inspect install list logs run start status stop" bash
expect "microvm-user " "inspect install list logs run start status stop" zsh fish
expect "microvm-user --" "--help --version"
expect "microvm-user st" "start status stop"
expect "microvm-user stop " "db web"
expect "microvm-user status w" "web"
expect "microvm-user run --no" "--no-ask-password"
expect "microvm-user run v" "vms"
expect "microvm-user inspect --j" "--json"
# A runner is a directory: no files.
expect "microvm-user install web " "images vms"
expect "microvm-user list --" "--help --json --quiet"
# An option's value is not an argument: after it, the runner comes.
expect "microvm-user run --name web " "images vms"
expect "microvm-user run -n web i" "images"
expect "microvm-user run --virtiofsd " "images notes.txt vms"
expect "microvm-user run --virtiofsd=n" "notes.txt"
expect "microvm-user stop --timeout " ""
# Nothing more to give: bash and fish offer nothing, zsh the options.
expect "microvm-user stop web " "" bash fish
expect "microvm-user stop web " "--help --quiet --timeout -h -q -t" zsh

# zsh: one interactive shell for every line (its compinit takes seconds).
declare -A zsh_offered
zsh_lines=()
for i in "${!lines[@]}"; do
    [[ -z "${shells[i]}" || " ${shells[i]} " == *" zsh "* ]] && zsh_lines+=("${lines[i]}")
done
while IFS=$'\t' read -r line matches; do
    zsh_offered[$line]=$matches
done < <(timeout 60 zsh -f "$here/completion-zsh-capture.zsh" "$home/zsh" "${zsh_lines[@]}")

for i in "${!lines[@]}"; do
    for shell in ${shells[i]:-bash zsh fish}; do
        case "$shell" in
            bash) got=$(offered_by_bash "${lines[i]}" 2>&1 | normalize) ;;
            fish) got=$(offered_by_fish "${lines[i]}" 2>&1 | normalize) ;;
            zsh) got=$(printf '%s\n' "${zsh_offered[${lines[i]}]-(no answer from zsh)}" | normalize) ;;
        esac
        if [[ "$got" != "${expected[i]}" ]]; then
            echo "FAIL: $shell: '${lines[i]}' offered '$got', expected '${expected[i]}'"
            failures=$((failures + 1))
        fi
    done
done
[[ $failures -eq 0 ]] && echo "completion ok: bash, zsh and fish"
exit $((failures > 0))
