#!/usr/bin/env bats
# The command line: help, version, usage errors, where parsing stops.

load common

@test "--help prints usage on stdout and exits 0" {
	run --separate-stderr "$DTEE" --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Usage: $DTEE [OPTION]... [--] COMMAND [ARG]..." ]]
	[[ "$output" == *"--combined-overwrite=FILE"* ]]
	[ -z "$stderr" ]
	run "$DTEE" -h
	[ "$status" -eq 0 ]
	[[ "$output" == Usage:* ]]
}

@test "--version prints the version and licence and exits 0" {
	run --separate-stderr "$DTEE" --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^dtee\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	[[ "$output" == *GPL* ]]
	run "$DTEE" -V
	[ "$status" -eq 0 ]
}

@test "--help and the man page list the same options" {
	man="$BATS_TEST_DIRNAME/../man/dtee.1"
	run "$DTEE" --help
	for opt in $(grep -o -- '--[a-z][a-z-]*' <<<"$output" | sort -u); do
		grep -q -- "${opt//-/\\\\-}" "$man" || fail "$opt is not in dtee.1"
	done
	for opt in $(grep -o -- '\\-\\-[a-z][a-z\\-]*' "$man" | sed 's/\\//g' | sort -u); do
		[[ "$output" == *"$opt"* ]] || fail "$opt of dtee.1 is not in --help"
	done
}

@test "no command: one line naming the problem, a hint, exit 64" {
	run --separate-stderr "$DTEE"
	[ "$status" -eq 64 ]
	[ -z "$output" ]
	[ "$stderr" = "$DTEE: no command specified
Try '$DTEE -h' for more information." ]
}

@test "unknown short option, exit 64" {
	run --separate-stderr "$DTEE" -a true
	[ "$status" -eq 64 ]
	[ "$stderr" = "$DTEE: unrecognised option '-a'
Try '$DTEE -h' for more information." ]
}

@test "unknown long option, exit 64, the command is not run" {
	run --separate-stderr "$DTEE" --bogus=1 touch ran
	[ "$status" -eq 64 ]
	[ "${stderr_lines[0]}" = "$DTEE: unrecognised option '--bogus'" ]
	[ ! -e ran ]
}

@test "missing argument, ambiguous and superfluous arguments, exit 64" {
	run --separate-stderr "$DTEE" -o
	[ "$status" -eq 64 ]
	[ "${stderr_lines[0]}" = "$DTEE: option '-o' requires an argument" ]
	run --separate-stderr "$DTEE" --out-append
	[ "$status" -eq 64 ]
	[ "${stderr_lines[0]}" = "$DTEE: option '--out-append' requires an argument" ]
	run --separate-stderr "$DTEE" --out x true
	[ "$status" -eq 64 ]
	[ "${stderr_lines[0]}" = "$DTEE: option '--out' is ambiguous" ]
	run --separate-stderr "$DTEE" --help=yes
	[ "$status" -eq 64 ]
	[ "${stderr_lines[0]}" = "$DTEE: option '--help' doesn't allow an argument" ]
}

@test "an unknown option inside a cluster is named" {
	run --separate-stderr "$DTEE" -iz true
	[ "$status" -eq 64 ]
	[ "${stderr_lines[0]}" = "$DTEE: unrecognised option '-z'" ]
	run --separate-stderr "$DTEE" -io
	[ "${stderr_lines[0]}" = "$DTEE: option '-o' requires an argument" ]
}

@test "parsing stops at the command: its options are its own" {
	run --separate-stderr "$DTEE" printf '%s|' -o -e --help
	[ "$status" -eq 0 ]
	[ "$output" = "-o|-e|--help|" ]
	[ ! -e -e ]
	run "$DTEE" -- printf '%s' --
	[ "$output" = "--" ]
}

@test "long options with = and as separate words, short options joined" {
	run "$DTEE" --out-overwrite=a --err-overwrite e -Cc sh -c 'echo out; echo err >&2'
	[ "$status" -eq 0 ]
	[ "$(cat a)" = out ]
	[ "$(cat e)" = err ]
	[ "$(cat c)" = "out
err" ]
}

@test "PROG in messages is argv[0] as invoked" {
	ln -s "$DTEE" ./mytee
	run --separate-stderr ./mytee -z
	[ "$status" -eq 64 ]
	[ "${stderr_lines[0]}" = "./mytee: unrecognised option '-z'" ]
	[ "${stderr_lines[1]}" = "Try './mytee -h' for more information." ]
}

# seccomp_mode: the Seccomp: field of the status of a command run by dtee
# with the environment as it is.
seccomp_mode() {
	"$DTEE" sh -c 'sed -n "s/^Seccomp:[[:space:]]*//p" /proc/self/status'
}

@test "DTEE_SECCOMP takes 1/0, yes/no, true/false, on/off; anything else is named and the default kept" {
	[ "$(sed -n 's/^Seccomp:[[:space:]]*//p' /proc/self/status)" = 0 ] ||
		skip "the tests already run under a seccomp filter"
	local v
	for v in 1 yes true on YES On; do
		[ "$(DTEE_SECCOMP=$v seccomp_mode 2>/dev/null)" = 2 ] || fail "DTEE_SECCOMP=$v: no filter"
	done
	for v in 0 no false off FALSE ''; do
		run --separate-stderr env DTEE_SECCOMP="$v" "$DTEE" sh -c 'sed -n "s/^Seccomp:[[:space:]]*//p" /proc/self/status'
		[ "$status" -eq 0 ] && [ "$output" = 0 ] && [ -z "$stderr" ] || fail "DTEE_SECCOMP=$v: $output $stderr"
	done
	run --separate-stderr env DTEE_SECCOMP=bogus "$DTEE" sh -c 'sed -n "s/^Seccomp:[[:space:]]*//p" /proc/self/status'
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
	[ "$stderr" = "$DTEE: DTEE_SECCOMP: invalid value 'bogus' (1/0, yes/no, true/false or on/off): ignored, off kept" ]
}

@test "a bad DTEE_COLOR is named and the command runs, without colour" {
	run --separate-stderr env DTEE_COLOR=bogus "$DTEE" -C all sh -c 'echo out; echo err >&2; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = out ]
	[ "$stderr" = "$DTEE: DTEE_COLOR: invalid value 'bogus' (never, auto or always): ignored
err" ]
	[ "$(cat all)" = "out
err" ]
}

# refused MESSAGE ARG...: dtee ARG... touch ran is a usage error: MESSAGE,
# the hint, exit 64, the command not run.
refused() {
	local message=$1
	shift
	run --separate-stderr "$DTEE" "$@" touch ran
	[ "$status" -eq 64 ] || fail "$*: exit $status"
	[ -z "$output" ]
	[ "$stderr" = "$DTEE: $message
Try '$DTEE -h' for more information." ] || fail "$*: $stderr"
	[ ! -e ran ]
}

@test "options with nothing to apply to are refused" {
	refused "--time-format: no -l or -L after it to apply to" --time-format=elapsed
	refused "--time-format: no -l or -L after it to apply to" -L log --time-format=elapsed
	refused "--log-format: no -l or -L after it to apply to" --log-format=json -C all
	refused "--log-format: no -l or -L after it to apply to" -L log --log-format=json
	refused "--priority: no --journal or --syslog to apply to" --priority=info,err -L log
	refused "--ident: no --journal or --syslog to apply to" --ident=job -C all
	refused "--force: no --attach to apply to" --force
	[ ! -e log ] && [ ! -e all ]
}

@test "--log-format and --time-format apply to the -l and -L after them" {
	"$DTEE" -L plain --log-format=json -L json1 -l json2 --log-format=text --time-format=elapsed -L elapsed \
		echo hi >/dev/null
	grep -Eq '^[0-9-]{10}T[0-9:.]{15}[+-][0-9:]{5} O: hi$' plain || fail "plain: $(cat plain)"
	grep -q '"text":"hi"}$' json1
	grep -q '"text":"hi"}$' json2
	grep -Eq '^[0-9]+\.[0-9]{6} O: hi$' elapsed || fail "elapsed: $(cat elapsed)"
}

@test "one file named by two options is opened once and gets both, in order" {
	run "$DTEE" -O same -E same sh -c 'echo a; echo b >&2; echo c'
	[ "$status" -eq 0 ]
	[ "$(cat same)" = "a
b
c" ]
	# The same file under another name, appending.
	ln -s same other
	"$DTEE" -e same -o other -c ./same sh -c 'echo d; echo e >&2' >/dev/null 2>&1
	[ "$(cat same)" = "a
b
c
d
e" ]
	# A device has no offset to share: named twice, it is opened twice.
	run "$DTEE" -o /dev/null -O /dev/null echo fine
	[ "$status" -eq 0 ] && [ "$output" = fine ]
}

@test "one file named to append and to overwrite, or as a log and raw, is refused untouched" {
	echo kept >same
	refused "same: named twice, once to append and once to overwrite" -o same -O same
	refused "./same: named twice, and a log (-l, -L) needs a file of its own" -L same -C ./same
	refused "new: named twice, and a log (-l, -L) needs a file of its own" -l new -l new
	[ "$(cat same)" = kept ]
	[ ! -e new ]
}

@test "every usage error ends with the same hint" {
	local args
	for args in "-z" "-o" "--bogus" "--out x" "--help=yes" "" "--color=sometimes" "--log-format=xml -L l" \
		"--time-format=%Q -L l" "--report-on=sometimes" "--report-limit=0" "--ignore-stderr=(" \
		"--attach=x" "--attach=1 true" "-q --attach=1" "--syslog=nosuch" "--priority=info" "--ident=" \
		"--time-format=elapsed"; do
		# shellcheck disable=SC2086 # one option a word
		run --separate-stderr "$DTEE" $args
		[ "$status" -eq 64 ] || fail "$args: exit $status"
		[ "${stderr_lines[-1]}" = "Try '$DTEE -h' for more information." ] || fail "$args: $stderr"
		[ "${#stderr_lines[@]}" -eq 2 ] || fail "$args: $stderr"
	done
	# Found after parsing: --attach to dtee itself.
	run --separate-stderr sh -c 'exec "$0" --attach=$$' "$DTEE"
	[ "$status" -eq 64 ] || fail "exit $status: $stderr"
	[[ "${stderr_lines[0]}" == "$DTEE: --attach="*": not a process dtee can attach to" ]] || fail "$stderr"
	[ "${stderr_lines[1]}" = "Try '$DTEE -h' for more information." ] || fail "$stderr"
}

@test "--help fits 79 columns; cronty's lists only what cron mode takes" {
	# Invoked by name, as from PATH: the usage lines hold the name.
	mkdir bin
	ln -s "$DTEE" bin/dtee
	ln -s "$DTEE" bin/cronty
	run --separate-stderr env PATH="$PWD/bin:$PATH" dtee --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Usage: dtee [OPTION]... [--] COMMAND [ARG]..." ]
	[ -z "$(awk 'length > 79' <<<"$output")" ] || fail "$(awk 'length > 79' <<<"$output")"
	[[ "$output" == *"--attach=PID"* && "$output" == *"--force"* ]]
	run --separate-stderr env PATH="$PWD/bin:$PATH" cronty --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Usage: cronty [OPTION]... [--] COMMAND [ARG]..." ]
	[ -z "$(awk 'length > 79' <<<"$output")" ] || fail "$(awk 'length > 79' <<<"$output")"
	[[ "$output" != *"--attach"* && "$output" != *"--force"* ]]
	[[ "$output" == *"--report-on=LIST"* ]]
	# What cronty's help leaves out, cron mode refuses.
	run --separate-stderr "$CRONTY" --attach=1
	[ "$status" -eq 64 ]
}

@test "the man pages render from the source tree, without warnings" {
	need_cmd man
	local page
	for page in dtee cronty; do
		MANWIDTH=80 man --warnings -l "$BATS_TEST_DIRNAME/../man/$page.1" >"$page.txt" 2>"$page.err" ||
			fail "$page.1: $(cat "$page.err")"
		[ ! -s "$page.err" ] || fail "$page.1: $(cat "$page.err")"
		! grep -n @ "$page.txt" || fail "$page.1 shows a placeholder"
		grep -q "^NAME" "$page.txt"
	done
	grep -q -- "--report-on=LIST" cronty.txt
	! grep -q -- "--attach" cronty.txt
	grep -q "^DIFFERENCES FROM DTEE 1.1" dtee.txt
}
