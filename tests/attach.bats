#!/usr/bin/env bats
# dtee --attach=PID: a running process's fds 1 and 2 are taken over with
# ptrace and given back. Writers: tests/helpers/attach-writer (numbered lines,
# "o N" on stdout and "e N+1" on stderr, or per-thread "T N"), a shell loop,
# a 32-bit program; attach-hold plays another tracer; attach-nopidfd plays a
# kernel without pidfd_getfd.

load common

setup() {
	common_setup
	W="$BATS_TEST_TMPDIR/w"	# the writer's directory: pid, stop, failed
	mkdir -p "$W"
	PIDS=()
	SHARED=
	# A background job of a non-interactive shell starts with SIGINT
	# ignored, and dtee keeps an ignored signal ignored: give it back.
	DTEE_BG=(env --default-signal=INT "$DTEE")
}

teardown() {
	touch "$W/stop" 2>/dev/null || true
	[ -n "$SHARED" ] && touch "$SHARED/w/stop" 2>/dev/null
	# Writers end on their own once asked (within a few ms); what is
	# left after a second is killed, by the pid recorded.
	local p i
	for ((i = 0; i < 50; i++)); do
		for p in "${PIDS[@]}"; do
			kill -0 "$p" 2>/dev/null && break
		done
		kill -0 "$p" 2>/dev/null || break
		sleep 0.02
	done
	stop_pids -KILL "${PIDS[@]}"
	[ -z "$SHARED" ] || rm -rf "$SHARED"
}

# wait_until CMD...: poll CMD until it succeeds; fail after 30 s.
wait_until() {
	local i
	for ((i = 0; i < 1500; i++)); do
		"$@" && return 0
		sleep 0.02
	done
	fail "timed out waiting for: $*"
}

lines() { [ -e "$1" ] && wc -l <"$1" || echo 0; }
has_lines() { [ "$(lines "$1")" -ge "$2" ]; }
fd_is() { [ "$(readlink "/proc/$1/fd/$2")" = "$3" ]; }
fd_is_socket() { [[ "$(readlink "/proc/$1/fd/$2")" == socket:* ]]; }
fd_is_not() { ! fd_is "$@"; }

# start_writer DIR [ARGS]... with the caller's redirections: WPID once the
# writer has said it is running.
start_writer() {
	local dir=$1
	shift
	"$HELPERS/attach-writer" "$@" "$dir" 3>&- &
	wait_until [ -s "$dir/pid" ]
	WPID=$(cat "$dir/pid")
	PIDS+=("$WPID")
}

# attach PID [ARGS]...: dtee --attach in the background with -C all.log
# -O out.log -E err.log; DPID; returns once PID's fds 1 and 2 are dtee's
# sockets and all.log has 20 lines.
attach() {
	local pid=$1
	shift
	"${DTEE_BG[@]}" --attach="$pid" -C all.log -O out.log -E err.log "$@" 2>dtee.err 3>&- &
	DPID=$!
	PIDS+=("$DPID")
	wait_until fd_is_socket "$pid" 1
	wait_until fd_is_socket "$pid" 2
	wait_until has_lines all.log 20
}

# dtee_ends_with STATUS: dtee exits STATUS, having said nothing.
dtee_ends_with() {
	local rc=0
	wait "$DPID" || rc=$?
	[ "$rc" -eq "$1" ] || fail "dtee exited $rc, expected $1: $(cat dtee.err)"
	[ ! -s dtee.err ] || fail "dtee said: $(cat dtee.err)"
}

# detach_with SIG: signal dtee; it puts the fds back and exits 0.
detach_with() {
	kill -"$1" "$DPID"
	dtee_ends_with 0
}

# stop_writer: ask the writer to end; wait until it has (its failed-write
# count is written last).
stop_writer() {
	touch "$W/stop"
	wait_until [ -s "$W/failed" ]
	wait_until [ ! -e "/proc/$WPID" ]
}

# consecutive FILE [FIRST]: FILE's lines are "o N"/"e N", N counting up by
# one from FIRST (else from its first line), "o" on even N, "e" on odd.
consecutive() {
	awk -v first="${2-}" '
		NR == 1 && first == "" { first = $2 }
		{
			want = first + NR - 1
			tag = want % 2 ? "e" : "o"
			if ($2 != want || $1 != tag) { printf "%s line %d: %s, expected %s %d\n", FILENAME, NR, $0, tag, want; exit 1 }
		}
		END { if (NR == 0) { print FILENAME ": empty"; exit 1 } }' "$1"
}

# in_order_after_attach ORIG: all.log is one unbroken run of ORIG's lines
# (everything from the attach to its end, in order); out.log and err.log
# are its stdout and stderr lines.
in_order_after_attach() {
	local orig=$1
	consecutive all.log
	local first last
	first=$(head -n1 all.log | cut -d' ' -f2)
	last=$(tail -n1 all.log | cut -d' ' -f2)
	sed -n "$((first + 1)),$((last + 1))p" "$orig" | cmp - all.log
	diff <(grep '^o ' all.log) out.log
	diff <(grep '^e ' all.log) err.log
}

@test "attach to a writer into a file: the files get everything after the attach, in order; SIGINT puts its fds back" {
	start_writer "$W" >orig.log 2>&1
	local orig="$BATS_TEST_TMPDIR/orig.log"
	attach "$WPID"
	detach_with INT
	fd_is "$WPID" 1 "$orig"
	fd_is "$WPID" 2 "$orig"
	[ -z "$(grep -s TracerPid: "/proc/$WPID/status" | grep -v '	0$')" ]
	# Its later output goes to the file only.
	local n copied
	n=$(lines orig.log)
	copied=$(lines all.log)
	wait_until has_lines orig.log $((n + 40))
	stop_writer
	[ "$(cat "$W/failed")" = 0 ]
	[ "$(lines all.log)" -eq "$copied" ]
	consecutive orig.log 0
	in_order_after_attach orig.log
	[ "$(tail -n1 orig.log | cut -d' ' -f2)" -gt "$(tail -n1 all.log | cut -d' ' -f2)" ]
}

@test "attach to a writer into a pipe: order kept in the pipe and in the files" {
	"$HELPERS/attach-writer" "$W" 2>&1 3>&- | cat >orig.log 3>&- &
	PIDS+=($!)
	wait_until [ -s "$W/pid" ]
	WPID=$(cat "$W/pid")
	PIDS+=("$WPID")
	local pipe
	pipe=$(readlink "/proc/$WPID/fd/1")
	[[ "$pipe" == pipe:* ]]
	attach "$WPID"
	detach_with INT
	fd_is "$WPID" 1 "$pipe"
	fd_is "$WPID" 2 "$pipe"
	local n
	n=$(lines orig.log)
	wait_until has_lines orig.log $((n + 40))
	stop_writer
	wait_until [ "$(tail -n1 orig.log | cut -d' ' -f2)" = "$(($(lines orig.log) - 1))" ]
	consecutive orig.log 0
	in_order_after_attach orig.log
}

@test "attach to a writer on a terminal (script): the terminal still gets everything" {
	command -v script >/dev/null || skip "needs script(1) (util-linux)"
	script -qfec "$HELPERS/attach-writer $W" typescript </dev/null >/dev/null 2>&1 3>&- &
	local spid=$!
	PIDS+=("$spid")
	wait_until [ -s "$W/pid" ]
	WPID=$(cat "$W/pid")
	PIDS+=("$WPID")
	local tty
	tty=$(readlink "/proc/$WPID/fd/1")
	[[ "$tty" == /dev/pts/* ]]
	attach "$WPID"
	detach_with INT
	fd_is "$WPID" 1 "$tty"
	fd_is "$WPID" 2 "$tty"
	stop_writer
	wait "$spid" || true	# script has copied everything once it ends
	tr -d '\r' <typescript | grep -E '^[oe] [0-9]+$' >orig.log
	consecutive orig.log 0
	in_order_after_attach orig.log
}

@test "attach to a shell loop; detach with SIGTERM" {
	bash -c 'i=0; while [ ! -e "$1/stop" ]; do echo "o $i"; echo "e $((i + 1))" >&2; i=$((i + 2)); sleep 0.002; done' \
		loop "$W" >orig.log 2>&1 3>&- &
	WPID=$!
	PIDS+=("$WPID")
	# Its redirections are made once it has started: wait for them.
	wait_until has_lines orig.log 2
	attach "$WPID"
	detach_with TERM
	fd_is "$WPID" 1 "$BATS_TEST_TMPDIR/orig.log"
	fd_is "$WPID" 2 "$BATS_TEST_TMPDIR/orig.log"
	local n
	n=$(lines orig.log)
	wait_until has_lines orig.log $((n + 20))
	touch "$W/stop"
	wait_until [ ! -e "/proc/$WPID" ]
	consecutive orig.log 0
	in_order_after_attach orig.log
}

@test "the process ends while attached: dtee copies everything and exits with its status" {
	start_writer "$W" >orig.log 2>&1
	attach "$WPID"
	touch "$W/stop"
	dtee_ends_with 7	# attach-writer's
	[ "$(cat "$W/failed")" = 0 ]
	consecutive orig.log 0
	in_order_after_attach orig.log
	# Everything up to its last write.
	[ "$(tail -n1 all.log)" = "$(tail -n1 orig.log)" ]
}

# start_loop: a shell loop writing "o N" and "e N+1" to orig.log, which
# says "last" and exits 7 once $W/stop exists; WPID once it writes.
start_loop() {
	bash -c 'i=0; while [ ! -e "$1/stop" ]; do echo "o $i"; echo "e $((i + 1))" >&2; i=$((i + 2)); sleep 0.002; done
		echo last; exit 7' loop "$W" >orig.log 2>&1 3>&- &
	WPID=$!
	PIDS+=("$WPID")
	wait_until has_lines orig.log 2
}

@test "the process exits 7 while attached: dtee exits 7, and the log says so" {
	start_loop
	attach "$WPID" -L log
	touch "$W/stop"
	# The shell reaps the loop as it waits for dtee (any child will do).
	dtee_ends_with 7
	[ "$(tail -n 1 all.log)" = last ]
	[ "$(head -n 1 log | cut -d' ' -f2-)" = "I: Attached to process $WPID" ]
	[ "$(tail -n 1 log | cut -d' ' -f2-)" = "I: Finished with exitcode 7" ]
}

@test "the process is killed by SIGTERM while attached: dtee exits 143, and the log says so" {
	start_loop
	attach "$WPID" --log-format=json -L log
	kill -TERM "$WPID"
	dtee_ends_with 143
	python3 - log <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert r[0]["event"] == "start" and r[0]["attach"] > 0, r[0]
assert r[-1]["event"] == "end" and r[-1]["exit_code"] == "killed" and r[-1]["signal"] == 15, r[-1]
PY
}

@test "a kernel without PIDFD_INFO_EXIT (before 6.15): dtee says so once and exits 0" {
	need_built "$HELPERS/attach-noexitinfo"
	start_loop
	"$HELPERS/attach-noexitinfo" env --default-signal=INT "$DTEE" --attach="$WPID" -C all.log -L log 2>dtee.err 3>&- &
	DPID=$!
	PIDS+=("$DPID")
	wait_until fd_is_socket "$WPID" 1
	touch "$W/stop"
	local rc=0
	wait "$DPID" || rc=$?
	[ "$rc" -eq 0 ] || fail "dtee exited $rc: $(cat dtee.err)"
	[ "$(cat dtee.err)" = "$DTEE: --attach: the process has ended; this kernel cannot tell how (Linux 6.15 can): exit 0" ]
	[ "$(tail -n 1 all.log)" = last ]
	[ "$(tail -n 1 log | cut -d' ' -f2-)" = "I: Finished, exit status unknown" ]
}

@test "a process whose parent reads its socket to the end, then reaps it: all of it reaches the parent, dtee exits with its status" {
	BATS_TEST_TIMEOUT=60
	local how
	# "eof": the parent reads until EOF, then waits (subprocess.communicate
	# does so), which it can only do once dtee lets go of its copies.
	# "wait": a thread reads while the parent reaps at once, so the
	# process is gone while dtee still passes on its last lines (as root,
	# sent as the process: its pid then names nobody).
	for how in eof wait; do
		rm -f "$W/pid" "$W/got" "$W/go" copy.log
		mkfifo "$W/go"
		python3 -c 'import socket, subprocess, sys, threading
how, w = sys.argv[1], sys.argv[2]
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
p = subprocess.Popen(["sh", "-c", "read x <\"$0/go\"; for i in 1 2 3 4 5 6 7; do echo line$i; done; exit 3", w],
                     stdout=b, stderr=b)
b.close()
open(w + "/pid", "w").write("%d\n" % p.pid)
got = []
def read():
    while True:
        d = a.recv(65536)
        if not d:
            break
        got.append(d)
if how == "eof":
    read()
    rc = p.wait()
else:
    t = threading.Thread(target=read)
    t.start()
    rc = p.wait()
    t.join()
open(w + "/got", "wb").write(b"".join(got) + b"rc %d\n" % rc)' "$how" "$W" 3>&- &
		PIDS+=("$!")
		wait_until [ -s "$W/pid" ]
		WPID=$(cat "$W/pid")
		# Its fd 1 is a socket already: attached once it is another one.
		local own
		own=$(readlink "/proc/$WPID/fd/1")
		"${DTEE_BG[@]}" --attach="$WPID" -o copy.log 2>dtee.err 3>&- &
		DPID=$!
		PIDS+=("$DPID")
		wait_until fd_is_not "$WPID" 1 "$own"
		echo >"$W/go"
		local rc=0
		wait "$DPID" || rc=$?
		[ "$rc" -eq 3 ] || fail "$how: dtee exited $rc: $(cat dtee.err)"
		[ ! -s dtee.err ] || fail "$how: $(cat dtee.err)"
		wait_until [ -s "$W/got" ]
		[ "$(cat "$W/got")" = "$(printf 'line%d\n' 1 2 3 4 5 6 7; echo rc 3)" ] || fail "$how: the parent got $(cat "$W/got")"
		[ "$(cat copy.log)" = "$(printf 'line%d\n' 1 2 3 4 5 6 7)" ]
	done
}

@test "a process its parent never reaps: dtee says its status is unknown and exits 0" {
	# The parent forks the loop, then waits for nothing.
	python3 -c 'import os, signal, sys
pid = os.fork()
if pid == 0:
    os.execvp("bash", ["bash", "-c", "i=0; while [ ! -e \"$1/stop\" ]; do echo \"o $i\"; echo \"e $((i + 1))\" >&2; i=$((i + 2)); sleep 0.002; done; exit 7", "loop", sys.argv[1]])
open(sys.argv[1] + "/pid", "w").write("%d\n" % pid)
signal.pause()' "$W" >orig.log 2>&1 3>&- &
	PIDS+=("$!")
	wait_until [ -s "$W/pid" ]
	WPID=$(cat "$W/pid")
	PIDS+=("$WPID")
	wait_until has_lines orig.log 2
	attach "$WPID"
	touch "$W/stop"
	local rc=0
	wait "$DPID" || rc=$?
	[ "$rc" -eq 0 ] || fail "dtee exited $rc: $(cat dtee.err)"
	[ "$(cat dtee.err)" = "$DTEE: --attach: the process has ended, but its parent has not reaped it: its exit status is unknown, exit 0" ]
}

@test "dtee killed by SIGKILL: the helper puts the process's fds back; its output reaches the file" {
	start_writer "$W" >orig.log 2>&1
	attach "$WPID"
	kill -KILL "$DPID"
	wait_until fd_is "$WPID" 1 "$BATS_TEST_TMPDIR/orig.log"
	wait_until fd_is "$WPID" 2 "$BATS_TEST_TMPDIR/orig.log"
	local n
	n=$(lines orig.log)
	wait_until has_lines orig.log $((n + 40))
	stop_writer
	# Writes made between dtee's death and the restore may fail (the
	# writer says how many on stderr at its end), and what dtee held is
	# lost; after the restore every line arrives.
	grep -E '^[oe] [0-9]+$' orig.log | tail -n 40 >last.log
	consecutive last.log
	[ "$(tail -n1 last.log | cut -d' ' -f2)" -gt "$(tail -n1 all.log | cut -d' ' -f2)" ]
}

@test "a multi-threaded writer loses no write through the attach and the detach" {
	start_writer "$W" -t 4 >orig.log 2>&1
	attach "$WPID"
	detach_with INT
	local n
	n=$(lines orig.log)
	wait_until has_lines orig.log $((n + 80))
	stop_writer
	[ "$(cat "$W/failed")" = 0 ]
	local t
	for t in 0 1 2 3; do
		# Every write of each thread reached the file once, in order...
		awk -v t="$t" '$1 == t { if ($2 != n) { print "thread " t ": " $2 ", expected " n; exit 1 } n++ } END { if (n < 10) { print "thread " t ": only " n " lines"; exit 1 } }' orig.log
		# ...and the copy has an unbroken run of them.
		awk -v t="$t" '$1 == t { if (seen && $2 != n) { print "copy, thread " t ": " $2 ", expected " n; exit 1 } seen = 1; n = $2 + 1 } END { if (!seen) exit 1 }' all.log
	done
}

@test "a process in other mount and network namespaces" {
	[ "$(id -u)" = 0 ] && command -v unshare >/dev/null || skip "needs root and unshare"
	unshare -mn "$HELPERS/attach-writer" "$W" >orig.log 2>&1 3>&- &
	PIDS+=($!)
	wait_until [ -s "$W/pid" ]
	WPID=$(cat "$W/pid")
	PIDS+=("$WPID")
	[ "$(readlink /proc/$WPID/ns/net)" != "$(readlink /proc/self/ns/net)" ]
	attach "$WPID"
	detach_with INT
	stop_writer
	consecutive orig.log 0
	in_order_after_attach orig.log
}

# Refusals ---------------------------------------------------------------------

# untouched PID FILE: PID still has FILE on fds 1 and 2, no tracer, and
# goes on writing to it.
untouched() {
	fd_is "$1" 1 "$2"
	fd_is "$1" 2 "$2"
	grep -q '^TracerPid:	0$' "/proc/$1/status"
	local n
	n=$(lines "$2")
	wait_until has_lines "$2" $((n + 10))
}

# refused STATUS PATTERN DTEE-ARGS...: dtee exits STATUS at once with one
# line matching PATTERN on stderr and nothing on stdout.
refused() {
	local want=$1 pattern=$2
	shift 2
	run --separate-stderr "$@" 3>&-
	[ "$status" -eq "$want" ] || fail "exit $status, expected $want: $stderr"
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ] || fail "more than one line: $stderr"
	[[ "$stderr" =~ $pattern ]] || fail "unexpected message: $stderr"
}

@test "refused: no such process" {
	true &
	local gone=$!
	wait "$gone"
	refused 66 "^$DTEE: --attach=$gone: No such process\$" "$DTEE" --attach="$gone" -C all.log
}

@test "refused: usage errors" {
	local args
	for args in "--attach=1 echo hi" "--attach=x" "-q --attach=1" "--attach=0"; do
		# shellcheck disable=SC2086 # one word per argument
		run --separate-stderr "$DTEE" $args
		[ "$status" -eq 64 ] || fail "$args: exit $status"
		[[ "${stderr_lines[0]}" =~ ^"$DTEE: --attach" ]] || fail "$args: ${stderr_lines[0]}"
		[ "${stderr_lines[1]}" = "Try '$DTEE -h' for more information." ]
	done
}

@test "refused: a process under a seccomp filter, unless --force" {
	start_writer "$W" -s >orig.log 2>&1
	refused 69 "--attach=$WPID: it runs under a seccomp filter.*--force" "$DTEE" --attach="$WPID" -C all.log
	untouched "$WPID" "$BATS_TEST_TMPDIR/orig.log"
	attach "$WPID" --force
	detach_with INT
	stop_writer
	[ "$(cat "$W/failed")" = 0 ]
	consecutive orig.log 0
	in_order_after_attach orig.log
}

@test "refused: another tracer holds the process" {
	start_writer "$W" >orig.log 2>&1
	"$HELPERS/attach-hold" "$WPID" held 3>&- &
	local hold=$!
	PIDS+=("$hold")
	wait_until [ -e held ]
	refused 77 "--attach=$WPID: not permitted: it is already traced by process $hold \\(attach-hold\\)" \
		"$DTEE" --attach="$WPID" -C all.log
	fd_is "$WPID" 1 "$BATS_TEST_TMPDIR/orig.log"
	kill -9 "$hold"
	wait "$hold" || true
	untouched "$WPID" "$BATS_TEST_TMPDIR/orig.log"
}

@test "refused: a kernel without pidfd_getfd" {
	start_writer "$W" >orig.log 2>&1
	refused 69 "this kernel lacks pidfd_getfd" "$HELPERS/attach-nopidfd" "$DTEE" --attach="$WPID" -C all.log
	untouched "$WPID" "$BATS_TEST_TMPDIR/orig.log"
}

@test "refused: a 32-bit process" {
	gcc -m32 -nostdlib -static -o w32 "$BATS_TEST_DIRNAME/helpers/attach-writer32.S" 2>/dev/null ||
		skip "cannot build a 32-bit x86 program here (gcc -m32)"
	./w32 >orig.log 2>&1 3>&- &
	WPID=$!
	PIDS+=("$WPID")
	wait_until has_lines orig.log 5
	refused 69 "--attach=$WPID: it is a 32-bit process" "$DTEE" --attach="$WPID" -C all.log
	untouched "$WPID" "$BATS_TEST_TMPDIR/orig.log"
	kill -9 "$WPID"	# it has no stop file
	wait "$WPID" 2>/dev/null || true
}

@test "refused: a process whose main thread has ended" {
	start_writer "$W" -t 1 -x >orig.log 2>&1
	wait_until grep -q '^State:	Z' "/proc/$WPID/status"
	refused 69 "--attach=$WPID: its main thread has ended" "$DTEE" --attach="$WPID" -C all.log
	grep -q '^TracerPid:	0$' "/proc/$WPID/status"
	local n
	n=$(lines orig.log)
	wait_until has_lines orig.log $((n + 10))
}

# As nobody: a directory nobody can use, outside the 0700 test directory.
as_nobody_setup() {
	[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null || skip "needs root and setpriv to become nobody"
	NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	"${NOBODY[@]}" test -x "$DTEE" || skip "nobody cannot run the build"
	SHARED=$(mktemp -d /tmp/dtee-attach.XXXXXX)
	chmod 755 "$SHARED"
	mkdir -m 1777 "$SHARED/w" "$SHARED/tmp"
	W2="$SHARED/w"
	: >"$SHARED/orig.log"
	chmod 666 "$SHARED/orig.log"
}

@test "refused: a process of another user" {
	as_nobody_setup
	start_writer "$W2" >"$SHARED/orig.log" 2>&1
	refused 77 "--attach=$WPID: not permitted: it runs as uid 0; run dtee as that user" \
		"${NOBODY[@]}" env TMPDIR="$SHARED/tmp" "$DTEE" --attach="$WPID" -C "$SHARED/tmp/all.log"
	untouched "$WPID" "$SHARED/orig.log"
}

@test "refused: a set-user-ID process" {
	as_nobody_setup
	setpriv --ruid=65534 "$HELPERS/attach-writer" "$W2" >"$SHARED/orig.log" 2>&1 3>&- &
	wait_until [ -s "$W2/pid" ]
	WPID=$(cat "$W2/pid")
	PIDS+=("$WPID")
	refused 77 "--attach=$WPID: not permitted: it is a set-user-ID program \\(real uid 65534, effective uid 0\\)" \
		"${NOBODY[@]}" env TMPDIR="$SHARED/tmp" "$DTEE" --attach="$WPID" -C "$SHARED/tmp/all.log"
	untouched "$WPID" "$SHARED/orig.log"
}

@test "refused: a process that is not dumpable" {
	as_nobody_setup
	"${NOBODY[@]}" "$HELPERS/attach-writer" -d "$W2" >"$SHARED/orig.log" 2>&1 3>&- &
	wait_until [ -s "$W2/pid" ]
	WPID=$(cat "$W2/pid")
	PIDS+=("$WPID")
	refused 77 "--attach=$WPID: not permitted: it is not dumpable" \
		"${NOBODY[@]}" env TMPDIR="$SHARED/tmp" "$DTEE" --attach="$WPID" -C "$SHARED/tmp/all.log"
	untouched "$WPID" "$SHARED/orig.log"
}

@test "the same user attaches without privileges" {
	as_nobody_setup
	"${NOBODY[@]}" "$HELPERS/attach-writer" "$W2" >"$SHARED/orig.log" 2>&1 3>&- &
	wait_until [ -s "$W2/pid" ]
	WPID=$(cat "$W2/pid")
	PIDS+=("$WPID")
	W=$W2
	cd "$SHARED/tmp"
	"${NOBODY[@]}" env TMPDIR="$SHARED/tmp" "${DTEE_BG[@]}" --attach="$WPID" -C all.log -O out.log -E err.log 2>dtee.err 3>&- &
	DPID=$!
	PIDS+=("$DPID")
	wait_until fd_is_socket "$WPID" 1
	wait_until has_lines all.log 20
	detach_with INT
	fd_is "$WPID" 1 "$SHARED/orig.log"
	stop_writer
	[ "$(cat "$W/failed")" = 0 ]
	consecutive "$SHARED/orig.log" 0
	in_order_after_attach "$SHARED/orig.log"
}

@test "make cross-aarch64: the ptrace code compiles for aarch64" {
	local cc
	cc=$("$BATS_TEST_DIRNAME/../scripts/ensure-cross-aarch64" 2>/dev/null) || skip "no aarch64 compiler could be found or installed"
	# A make of its own: under `make -j2 check`, the suite's make passes
	# its job server's descriptors, which bats --jobs does not keep open.
	run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$BATS_TEST_DIRNAME/.." --no-print-directory B="$BATS_TEST_TMPDIR/arm" CC="$cc" \
		CFLAGS='-O2 -Werror' "$BATS_TEST_TMPDIR/arm/launcher/attach/ptrace.o" "$BATS_TEST_TMPDIR/arm/launcher/attach/attach.o" \
		"$BATS_TEST_TMPDIR/arm/launcher/attach/attach-check.o"
	[ "$status" -eq 0 ] || fail "$output"
	file "$BATS_TEST_TMPDIR/arm/launcher/attach/ptrace.o" | grep -q aarch64
	# Built for real: the aarch64 path, not the refusal for other architectures.
	nm "$BATS_TEST_TMPDIR/arm/launcher/attach/ptrace.o" | grep -q ' U waitpid'
}

@test "a thread blocked in read(2) goes on as if never stopped: its call is restarted, not failed" {
	mkfifo in.fifo
	start_writer "$W" -t 1 -r "$BATS_TEST_TMPDIR/in.fifo" >orig.log 2>&1
	# Its main thread, the one dtee stops, is blocked in read().
	wait_until grep -q '^State:.*S (sleeping)' "/proc/$WPID/status"
	"${DTEE_BG[@]}" --attach="$WPID" -C all.log 2>dtee.err 3>&- &
	DPID=$!
	PIDS+=("$DPID")
	wait_until fd_is_socket "$WPID" 1
	echo one >in.fifo
	wait_until grep -q '^read: one$' all.log
	detach_with INT
	echo two >in.fifo
	wait_until grep -q '^read: two$' orig.log
	touch "$W/stop"
	echo end >in.fifo	# the reader checks for stop after each read
	wait_until [ -s "$W/failed" ]
	grep 'read failed' orig.log && fail "the interrupted read failed"
	grep -q '^read: two$' all.log && fail "read after the detach copied"
	[ "$(grep -c '^read: ' orig.log)" -eq 3 ]
}

@test "root attaches to another user's process, which takes the sockets from a process with its own credentials" {
	as_nobody_setup
	"${NOBODY[@]}" "$HELPERS/attach-writer" "$W2" >"$SHARED/orig.log" 2>&1 3>&- &
	wait_until [ -s "$W2/pid" ]
	WPID=$(cat "$W2/pid")
	PIDS+=("$WPID")
	W=$W2
	attach "$WPID"
	detach_with INT
	fd_is "$WPID" 1 "$SHARED/orig.log"
	fd_is "$WPID" 2 "$SHARED/orig.log"
	stop_writer
	[ "$(cat "$W/failed")" = 0 ]
	consecutive "$SHARED/orig.log" 0
	in_order_after_attach "$SHARED/orig.log"
}

@test "a call that fails inside the process is undone: it goes on untouched" {
	command -v prlimit >/dev/null || skip "needs prlimit (util-linux)"
	start_writer "$W" >orig.log 2>&1
	# No room for one more fd: pidfd_open inside it fails with EMFILE.
	local open soft
	open=$(ls "/proc/$WPID/fd" | wc -l)
	soft=$(prlimit --pid "$WPID" --nofile --raw --noheadings -o SOFT)
	prlimit --pid "$WPID" --nofile="$open:"
	refused 71 "--attach=$WPID: cannot attach: pidfd_(open|getfd) inside it: Too many open files" \
		"$DTEE" --attach="$WPID" -C all.log
	untouched "$WPID" "$BATS_TEST_TMPDIR/orig.log"
	prlimit --pid "$WPID" --nofile="$soft:"
	stop_writer
	[ "$(cat "$W/failed")" = 0 ]
	consecutive orig.log 0
}

@test "--help and the man page document --attach and --force" {
	run --separate-stderr "$DTEE" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--attach=PID"* ]]
	[[ "$output" == *"--force"* ]]
	grep -q '^\.SH ATTACHING TO A RUNNING PROCESS' "$BATS_TEST_DIRNAME/../man/dtee.1"
}

# start_repoint: attach-repoint (a process of nobody's whose stdout is a
# Unix datagram socket it keeps a second fd on) in $W2; WPID.
start_repoint() {
	as_nobody_setup
	W=$W2
	"${NOBODY[@]}" "$HELPERS/attach-repoint" "$W2" 2>"$SHARED/orig.log" 3>&- &
	wait_until [ -s "$W2/pid" ]
	WPID=$(cat "$W2/pid")
	PIDS+=("$WPID")
}

@test "root attached to a process that re-points its stdout socket: what dtee sends there carries the process's identity, not root's" {
	BATS_TEST_TIMEOUT=120
	start_repoint
	"${DTEE_BG[@]}" --attach="$WPID" -C all.log 2>dtee.err 3>&- &
	DPID=$!
	PIDS+=("$DPID")
	# It connects its kept fd to a SO_PASSCRED listener once dtee's
	# socket is on fd 1, and writes "forged" to fd 1.
	wait_until [ -s "$W2/creds" ]
	local pid uid gid bytes
	read -r pid uid gid bytes <"$W2/creds"
	[ "$pid $uid $gid" = "$WPID 65534 65534" ] ||
		fail "the listener saw pid $pid uid $uid gid $gid (the process is $WPID, dtee $DPID)"
	[ "$bytes" = 7 ]
	grep -qx forged all.log
	detach_with INT
}

@test "refused: without privileges, a process whose stdout is a Unix socket it can re-point" {
	BATS_TEST_TIMEOUT=120
	start_repoint
	local sock
	sock=$(readlink "/proc/$WPID/fd/1")
	refused 77 "^$DTEE: --attach=$WPID: its stdout is a Unix socket it can point elsewhere, and dtee may not send on it as that process; run dtee as root\$" \
		timeout -s INT 30 "${NOBODY[@]}" env TMPDIR="$SHARED/tmp" "$DTEE" --attach="$WPID" -C "$SHARED/tmp/all.log"
	fd_is "$WPID" 1 "$sock"
	grep -q '^TracerPid:	0$' "/proc/$WPID/status"
	[ ! -e "$SHARED/tmp/all.log" ]
}

@test "refused: a process already attached (its stdout is a dtee's socket); the first dtee still puts its fds back" {
	BATS_TEST_TIMEOUT=120
	start_writer "$W" >orig.log 2>&1
	attach "$WPID"
	local sock
	sock=$(readlink "/proc/$WPID/fd/1")
	refused 69 "^$DTEE: --attach=$WPID: its stdout is already a dtee's socket: it runs under dtee or another dtee is attached to it\$" \
		timeout -s INT 30 "$DTEE" --attach="$WPID" -C second.log
	fd_is "$WPID" 1 "$sock"
	detach_with INT
	fd_is "$WPID" 1 "$BATS_TEST_TMPDIR/orig.log"
	fd_is "$WPID" 2 "$BATS_TEST_TMPDIR/orig.log"
	stop_writer
	[ "$(cat "$W/failed")" = 0 ]
	consecutive orig.log 0
}

# helper_of PID: the pid of the dtee-attach helper that holds a pidfd of PID.
helper_of() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(cat "$p/comm" 2>/dev/null)" = dtee-attach ] || continue
		grep -qs "^Pid:	$1\$" "$p"/fdinfo/* && { echo "${p#/proc/}"; return 0; }
	done
	return 1
}

gone() { [ ! -e "/proc/$1" ] || grep -q '^State:	Z' "/proc/$1/status" 2>/dev/null; }

# strace_on PID: a real strace traces PID; SPID.
strace_on() {
	command -v strace >/dev/null || skip "needs strace"
	strace -p "$1" -e trace=none -o /dev/null 2>/dev/null 3>&- &
	SPID=$!
	PIDS+=("$SPID")
	wait_until grep -q "^TracerPid:	$SPID\$" "/proc/$1/status"
}

@test "another tracer holds the process at detach time: dtee says so, goes on copying, and puts its fds back once that tracer has gone" {
	BATS_TEST_TIMEOUT=120
	start_writer "$W" >orig.log 2>&1
	attach "$WPID"
	strace_on "$WPID"
	kill -INT "$DPID"
	wait_until grep -q "^$DTEE: --attach=$WPID: cannot put its stdout and stderr back yet: it is traced by process $SPID (strace); still copying" dtee.err
	local n
	n=$(lines all.log)
	wait_until has_lines all.log $((n + 20))
	fd_is_socket "$WPID" 1
	kill -INT "$SPID"
	local rc=0
	wait "$DPID" || rc=$?
	[ "$rc" -eq 0 ] || fail "dtee exited $rc: $(cat dtee.err)"
	[ "$(wc -l <dtee.err)" -eq 1 ] || fail "dtee said: $(cat dtee.err)"
	fd_is "$WPID" 1 "$BATS_TEST_TMPDIR/orig.log"
	fd_is "$WPID" 2 "$BATS_TEST_TMPDIR/orig.log"
	stop_writer
	[ "$(cat "$W/failed")" = 0 ]
	consecutive orig.log 0
	in_order_after_attach "$BATS_TEST_TMPDIR/orig.log"
}

@test "another tracer holds the process when dtee is killed: the helper puts its fds back once that tracer has gone" {
	BATS_TEST_TIMEOUT=120
	start_writer "$W" >orig.log 2>&1
	attach "$WPID"
	local helper
	helper=$(helper_of "$WPID") || fail "no helper found"
	strace_on "$WPID"
	# A second strace watches the helper's ptrace calls: the tracer is
	# let go only once the helper has tried and failed.
	strace -p "$helper" -e trace=ptrace -o helper.trace 2>/dev/null 3>&- &
	PIDS+=("$!")
	wait_until grep -q "^TracerPid:	$!\$" "/proc/$helper/status"
	kill -KILL "$DPID"
	wait_until grep -q 'PTRACE_SEIZE.*EPERM' helper.trace
	kill -INT "$SPID"
	wait_until fd_is "$WPID" 1 "$BATS_TEST_TMPDIR/orig.log"
	fd_is "$WPID" 2 "$BATS_TEST_TMPDIR/orig.log"
	wait_until gone "$helper"
	local n
	n=$(lines orig.log)
	wait_until has_lines orig.log $((n + 20))
}

@test "the helper killed: on detach dtee starts another, which puts the process's fds back" {
	BATS_TEST_TIMEOUT=120
	start_writer "$W" >orig.log 2>&1
	attach "$WPID"
	local helper
	helper=$(helper_of "$WPID") || fail "no helper found"
	kill -KILL "$helper"
	wait_until gone "$helper"
	detach_with INT
	fd_is "$WPID" 1 "$BATS_TEST_TMPDIR/orig.log"
	fd_is "$WPID" 2 "$BATS_TEST_TMPDIR/orig.log"
	stop_writer
	[ "$(cat "$W/failed")" = 0 ]
	consecutive orig.log 0
	in_order_after_attach "$BATS_TEST_TMPDIR/orig.log"
}

@test "a thread that calls execve while dtee attaches and detaches: no hang, dtee answers SIGTERM, the fds come back, even after SIGKILL" {
	BATS_TEST_TIMEOUT=240
	"$HELPERS/attach-exec" "$W" >orig.log 2>&1 3>&- &
	wait_until [ -s "$W/pid" ]
	WPID=$(cat "$W/pid")
	PIDS+=("$WPID")
	local round rc
	for round in 1 2 3 4 5 6 7 8; do
		"${DTEE_BG[@]}" --attach="$WPID" -C all.log 2>dtee.err 3>&- &
		DPID=$!
		PIDS+=("$DPID")
		wait_until fd_is_socket "$WPID" 1
		kill -TERM "$DPID"
		rc=0
		wait "$DPID" || rc=$?
		[ "$rc" -eq 0 ] || fail "round $round: dtee exited $rc: $(cat dtee.err)"
		# (/proc/PID/fd cannot be read for a moment during an execve)
		wait_until fd_is "$WPID" 1 "$BATS_TEST_TMPDIR/orig.log"
		wait_until fd_is "$WPID" 2 "$BATS_TEST_TMPDIR/orig.log"
	done
	"${DTEE_BG[@]}" --attach="$WPID" -C all.log 2>dtee.err 3>&- &
	DPID=$!
	PIDS+=("$DPID")
	wait_until fd_is_socket "$WPID" 1
	kill -KILL "$DPID"
	wait_until fd_is "$WPID" 1 "$BATS_TEST_TMPDIR/orig.log"
	wait_until fd_is "$WPID" 2 "$BATS_TEST_TMPDIR/orig.log"
	# It has gone on running other images all along.
	local image
	image=$(tail -n1 orig.log | cut -d' ' -f1)
	wait_until [ "$(tail -n1 orig.log | cut -d' ' -f1)" -gt "$image" ]
	grep -q '^[0-9]* [0-9]*$' all.log
}

@test "a process whose stderr is closed: its stdout is copied all the same, and fd 2 stays closed" {
	BATS_TEST_TIMEOUT=120
	start_writer "$W" >orig.log 2>&-
	[ ! -e "/proc/$WPID/fd/2" ]
	"${DTEE_BG[@]}" --attach="$WPID" -C all.log -O out.log -E err.log 2>dtee.err 3>&- &
	DPID=$!
	PIDS+=("$DPID")
	wait_until fd_is_socket "$WPID" 1
	wait_until has_lines all.log 20
	[ ! -e "/proc/$WPID/fd/2" ]
	detach_with INT
	fd_is "$WPID" 1 "$BATS_TEST_TMPDIR/orig.log"
	[ ! -e "/proc/$WPID/fd/2" ]
	stop_writer
	# Only its "o N" lines, N even and consecutive.
	awk 'NR == 1 { n = $2 } $1 != "o" || $2 != n { print "bad line " NR ": " $0; exit 1 } { n += 2 }' all.log
	cmp all.log out.log
	[ ! -s err.log ]
}

@test "a POSIX timer's signals (SIGRTMIN every 200 us) reach the process as sent, through attach and detach rounds" {
	BATS_TEST_TIMEOUT=240
	"$HELPERS/attach-timer" "$W" >orig.log 2>&1 3>&- &
	wait_until [ -s "$W/pid" ]
	WPID=$(cat "$W/pid")
	PIDS+=("$WPID")
	local round rc
	for round in 1 2 3 4 5 6; do
		"${DTEE_BG[@]}" --attach="$WPID" -C all.log 2>dtee.err 3>&- &
		DPID=$!
		PIDS+=("$DPID")
		wait_until fd_is_socket "$WPID" 1
		kill -INT "$DPID"
		rc=0
		wait "$DPID" || rc=$?
		[ "$rc" -eq 0 ] || fail "round $round: dtee exited $rc: $(cat dtee.err)"
		fd_is "$WPID" 1 "$BATS_TEST_TMPDIR/orig.log"
	done
	touch "$W/stop"
	wait_until [ -s "$W/result" ]
	local handled bad
	read -r handled bad <"$W/result"
	[ "$bad" -eq 0 ] || fail "$bad signals came otherwise than the timer sent them ($handled as sent)"
	[ "$handled" -gt 0 ]
}

@test "a process that ends while dtee attaches: exit 66, 'it ended'" {
	BATS_TEST_TIMEOUT=120
	command -v strace >/dev/null || skip "needs strace"
	start_writer "$W" >orig.log 2>&1
	# strace holds the helper's first ptrace call for 5 s: the process
	# is killed then, after dtee's checks and before the attach is done.
	# LeakSanitizer (make asan) cannot work under ptrace.
	ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 strace -f -o /dev/null -e trace=ptrace -e inject=ptrace:delay_enter=5000000 \
		"$DTEE" --attach="$WPID" -C all.log 2>dtee.err 3>&- &
	DPID=$!
	PIDS+=("$DPID")
	wait_until helper_of "$WPID" >/dev/null
	kill -KILL "$WPID"
	local rc=0
	wait "$DPID" || rc=$?
	[ "$rc" -eq 66 ] || fail "exit $rc: $(cat dtee.err)"
	[ "$(cat dtee.err)" = "$DTEE: --attach=$WPID: it ended" ]
}

@test "signals sent while the process is held wait in its queue: delivered as sent, none lost, pause() returns EINTR" {
	BATS_TEST_TIMEOUT=120
	command -v strace >/dev/null || skip "needs strace"
	"$HELPERS/attach-signals" "$W" >orig.log 2>&1 3>&- &
	wait_until [ -s "$W/pid" ]
	WPID=$(cat "$W/pid")
	PIDS+=("$WPID")
	# strace holds one of the helper's ptrace calls for 5 s while the
	# process is held. LeakSanitizer (make asan) cannot work under ptrace.
	ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 strace -f -o /dev/null -e trace=ptrace -e inject=ptrace:delay_enter=5000000:when=9 \
		"${DTEE_BG[@]}" --attach="$WPID" -C all.log 2>dtee.err 3>&- &
	local spid=$!
	PIDS+=("$spid")
	wait_until grep -q '^State:	t' "/proc/$WPID/status"
	local sender
	sender=$("$HELPERS/attach-signals" queue "$WPID" 20)
	wait_until fd_is_socket "$WPID" 1
	wait_until grep -q '^pause: Interrupted system call$' all.log
	# dtee itself (strace's child) detaches.
	DPID=$(cut -d' ' -f1 "/proc/$spid/task/$spid/children")
	PIDS+=("$DPID")
	kill -INT "$DPID"
	local rc=0
	wait "$spid" || rc=$?
	[ "$rc" -eq 0 ] || fail "dtee exited $rc: $(cat dtee.err)"
	fd_is "$WPID" 1 "$BATS_TEST_TMPDIR/orig.log"
	touch "$W/stop"
	kill -USR2 "$WPID"	# wakes its pause()
	wait_until [ -s "$W/result" ]
	local pid code value count sum eintr other
	read -r pid code value count sum eintr other <"$W/result"
	[ "$pid $code $value" = "$sender -1 42" ] ||
		fail "SIGUSR1 came from $pid, code $code, value $value (sent by $sender, SI_QUEUE (-1), 42)"
	[ "$count $sum" = "20 210" ] || fail "$count real-time signals, values summing to $sum (sent: 1..20)"
	[ "$other" = 0 ]
	[ "$eintr" -ge 1 ]
}
