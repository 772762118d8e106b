#!/usr/bin/env bats
# The launcher: order, files, exit statuses, the command's environment,
# temporary files, failures of outputs.

load common

# alphabet N: the first N bytes of "abc...z" repeated, as alternate writes.
alphabet() {
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "%c", 97 + i % 26 }'
}

# alphabet_part N PARITY: the bytes alternate writes to stdout (0) or stderr (1).
alphabet_part() {
	awk -v n="$1" -v p="$2" 'BEGIN { for (i = p; i < n; i += 2) printf "%c", 97 + i % 26 }'
}

@test "alternating single-byte writes keep their order: combined file and 2>&1" {
	"$DTEE" -C combined -O out -E err "$HELPERS/alternate" 4000 >both 2>&1
	[ "$(cat combined)" = "$(alphabet 4000)" ]
	[ "$(cat both)" = "$(alphabet 4000)" ]
	[ "$(cat out)" = "$(alphabet_part 4000 0)" ]
	[ "$(cat err)" = "$(alphabet_part 4000 1)" ]
}

@test "alternating writes keep their order through a pipe (2>&1 | cat)" {
	"$DTEE" "$HELPERS/alternate" 4000 2>&1 | cat >piped
	[ "$(cat piped)" = "$(alphabet 4000)" ]
}

@test "stdout and stderr on two descriptions of one file keep their order" {
	# Two opens of one file in append mode: not one description, one file.
	"$DTEE" "$HELPERS/alternate" 2000 >>same 2>>same
	[ "$(cat same)" = "$(alphabet 2000)" ]
}

@test "stdout and stderr to different files each get their own stream" {
	"$DTEE" "$HELPERS/alternate" 2000 >o 2>e
	[ "$(cat o)" = "$(alphabet_part 2000 0)" ]
	[ "$(cat e)" = "$(alphabet_part 2000 1)" ]
}

@test "a stdout or stderr on /dev/null is not written at all; the other gets its stream" {
	need_cmd strace
	ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 strace -qq -o trace -e trace=write,writev \
		"$DTEE" -C comb "$HELPERS/alternate" 2000 >/dev/null 2>err
	[ "$(cat err)" = "$(alphabet_part 2000 1)" ]
	[ "$(cat comb)" = "$(alphabet 2000)" ]
	! grep -E '^writev?\(1,' trace
	grep -qE '^writev?\(2,' trace
}

@test "-o and -O append to and overwrite stdout files, new and existing" {
	echo old >append; echo old >over
	"$DTEE" -o append -O over -o new-a -O new-o sh -c 'echo out; echo err >&2' 2>/dev/null
	[ "$(cat append)" = "old
out" ]
	[ "$(cat over)" = out ]
	[ "$(cat new-a)" = out ]
	[ "$(cat new-o)" = out ]
}

@test "-e and -E append to and overwrite stderr files, new and existing" {
	echo old >append; echo old >over
	"$DTEE" -e append -E over -e new-a -E new-o sh -c 'echo out; echo err >&2' >/dev/null
	[ "$(cat append)" = "old
err" ]
	[ "$(cat over)" = err ]
	[ "$(cat new-a)" = err ]
	[ "$(cat new-o)" = err ]
}

@test "-c and -C append to and overwrite combined files, new and existing" {
	echo old >append; echo old >over
	"$DTEE" -c append -C over -c new-a -C new-o sh -c 'echo 1; echo 2 >&2; echo 3' >/dev/null 2>&1
	[ "$(cat append)" = "old
1
2
3" ]
	for f in over new-a new-o; do
		[ "$(cat $f)" = "1
2
3" ]
	done
}

@test "several files per stream each get the whole stream" {
	"$DTEE" -O a1 -O a2 -o a3 -E b1 -e b2 -C c1 -C c2 "$HELPERS/alternate" 1000 >/dev/null 2>&1
	for f in a1 a2 a3; do [ "$(cat $f)" = "$(alphabet_part 1000 0)" ]; done
	for f in b1 b2; do [ "$(cat $f)" = "$(alphabet_part 1000 1)" ]; done
	for f in c1 c2; do [ "$(cat $f)" = "$(alphabet 1000)" ]; done
}

@test "created files get mode 0666 less the umask" {
	umask 027
	"$DTEE" -O f true
	[ "$(stat -c %a f)" = 640 ]
}

@test "exit statuses 0, 1, 42 and 255 are passed on" {
	for code in 0 1 42 255; do
		run "$DTEE" sh -c "exit $code"
		[ "$status" -eq "$code" ] || fail "exit $code gave $status"
	done
}

@test "a command killed by SIGTERM or SIGKILL: 143 and 137" {
	run "$DTEE" sh -c 'echo before; kill -TERM $$; echo after'
	[ "$status" -eq 143 ]
	[ "$output" = before ]
	run "$DTEE" sh -c 'kill -KILL $$'
	[ "$status" -eq 137 ]
}

@test "a command killed by SIGINT: dtee dies of SIGINT too, output complete" {
	"$HELPERS/waitstatus" "$DTEE" -O out sh -c 'echo before; kill -INT $$' 3>status >/dev/null
	[ "$(cat status)" = "signaled 2" ]
	[ "$(cat out)" = before ]
}

@test "an output file that cannot be opened: message, exit 73, command not run" {
	mkdir dir
	run --separate-stderr "$DTEE" -o ok -o dir -C missing/x touch ran
	[ "$status" -eq 73 ]
	[ "$stderr" = "$DTEE: dir: Is a directory
$DTEE: missing/x: No such file or directory" ]
	[ ! -e ran ]
	tmpdir_is_empty
}

@test "a command that is not found: message, exit 66" {
	run --separate-stderr "$DTEE" -E err no-such-command-dtee arg
	[ "$status" -eq 66 ]
	[ "$stderr" = "$DTEE: no-such-command-dtee: No such file or directory" ]
	[ "$(cat err)" = "$stderr" ]
}

@test "a command that is not executable: message, exit 66" {
	printf '#!/bin/sh\necho hi\n' >script
	chmod 644 script
	run --separate-stderr "$DTEE" ./script
	[ "$status" -eq 66 ]
	[ "$stderr" = "$DTEE: ./script: Permission denied" ]
}

@test "stdin reaches the command" {
	seq 1 10000 >input
	"$DTEE" cat <input >output
	cmp input output
}

@test "binary data round-trips byte-exact, NULs and a last line without newline" {
	head -c 3000000 /dev/urandom >data
	printf 'a\0b\377\376no newline' >>data
	"$DTEE" -O out -E err -C comb sh -c 'cat data; cat data >&2' >stdout 2>stderr
	want=$(sum data)
	for f in out err stdout stderr; do
		[ "$(sum $f)" = "$want" ] || fail "$f differs"
	done
	[ "$(sum comb)" = "$(cat data data | sum -)" ]
}

@test "an empty write writes nothing" {
	"$DTEE" -C comb "$HELPERS/writes" 1:a 1: 2: 2:b 1: >out 2>err
	[ "$(cat out)" = a ]
	[ "$(cat err)" = b ]
	[ "$(cat comb)" = ab ]
}

@test "the socket directory is gone before the command runs; nothing left after" {
	run "$DTEE" sh -c 'ls -A "$TMPDIR"'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	tmpdir_is_empty
}

@test "nothing is left in TMPDIR when dtee is killed" {
	mkfifo ready
	"$DTEE" sh -c 'echo $$ >ready; exec sleep 30' >/dev/null 3>&- &
	dtee_pid=$!
	read -r cmd <ready
	kill -KILL "$dtee_pid"
	wait "$dtee_pid" || true
	stop_pids "$cmd"
	rm ready
	tmpdir_is_empty
}

@test "a TMPDIR too long for a socket path falls back to /tmp" {
	long="$TMPDIR/$(printf 'x%.0s' $(seq 1 120))"
	mkdir -p "$long"
	TMPDIR=$long run "$DTEE" echo works
	[ "$status" -eq 0 ]
	[ "$output" = works ]
	[ -z "$(ls -A "$long")" ]
}

@test "a missing or empty TMPDIR falls back to /tmp" {
	TMPDIR=/nonexistent/dir run "$DTEE" echo works
	[ "$output" = works ]
	TMPDIR= run "$DTEE" echo works
	[ "$output" = works ]
	(unset TMPDIR; "$DTEE" echo works >out)
	[ "$(cat out)" = works ]
}

@test "no usable directory for sockets: message, exit 69" {
	# /tmp read-only in a mount namespace of its own; what is under it
	# (perhaps this very build) stays visible.
	TMPDIR=/nonexistent run --separate-stderr unshare -m sh -c \
		'mount --bind /tmp /tmp && mount -o remount,bind,ro /tmp || exit 200
		exec "$DTEE" echo x'
	[ "$status" -ne 200 ] || skip "cannot make a read-only /tmp here (needs unshare -m as root)"
	[ "$status" -eq 69 ]
	[[ "$stderr" == "$DTEE: cannot create a directory for sockets in TMPDIR or /tmp: Read-only file system" ]]
}

@test "-o /dev/full: one message, everything else flows, exit 74" {
	run --separate-stderr "$DTEE" -o /dev/full -C comb sh -c 'echo 1; echo 2; echo 3 >&2; echo 4'
	[ "$status" -eq 74 ]
	[ "$output" = "1
2
4" ]
	[ "$stderr" = "$DTEE: /dev/full: No space left on device
3" ]
	[ "$(cat comb)" = "1
2
3
4" ]
}

@test "dtee's own stdout failing: one message naming stdout, exit 74" {
	run --separate-stderr sh -c '"$DTEE" -O out echo hi >/dev/full'
	[ "$status" -eq 74 ]
	[ "$stderr" = "$DTEE: stdout: write: No space left on device" ]
	[ "$(cat out)" = hi ]
}

@test "output from a background grandchild written before the command exits" {
	mkfifo written
	run --separate-stderr "$DTEE" -C comb sh -c \
		'(echo grandchild; echo >written; exec sleep 10) & echo $! >bg.pid; read -r _ <written; echo parent' 3>&-
	stop_pids "$(cat bg.pid)"
	[ "$status" -eq 0 ]
	[ "$output" = "grandchild
parent" ]
	[ "$(cat comb)" = "grandchild
parent" ]
}

@test "dtee does not wait for background processes that keep the sockets" {
	# The command exits at once; its child sleeps with fd 1 and 2 open.
	run "$HELPERS/waitstatus" "$DTEE" sh -c 'sleep 30 & echo $! >bg.pid; echo started' 3>&-
	stop_pids "$(cat bg.pid)"
	[ "${lines[0]}" = started ]
	[ "${lines[1]}" = "exited 0" ]
}

@test "dtee ends even while a background process keeps writing and its stdout is slow" {
	need_cmd python3
	# yes never stops; dtee copies what was queued when the command ended
	# and does not chase what yes keeps adding.
	"$HELPERS/waitstatus" "$DTEE" -O out sh -c 'yes & exec head -c 1000000 /dev/zero' 3>status |
		python3 -c 'import sys, time
while sys.stdin.buffer.read(4096):
    time.sleep(0.001)'
	# yes ends by itself: with dtee gone, its writes fail.
	[ "$(cat status)" = "exited 0" ]
	[ "$(tr -d 'y\n' <out | wc -c)" -eq 1000000 ]
}

@test "a non-blocking stdout inherited from the parent still gets everything" {
	need_cmd python3
	head -c 4000000 /dev/urandom >data
	python3 -c 'import os, sys
os.set_blocking(1, False)
os.execvp(sys.argv[1], sys.argv[1:])' "$DTEE" -O file cat data | { sleep 0.3; cat; } >out
	[ "$(sum out)" = "$(sum data)" ]
	[ "$(sum file)" = "$(sum data)" ]
}

@test "the command gets no descriptor of dtee's, and the same fds as without it" {
	list='exec ls /proc/self/fd'
	without=$(sh -c "$list" 3>&-)
	run --separate-stderr "$DTEE" -O out -E err -C comb sh -c "$list" 3>&-
	[ "$output" = "$without" ] || fail "with dtee: [$output], without: [$without]"
}

@test "the send buffers are as large as the system allows without privileges" {
	need_cmd python3
	max=$(cat /proc/sys/net/core/wmem_max)
	run --separate-stderr "$DTEE" python3 -c 'import socket
for fd in (1, 2):
    s = socket.socket(fileno=fd)
    print(s.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF))
    s.detach()'
	[ "$status" -eq 0 ]
	# The kernel doubles what it grants, for its own bookkeeping.
	[ "${lines[0]}" -eq $((2 * max)) ]
	[ "${lines[1]}" -eq $((2 * max)) ]
	[ "${lines[0]}" -ge 8192 ]
}

@test "the command's fds 1 and 2 are datagram sockets, its stdin is dtee's" {
	run "$DTEE" sh -c 'readlink /proc/$$/fd/0 /proc/$$/fd/1' <"$BATS_TEST_FILENAME"
	[ "${lines[0]}" = "$BATS_TEST_FILENAME" ]
	[[ "${lines[1]}" == socket:* ]]
}

@test "signals are unblocked and dispositions as dtee inherited them" {
	need_cmd python3
	ignored='exec grep "^SigIgn" /proc/self/status'
	blocked='exec grep "^SigBlk" /proc/self/status'
	without=$(sh -c "$ignored")
	# (not $i: bats's run uses it)
	for opt in "" -i; do
		run --separate-stderr "$DTEE" $opt sh -c "$ignored"
		[ "$output" = "$without" ] || fail "dtee $opt: [$output], without: [$without]"
		run --separate-stderr "$DTEE" $opt sh -c "$blocked"
		[ "$output" = "SigBlk:	0000000000000000" ] || fail "dtee $opt: [$output]"
	done
	# Signals blocked in dtee's parent are not blocked in the command.
	run --separate-stderr python3 -c 'import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGUSR1})
os.execvp(sys.argv[1], sys.argv[1:])' "$DTEE" sh -c "$blocked"
	[ "$output" = "SigBlk:	0000000000000000" ]
}

@test "-i: dtee ignores SIGINT, the command ends normally, output complete" {
	mkfifo ready go
	"$HELPERS/waitstatus" "$DTEE" -i -O out sh -c 'echo one; echo $PPID >ready; read -r _ <go; echo two' 3>status &
	waiter=$!
	read -r dtee_pid <ready
	kill -INT "$dtee_pid"
	echo >go
	wait "$waiter"
	[ "$(cat status)" = "exited 0" ]
	[ "$(cat out)" = "one
two" ]
}

@test "without -i, SIGINT to dtee ends it like tee" {
	mkfifo ready
	"$HELPERS/waitstatus" "$DTEE" -O out sh -c 'echo one; echo $$ $PPID >ready; exec sleep 30' 3>status >/dev/null &
	waiter=$!
	read -r cmd dtee_pid <ready
	kill -INT "$dtee_pid"
	wait "$waiter"
	stop_pids "$cmd"
	[ "$(cat status)" = "signaled 2" ]
}
