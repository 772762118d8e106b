#!/usr/bin/env bats
# libdtee.so on its own: what it exports, pure pass-through where it has
# nothing to do, return values and errno, and use under another launcher.

load common

setup() {
	common_setup
	need_built "$LIBDTEE"
}

@test "exports only the interposed functions" {
	nm -D --defined-only "$LIBDTEE" | awk '{print $3}' | sort >exported
	sed -n '/global:/,/local:/p' "$BATS_TEST_DIRNAME/../preload/libdtee.map" |
		tr -s ' \t;' '\n' | grep -v -e '^$' -e ':$' | sort >wanted
	diff -u wanted exported
}

# same_as_without CMD...: with stdout a file, then a pipe, CMD's output and
# its write system calls are the same with and without the library.
same_as_without() {
	local mode
	for mode in file pipe; do
		if [ $mode = file ]; then
			strace -f -qq -o plain.trace -e trace=write,writev,sendfile,sendto "$@" >plain.out 2>plain.err
			LD_PRELOAD=$LIBDTEE strace -f -qq -E LD_PRELOAD="$LIBDTEE" -o pre.trace \
				-e trace=write,writev,sendfile,sendto "$@" >pre.out 2>pre.err
		else
			strace -f -qq -o plain.trace -e trace=write,writev,sendfile,sendto "$@" 2>plain.err | cat >plain.out
			strace -f -qq -E LD_PRELOAD="$LIBDTEE" -o pre.trace \
				-e trace=write,writev,sendfile,sendto "$@" 2>pre.err | cat >pre.out
		fi
		cmp plain.out pre.out || fail "$mode: $*: output differs"
		cmp plain.err pre.err || fail "$mode: $*: stderr differs"
		sed 's/^ *[0-9]* //' plain.trace >a
		sed 's/^ *[0-9]* //' pre.trace >b
		diff -u a b >&2 || fail "$mode: $*: system calls differ"
	done
}

@test "pass-through: a file or a pipe as stdout sees the same output and write calls" {
	need_cmd strace
	local m
	for m in write writev fwrite puts printf dprintf sendfile; do
		same_as_without "$HELPERS/preload-big-write" $m 1 3000000
	done
	same_as_without "$HELPERS/preload-big-write-fortify" printf 1 3000000
	same_as_without "$HELPERS/preload-big-cout" 1 3000000
	same_as_without bash -c 'printf "%s\n" hello; echo world >&2'
}

@test "the printf output bound is never below vsnprintf's output, and knows the common formats" {
	run --separate-stderr "$HELPERS/preload-printf-bound"
	[ "$status" -eq 0 ] || fail "$stderr"
	[[ "$output" == *" cases, 0 failed" ]]
}

@test "return values and errno match the real calls" {
	LD_PRELOAD=$LIBDTEE "$HELPERS/preload-errno"
}

@test "works alone: LD_PRELOAD under another launcher with datagram sockets" {
	local want
	want=$(pattern_sum 1000000)
	# Default SO_SNDBUF (about 208 KiB): 1 MB fails without the library ...
	run -3 "$HELPERS/preload-dgram-run" -n "$HELPERS/preload-big-write" write 1 1000000
	# ... and arrives whole with it, from C stdio, printf and write.
	local m
	for m in write fwrite printf; do
		LD_PRELOAD=$LIBDTEE "$HELPERS/preload-dgram-run" -n -c all.log \
			"$HELPERS/preload-big-write" $m 1 1000000 >out.log
		[ "$(sum out.log)" = "$want" ] && [ "$(sum all.log)" = "$want" ] || fail "$m"
	done
	# A tiny SO_SNDBUF: chunks shrink to what fits.
	LD_PRELOAD=$LIBDTEE "$HELPERS/preload-dgram-run" -s 8192 \
		"$HELPERS/preload-big-write" writev 1 1000000 >out.log
	[ "$(sum out.log)" = "$want" ]
}

@test "a small SO_SNDBUF: splice from a pipe fails without the library (the test can fail)" {
	run -3 "$HELPERS/preload-dgram-run" -s 16384 "$HELPERS/preload-big-write" splice 1 1000000
}

@test "a small SO_SNDBUF: stdio pieces shrink to what fits too" {
	local want s m
	want=$(pattern_sum 1000000)
	for s in 8192 16384 32768; do
		for m in writev sendmsg pwritev2 splice fwrite fwrite_unlocked fputs fputs_unlocked puts printf vprintf dprintf \
			setvbuf setbuffer setbuf; do
			LD_PRELOAD=$LIBDTEE "$HELPERS/preload-dgram-run" -s $s \
				"$HELPERS/preload-big-write" $m 1 1000000 >out.log 2>err.log || true
			[ "$(sum out.log)" = "$want" ] || fail "SO_SNDBUF $s, $m: $(wc -c <out.log) bytes; $(head -c 200 err.log)"
		done
	done
}

@test "only the stdout/stderr sockets are split: dup(1) is, a program's own socket is not" {
	# dup(1) as fd 5, under a launcher: split like fd 1.
	LD_PRELOAD=$LIBDTEE "$HELPERS/preload-dgram-run" -n "$HELPERS/preload-cases" dup >out.log
	[ "$(wc -c <out.log)" -eq 1000000 ]
	# A socketpair of the program's own keeps EMSGSIZE: preload-errno checks
	# send, write and fprintf on one.
	LD_PRELOAD=$LIBDTEE "$HELPERS/preload-errno"
}

@test "non-blocking send on an fd reported as a stream fails with EAGAIN (Python sockets)" {
	need_cmd python3
	# socket.socket(fileno=1) asks SO_TYPE (SOCK_STREAM: the fd is adopted);
	# with nobody reading, a non-blocking send must raise, not wait.
	LD_PRELOAD=$LIBDTEE timeout 20 python3 -c '
import os, socket, sys
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
os.dup2(a.fileno(), 1)
s = socket.socket(fileno=1)
s.setblocking(False)
try:
    while True:
        s.send(b"x" * 1000)
except BlockingIOError:
    sys.exit(0)
'
}

@test "closefrom: the fd cache forgets what it closed" {
	LD_PRELOAD=$LIBDTEE "$HELPERS/preload-cases" closefrom
}

@test "printf to an fd above the cache (fd 5000) makes no system call per call" {
	need_cmd strace
	LD_PRELOAD=$LIBDTEE strace -f -qq -o trace -e trace=getsockopt,fstat,newfstatat,getsockname \
		-E LD_PRELOAD="$LIBDTEE" "$HELPERS/preload-cases" hifd
	# fdopen asks about fd 5000 once; 1000 fprintf()s ask nothing.
	[ "$(grep -c "(5000," trace)" -lt 3 ] || { grep "(5000," trace | head >&2; fail "$(grep -c "(5000," trace) calls on fd 5000"; }
}

@test "the split datagrams are modest (at most 128 KiB)" {
	need_cmd strace
	# LeakSanitizer (make asan) cannot run under ptrace.
	ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 \
		strace -f -qq -o trace -e trace=write "$DTEE" "$HELPERS/preload-big-write" write 1 20000000 >/dev/null
	awk '/= [0-9]+$/ && $NF + 0 > 131072 { bad = 1; print } END { exit bad }' trace
}
