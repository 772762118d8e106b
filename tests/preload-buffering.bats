#!/usr/bin/env bats
# libdtee.so's line buffering: with _DTEE_STDOUT=L in its environment (the
# launcher sets it unless --keep-buffering; set by hand here) and fd 1
# dtee's stdout socket, glibc's stdout is line-buffered from the start, so
# the combined file shows the order the program printed in, as a terminal
# would.  A program's own setvbuf wins.

load common

setup() {
	common_setup
	[ -x "$DTEE" ] && [ -f "$LIBDTEE" ] || skip "build/dtee and build/libdtee.so are needed"
}

INTERLEAVED=$'out 0\nerr 0\nout 1\nerr 1\nout 2\nerr 2'
STDERR_FIRST=$'err 0\nerr 1\nerr 2\nout 0\nout 1\nout 2'

# combined CMD...: CMD under dtee with _DTEE_STDOUT=L; prints the -C file.
combined() {
	_DTEE_STDOUT=L "$DTEE" -C all.log -- "$@" >/dev/null 2>&1 3>&- || fail "$* exited $?"
	cat all.log
}

@test "printf and fprintf(stderr) arrive in the order printed" {
	run combined "$HELPERS/preload-order"
	[ "$output" = "$INTERLEAVED" ] || fail "got: $output"
}

@test "C++ cout and cerr (synced with stdio) arrive in the order printed" {
	run combined "$HELPERS/preload-order-cout"
	[ "$output" = "$INTERLEAVED" ] || fail "got: $output"
}

@test "a program that calls setvbuf(stdout, _IOFBF) itself keeps full buffering" {
	run combined "$HELPERS/preload-order" full
	[ "$output" = "$STDERR_FIRST" ] || fail "got: $output"
}

@test "without _DTEE_STDOUT=L, or with another value, stdout keeps glibc's full buffering" {
	local v
	"$DTEE" -C all.log -- env -u _DTEE_STDOUT "$HELPERS/preload-order" >/dev/null 2>&1
	[ "$(cat all.log)" = "$STDERR_FIRST" ] || fail "unset: $(cat all.log)"
	for v in F l 1 ''; do
		_DTEE_STDOUT=$v "$DTEE" -C all.log -- env _DTEE_STDOUT="$v" "$HELPERS/preload-order" >/dev/null 2>&1
		[ "$(cat all.log)" = "$STDERR_FIRST" ] || fail "_DTEE_STDOUT='$v': $(cat all.log)"
	done
}

@test "a stale _DTEE_STDOUT=L (stdout a file or a pipe) changes nothing" {
	_DTEE_STDOUT=L LD_PRELOAD=$LIBDTEE "$HELPERS/preload-order" >both.txt 2>&1
	[ "$(cat both.txt)" = "$STDERR_FIRST" ] || fail "file: $(cat both.txt)"
	_DTEE_STDOUT=L LD_PRELOAD=$LIBDTEE "$HELPERS/preload-order" 2>&1 | cat >both.txt
	[ "$(cat both.txt)" = "$STDERR_FIRST" ] || fail "pipe: $(cat both.txt)"
}
