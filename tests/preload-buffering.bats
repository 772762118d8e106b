#!/usr/bin/env bats
# libdtee.so and the order as printed, for C and C++ programs.  The
# launcher sets _DTEE_STDOUT: F when no one watches (dtee's stdout and
# stderr are not terminals): the program's own buffering, with stdout
# flushed before anything it writes to stderr; L with --line-buffering (or
# a terminal, or a timed log): stdout line-buffered from the start, and a
# program's own setvbuf wins.  Either way only when fd 1 is dtee's socket.

load common

setup() {
	common_setup
	unset _DTEE_STDOUT
	[ -x "$DTEE" ] && [ -f "$LIBDTEE" ] || skip "build/dtee and build/libdtee.so are needed"
}

INTERLEAVED=$'out 0\nerr 0\nout 1\nerr 1\nout 2\nerr 2'
STDERR_FIRST=$'err 0\nerr 1\nerr 2\nout 0\nout 1\nout 2'

# combined [DTEE-OPTION] -- CMD...: CMD under dtee, its stdout and stderr
# not terminals; prints the -C file.
combined() {
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	"$DTEE" "${opts[@]}" -C all.log -- "$@" >/dev/null 2>&1 3>&- || fail "$* exited $?"
	cat all.log
}

@test "not watched: printf and fprintf(stderr) in the order printed" {
	run combined -- "$HELPERS/preload-order"
	[ "$output" = "$INTERLEAVED" ] || fail "got: $output"
	run combined --line-buffering -- "$HELPERS/preload-order"
	[ "$output" = "$INTERLEAVED" ] || fail "line-buffered: $output"
}

@test "not watched: C++ cout with cerr, and with clog (synced with stdio), in the order printed" {
	run combined -- "$HELPERS/preload-order-cout"
	[ "$output" = "$INTERLEAVED" ] || fail "cerr: $output"
	run combined -- "$HELPERS/preload-order-cout" clog
	[ "$output" = "$INTERLEAVED" ] || fail "clog: $output"
	run combined --line-buffering -- "$HELPERS/preload-order-cout"
	[ "$output" = "$INTERLEAVED" ] || fail "line-buffered: $output"
}

@test "not watched: write(2) on fd 2, perror and warnx after a buffered printf, in the order printed" {
	run combined -- "$HELPERS/preload-order" write
	[ "$output" = "$INTERLEAVED" ] || fail "write: $output"
	run combined -- "$HELPERS/preload-order" perror
	[ "$output" = "out 0
err 0: Numerical argument out of domain
out 1
err 1: Numerical argument out of domain
out 2
preload-order: err 2" ] || fail "perror: $output"
}

@test "a program that calls setvbuf(stdout, _IOFBF) itself: kept, flushed before stderr; line-buffered mode: its choice wins" {
	run combined -- "$HELPERS/preload-order" full
	[ "$output" = "$INTERLEAVED" ] || fail "got: $output"
	run combined --line-buffering -- "$HELPERS/preload-order" full
	[ "$output" = "$STDERR_FIRST" ] || fail "line-buffered: $output"
}

@test "not watched: stdout keeps its buffer, one write per switch of streams, not one per line" {
	need_cmd strace
	# 50 lines, then stderr, then a line: two writes on fd 1, in order.
	"$DTEE" -C all.log -- strace -qq -e trace=write -o trace "$HELPERS/preload-order" block >/dev/null 2>&1
	[ "$(grep -c '^write(1,' trace)" = 2 ] || fail "$(cat trace)"
	[ "$(sed -n '50,$p' all.log | tr '\n' ' ')" = "l50 e last " ] || fail "$(cat all.log)"
	# Line-buffered: a write per line.
	"$DTEE" --line-buffering -C all.log -- strace -qq -e trace=write -o trace "$HELPERS/preload-order" block >/dev/null 2>&1
	[ "$(grep -c '^write(1,' trace)" = 51 ] || fail "line-buffered: $(cat trace)"
	"$DTEE" -C all.log -- strace -qq -e trace=write -o trace \
		perl -e 'print "l$_\n" for 1..50; print STDERR "e\n"' >/dev/null 2>&1
	[ "$(grep -c '^write(1,' trace)" = 1 ] || fail "perl: $(cat trace)"
	[ "$(sed -n '50,$p' all.log | tr '\n' ' ')" = "l50 e " ] || fail "perl: $(cat all.log)"
}

@test "fork after a buffered printf: the child prints nothing the program alone would not" {
	"$HELPERS/preload-order" fork 2>&1 | sort >alone
	run combined -- "$HELPERS/preload-order" fork
	[ "$output" = "$INTERLEAVED" ] || fail "got: $output"
	printf '%s\n' "$output" | sort | cmp - alone
}

@test "without _DTEE_STDOUT, or with another value, stdout keeps glibc's full buffering" {
	local v
	"$DTEE" -C all.log -- env -u _DTEE_STDOUT "$HELPERS/preload-order" >/dev/null 2>&1
	[ "$(cat all.log)" = "$STDERR_FIRST" ] || fail "unset: $(cat all.log)"
	for v in l f 1 ''; do
		"$DTEE" -C all.log -- env _DTEE_STDOUT="$v" "$HELPERS/preload-order" >/dev/null 2>&1
		[ "$(cat all.log)" = "$STDERR_FIRST" ] || fail "_DTEE_STDOUT='$v': $(cat all.log)"
	done
}

@test "a stale _DTEE_STDOUT (stdout a file or a pipe) changes nothing" {
	local v
	for v in L F; do
		_DTEE_STDOUT=$v LD_PRELOAD=$LIBDTEE "$HELPERS/preload-order" >both.txt 2>&1
		[ "$(cat both.txt)" = "$STDERR_FIRST" ] || fail "$v, file: $(cat both.txt)"
		_DTEE_STDOUT=$v LD_PRELOAD=$LIBDTEE "$HELPERS/preload-order" 2>&1 | cat >both.txt
		[ "$(cat both.txt)" = "$STDERR_FIRST" ] || fail "$v, pipe: $(cat both.txt)"
	done
}
