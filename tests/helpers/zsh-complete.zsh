# zsh-complete.zsh DIR LINE...: complete each LINE in an interactive zsh on a
# pseudo-terminal, with the completion functions in DIR first on fpath, and
# print "LINE => CANDIDATE..." as compadd received them (for completion.bats).
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1=''; fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'compadd() { builtin compadd "$@"; local -a a; builtin compadd -O a "$@"; ztest_offered+=($a) }'
zpty -w z '_dteetestcmd() { compadd alpha beta }; compdef _dteetestcmd dteetestcmd'
# Ctrl-T completes, then prints what was offered between two marks.
zpty -w z 'complete-test() { ztest_offered=(); zle complete-word; print -rn -- $'"'"'\x02'"'"'"${(j: :)${(ou)ztest_offered}}"$'"'"'\x03'"'"' >/dev/tty }'
zpty -w z "zle -N complete-test; bindkey '^T' complete-test"
shift
for line; do
	zpty -w -n z "$line"$'\x14'
	zpty -r -m z out $'*\x02*\x03'
	print -r -- "$line => ${${out##*$'\x02'}%%$'\x03'*}"
	zpty -w -n z $'\x15'
done
zpty -d z
