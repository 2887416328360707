# For each LINE, prints "LINE<TAB>MATCH..." (the matches space separated):
# what zsh's completion system offers when Tab is typed after LINE in an
# interactive zsh that loads completion functions from DIR and zsh's own
# completion system.
#   zsh -f completion-zsh-capture.zsh DIR LINE...
# The interactive zsh runs in a pseudo-terminal (zsh/zpty), so completion
# runs exactly as for a person, once compinit has run (a few seconds, so
# one shell serves every line); compadd is wrapped to print what it adds.
# The markers are typed split ('<<''DONE>>') so that the terminal's echo of
# the typed definitions never looks like them.
zmodload zsh/zpty
dir=$1
shift
zpty shell zsh -f -i
zpty -w shell 'PS1= ; unsetopt beep'
# Only the completion system itself besides DIR: compinit reads every
# directory of fpath, and the other hundreds of functions only cost time.
zpty -w shell "fpath=(${(q)dir} \${(M)fpath:#*/Completion(|/Base|/Unix|/Zsh)}); autoload -Uz compinit; compinit -u -D"
zpty -w shell "zstyle ':completion:*' list-grouped false"
zpty -w shell "_capture_done() { print -r -- '<<''DONE>>' }"
# Calls that only compute (-O, -A, -D) are passed through untouched.
zpty -w shell 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; local -a hits; builtin compadd -A hits "$@"; local hit; for hit in $hits; do print -r -- "<<""MATCH>>$hit"; done; builtin compadd "$@" }'
for line in "$@"; do
    # comppostfuncs is emptied after each completion: set it again.
    zpty -w shell 'comppostfuncs=( _capture_done )'
    zpty -w -n shell "$line"$'\t'
    output=
    while zpty -r shell chunk; do
        output+=$chunk
        [[ $output == *'<<DONE>>'* ]] && break
    done
    # Ctrl-U: drop the line, nothing runs.
    zpty -w -n shell $'\x15'
    print -r -- "$line"$'\t'${(j: :)${(f)"$(print -r -- $output | tr -d '\r' | sed -n 's/^.*<<MATCH>>//p')"}}
done
zpty -d shell
