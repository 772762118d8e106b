#!/usr/bin/env bats
# libdtee.so under concurrency: threads, signal handlers that write, fork in
# a threaded program.  Blocks of 5 MB: larger than dtee's 4 MiB SO_SNDBUF,
# so every one is split.  A deadlock would hit BATS_TEST_TIMEOUT.

load common

setup() {
	common_setup
	need_built "$DTEE" "$LIBDTEE"
}

SIZE=5000000

@test "threads: concurrent large writes each arrive whole" {
	"$DTEE" -O out.log -C all.log -- "$HELPERS/preload-threads" threads 4 3 $SIZE >stdout.log
	printf 'A 3\nB 3\nC 3\nD 3\n' >want
	"$HELPERS/preload-threads" check $SIZE <out.log | diff -u want -
	"$HELPERS/preload-threads" check $SIZE <all.log | diff -u want -
	"$HELPERS/preload-threads" check $SIZE <stdout.log | diff -u want -
}

@test "threads: also with the default SO_SNDBUF under another launcher" {
	LD_PRELOAD=$LIBDTEE "$HELPERS/preload-dgram-run" -n \
		"$HELPERS/preload-threads" threads 6 5 1000000 >out.log
	printf 'A 5\nB 5\nC 5\nD 5\nE 5\nF 5\n' >want
	"$HELPERS/preload-threads" check 1000000 <out.log | diff -u want -
}

@test "signal handler writing large blocks during a large write" {
	"$DTEE" -O out.log -e err.log -- "$HELPERS/preload-threads" signal 10 $SIZE 300000 >/dev/null
	local handled
	handled=$(sed -n 's/^handled //p' err.log)
	[ "$handled" -gt 0 ] || fail "no signal arrived during the writes"
	# Every byte of the main writes, in order, once the handler's are removed.
	tr -d s <out.log | "$HELPERS/preload-threads" check $SIZE | diff -u <(echo 'M 10') -
	[ "$(tr -cd s <out.log | wc -c)" -eq $((handled * 300000)) ]
}

@test "fork in a threaded program: the child's large writes are not blocked" {
	"$DTEE" -O out.log -- "$HELPERS/preload-threads" fork 3 3 $SIZE >/dev/null
	printf 'A %d\nB %d\nC %d\nz %d\n' $((3 * (SIZE - 1))) $((3 * (SIZE - 1))) \
		$((3 * (SIZE - 1))) $((5 * 3 * (SIZE - 1))) >want
	"$HELPERS/preload-threads" count <out.log | diff -u want -
}

@test "_Fork (no atfork handlers): a stale lock owner is detected" {
	"$DTEE" -O out.log -- "$HELPERS/preload-threads" fork 3 3 $SIZE raw >/dev/null
	printf 'A %d\nB %d\nC %d\nz %d\n' $((3 * (SIZE - 1))) $((3 * (SIZE - 1))) \
		$((3 * (SIZE - 1))) $((5 * 3 * (SIZE - 1))) >want
	"$HELPERS/preload-threads" count <out.log | diff -u want -
}

@test "threads: a slow reader (over 5 s) does not let large writes interleave" {
	BATS_TEST_TIMEOUT=60
	# dtee's stdout is a pipe read after 6 s: the writers block in the
	# kernel; the one waiting for the split lock must keep waiting.
	"$DTEE" -O out.log -- "$HELPERS/preload-threads" threads 2 1 $SIZE | (sleep 6; cat) >stdout.log
	printf 'A 1\nB 1\n' >want
	"$HELPERS/preload-threads" check $SIZE <out.log | diff -u want -
	"$HELPERS/preload-threads" check $SIZE <stdout.log | diff -u want -
}

@test "siglongjmp out of a split write: other threads wait for its lock once at most" {
	BATS_TEST_TIMEOUT=60
	LD_PRELOAD=$LIBDTEE "$HELPERS/preload-cases" longjmp
}

# inside_stays_whole HOW FD_A SIZE_A FD_B SIZE_B: thread A writes SIZE_A
# bytes in one call; thread B, once A is seen sending a piece of it, writes
# SIZE_B bytes in one call.  Each write is one run in the -C file, A's
# first (B waited), and on its own stream.  A run where A's write was over
# before B saw it (status 75) proves nothing and is made again.
inside_stays_whole() {
	local how=$1 fda=$2 sa=$3 fdb=$4 sb=$5 rc tries=0
	while :; do
		rc=0
		"$DTEE" -O out.log -E err.log -C all.log -- \
			"$HELPERS/preload-threads" inside "$how" "$fda" "$sa" "$fdb" "$sb" >/dev/null 2>stderr.log 3>&- || rc=$?
		[ "$rc" -eq 75 ] && [ $((tries += 1)) -lt 10 ] && continue
		[ "$rc" -eq 0 ] || fail "$*: exited $rc: $(tail -c 300 stderr.log)"
		break
	done
	[ "$("$HELPERS/preload-threads" runs <all.log)" = "$(printf 'A %d\nB %d' "$sa" "$sb")" ] ||
		fail "$*: -C file: $("$HELPERS/preload-threads" runs <all.log | head -5 | tr '\n' ' ')"
	local a=out.log b=out.log
	[ "$fda" = 2 ] && a=err.log
	[ "$fdb" = 2 ] && b=err.log
	[ "$(tr -cd A <"$a" | wc -c)" -eq $((sa - 1)) ] && [ "$(tr -cd B <"$b" | wc -c)" -eq $((sb - 1)) ] ||
		fail "$*: a stream got the wrong bytes"
}

@test "a write made while another thread's split write is sent waits until it is whole" {
	# 20 MB is split; 3 MB fits one datagram, 100 bytes takes the fast path.
	inside_stays_whole write 1 20000000 2 3000000
	inside_stays_whole write 2 20000000 1 3000000
	inside_stays_whole write 1 20000000 1 3000000
	inside_stays_whole write 2 20000000 1 100
}

@test "a sendfile made while another thread's split write is sent waits too" {
	inside_stays_whole sendfile 1 20000000 2 3000000
}

@test "two 5 MB fwrite()s from two threads stay whole, and a small one waits" {
	inside_stays_whole fwrite 1 5000000 2 5000000
	inside_stays_whole fwrite 2 5000000 1 5000000
	inside_stays_whole fwrite 1 5000000 2 100
}
