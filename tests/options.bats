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
