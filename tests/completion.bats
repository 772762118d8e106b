#!/usr/bin/env bats
# Shell completion: dtee's options and their arguments, then a command name,
# then that command's own completion. bash through bash-completion's own
# functions (complete -p, COMP_WORDS, compgen), fish through `complete -C`,
# zsh through an interactive zsh on a pseudo-terminal (helpers/zsh-complete.zsh).

load common

setup() {
	common_setup
	comp="$BATS_TEST_DIRNAME/../completions"
	bash_completion=/usr/share/bash-completion/bash_completion
	# A command of our own on PATH, with a completion of its own.
	mkdir -p bin
	printf '#!/bin/sh\n' >bin/dteetestcmd
	chmod +x bin/dteetestcmd
	touch Makefile.local
}

# complete_bash LINE...: for each LINE, what bash completes at its end, as
# "LINE => WORD WORD ...", with bash-completion and completions/dtee.bash
# loaded (compopt only works inside a real completion: stubbed).
complete_bash() {
	[ -f "$bash_completion" ] || skip "bash-completion is not installed"
	local script
	script=$(
		cat <<-'EOF'
		source "$1"; source "$2"; shift 2
		compopt() { :; }
		complete -W "alpha beta" dteetestcmd
		for line; do
			read -ra COMP_WORDS <<<"$line"
			[[ $line == *' ' ]] && COMP_WORDS+=("")
			COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) COMP_LINE=$line COMP_POINT=${#line}
			COMPREPLY=()
			_dtee "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
			printf '%s => %s\n' "$line" "${COMPREPLY[*]}"
		done
		EOF
	)
	PATH="$PWD/bin:$PATH" bash --norc --noprofile -c "$script" bash "$bash_completion" "$comp/dtee.bash" "$@"
}

@test "bash: complete -p names _dtee for dtee and cronty" {
	[ -f "$bash_completion" ] || skip "bash-completion is not installed"
	run bash --norc --noprofile -c 'source "$1"; source "$2"; complete -p dtee cronty' bash \
		"$bash_completion" "$comp/dtee.bash"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "complete -F _dtee dtee" ]
	[ "${lines[1]}" = "complete -F _dtee cronty" ]
}

@test "bash: options, with = and their words" {
	run complete_bash "dtee --out-" "dtee --col" "dtee --color=" "dtee --color=ne" "dtee --log-format=" \
		"dtee --report-on=failure,st" "dtee --sys" "dtee --syslog=local7" "cronty --cr"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "dtee --out- => --out-append= --out-overwrite=" ]
	[ "${lines[1]}" = "dtee --col => --color --color= --colour --colour=" ]
	[ "${lines[2]}" = "dtee --color= => never auto always" ]
	[ "${lines[3]}" = "dtee --color=ne => never" ]
	[ "${lines[4]}" = "dtee --log-format= => text json cri" ]
	[ "${lines[5]}" = "dtee --report-on=failure,st => failure,stderr" ]
	[ "${lines[6]}" = "dtee --sys => --syslog --syslog=" ]
	[ "${lines[7]}" = "dtee --syslog=local7 => local7" ]
	[ "${lines[8]}" = "cronty --cr => --cron" ]
}

@test "bash: file options take file names, in every spelling" {
	run complete_bash "dtee -o Makefile.l" "dtee --out-append Makefile.l" "dtee --combined-overwrite=Makefile.l" \
		"dtee -qC Makefile.l" "dtee -i -e x -E Makefile.l"
	[ "$status" -eq 0 ]
	for i in 0 1 2 3 4; do
		[[ "${lines[i]}" == *" => Makefile.local" ]] || fail "${lines[i]}"
	done
}

@test "bash: the command name, after options, their arguments and --" {
	run complete_bash "dtee dteetestc" "dtee -o out.log dteetestc" "dtee --out-append out.log -q dteetestc" \
		"dtee -- dteetestc" "dtee -qo out.log dteetestc"
	[ "$status" -eq 0 ]
	for i in 0 1 2 3 4; do
		[[ "${lines[i]}" == *" => dteetestcmd" ]] || fail "${lines[i]}"
	done
}

@test "bash: after the command word, the command's own completion (also through nohup)" {
	run complete_bash "dtee -o out.log dteetestcmd al" "cronty -- dteetestcmd b" "dtee -C all.log nohup dteetestcmd b" \
		"dtee dteetestcmd --col"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "dtee -o out.log dteetestcmd al => alpha" ]
	[ "${lines[1]}" = "cronty -- dteetestcmd b => beta" ]
	[ "${lines[2]}" = "dtee -C all.log nohup dteetestcmd b => beta" ]
	# dtee's options are not offered to the command.
	[ "${lines[3]}" = "dtee dteetestcmd --col => " ]
}

@test "bash: every long option of --help is in the completion table" {
	run "$DTEE" --help
	for opt in $(grep -o -- '--[a-z][a-z-]*' <<<"$output" | sort -u); do
		grep -Eq -- "(^|\|)$opt( |\||$)" "$comp/dtee.bash" || fail "$opt is not completed"
	done
}

@test "bash: an installed completion is found by bash-completion's loader" {
	[ -f "$bash_completion" ] || skip "bash-completion is not installed"
	# A make of its own, with the default layout (debian/rules exports one).
	unset MAKEFLAGS MAKELEVEL MFLAGS PREFIX BINDIR MULTIARCH LIBDIR PKGLIBDIR PRELOAD_ENTRY MANDIR \
		DESTDIR BASHCOMPDIR ZSHCOMPDIR FISHCOMPDIR
	prefix="$BATS_TEST_TMPDIR/prefix"
	make -s -C "$BATS_TEST_DIRNAME/.." B="$BATS_TEST_TMPDIR/build" PREFIX="$prefix" install >/dev/null
	# bash-completion looks in $XDG_DATA_DIRS/bash-completion/completions.
	run env XDG_DATA_DIRS="$prefix/share" bash --norc --noprofile -c \
		'source "$1"; __load_completion dtee && __load_completion cronty && complete -p dtee cronty' bash "$bash_completion"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "complete -F _dtee dtee" ]
	[ "${lines[1]}" = "complete -F _dtee cronty" ]
}

@test "bash: cronty does not offer --attach and --force, which cron mode refuses" {
	run complete_bash "dtee --at" "dtee --fo" "cronty --at" "cronty --fo" "cronty --re"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "dtee --at => --attach=" ]
	[ "${lines[1]}" = "dtee --fo => --force" ]
	[ "${lines[2]}" = "cronty --at => " ]
	[ "${lines[3]}" = "cronty --fo => " ]
	[ "${lines[4]}" = "cronty --re => --report-on= --report-limit=" ]
}

@test "fish and zsh: cronty does not offer --attach and --force" {
	if command -v fish >/dev/null; then
		run fish --no-config -c 'source $argv[1]
			for line in "dtee --at" "cronty --at" "cronty --fo"
				# An empty list as its own argument: the line is still printed.
				echo "$line =>" (complete -C $line | string replace -r "\t.*" "" | string join " ")
			end' "$comp/dtee.fish"
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "dtee --at => --attach" ] || fail "$output"
		[ "${lines[1]}" = "cronty --at =>" ] || fail "$output"
		[ "${lines[2]}" = "cronty --fo =>" ] || fail "$output"
	fi
	command -v zsh >/dev/null && zsh -f -c 'zmodload zsh/zpty' 2>/dev/null ||
		skip "zsh with its zpty module is not installed"
	run env PATH="$PWD/bin:$PATH" timeout 30 zsh -f "$BATS_TEST_DIRNAME/helpers/zsh-complete.zsh" "$comp" \
		"dtee --att" "cronty --att"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "dtee --att => --attach"* ]] || fail "$output"
	[[ "${lines[1]}" != *--attach* ]] || fail "$output"
}

@test "fish: options, words, files, then the command and its own completion" {
	command -v fish >/dev/null || skip "fish is not installed"
	run env PATH="$PWD/bin:$PATH" fish --no-config -c '
		source $argv[1]
		complete -c dteetestcmd -f -a "alpha beta"
		for line in "dtee --col" "dtee --color=n" "dtee -o Makefile.l" "dtee -o out.log dteetestc" \
			"cronty -q -- dteetestcmd b" "dtee -o out.log dteetestcmd al"
			echo "$line => "(complete -C $line | string replace -r "\t.*" "" | string join " ")
		end' "$comp/dtee.fish"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "dtee --col => --color --color= --colour --colour=" ]
	[ "${lines[1]}" = "dtee --color=n => --color=never" ]
	[ "${lines[2]}" = "dtee -o Makefile.l => Makefile.local" ]
	[ "${lines[3]}" = "dtee -o out.log dteetestc => dteetestcmd" ]
	[ "${lines[4]}" = "cronty -q -- dteetestcmd b => beta" ]
	[ "${lines[5]}" = "dtee -o out.log dteetestcmd al => alpha" ]
}

@test "zsh: the completion function parses and registers for dtee and cronty" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	zsh -n "$comp/_dtee"
	run zsh -f -c 'fpath=($1 $fpath); autoload -Uz compinit; compinit -u -d "$2"; print -r -- $_comps[dtee] $_comps[cronty]' \
		zsh "$comp" "$BATS_TEST_TMPDIR/zcompdump"
	[ "$status" -eq 0 ]
	[ "$output" = "_dtee _dtee" ]
}

@test "zsh: options, words, files, then the command and its own completion" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	zsh -f -c 'zmodload zsh/zpty' 2>/dev/null || skip "zsh has no zpty module"
	run env PATH="$PWD/bin:$PATH" timeout 30 zsh -f "$BATS_TEST_DIRNAME/helpers/zsh-complete.zsh" "$comp" \
		"dtee --col" "dtee --color=" "dtee --report-on=failure," "dtee -o Makefile.l" "dtee --out-append=Makefile.l" \
		"dtee -q -- dteetestc" "cronty -q -- dteetestcmd al" "dtee -C x dteetestcmd b" "dtee dteetestcmd --col"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "dtee --col => --color"* ]]
	[[ "${lines[1]}" == "dtee --color= => "* && "${lines[1]}" == *auto* && "${lines[1]}" == *always* &&
		"${lines[1]}" == *never* ]]
	[[ "${lines[2]}" == "dtee --report-on=failure, => "*stderr* ]]
	[[ "${lines[3]}" == "dtee -o Makefile.l => Makefile.local"* ]]
	[[ "${lines[4]}" == "dtee --out-append=Makefile.l => Makefile.local"* ]]
	[ "${lines[5]}" = "dtee -q -- dteetestc => dteetestcmd" ]
	[ "${lines[6]}" = "cronty -q -- dteetestcmd al => alpha" ]
	[ "${lines[7]}" = "dtee -C x dteetestcmd b => beta" ]
	[ "${lines[8]}" = "dtee dteetestcmd --col => " ]
}
