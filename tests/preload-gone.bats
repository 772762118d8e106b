#!/usr/bin/env bats
# libdtee.so once dtee has gone: the command's writes to fds 1 and 2 get
# what a pipe whose reader died gives (SIGPIPE, then EPIPE), so a command
# that relies on SIGPIPE to stop does stop.  preload-errno checks the
# details (EPIPE, blocked and ignored SIGPIPE, MSG_NOSIGNAL, stdio).

load common

setup() {
	common_setup
	[ -x "$DTEE" ] && [ -f "$LIBDTEE" ] || skip "build/dtee and build/libdtee.so are needed"
	mkfifo pid.fifo
}

teardown() {
	# The command, if a test failed and left it running: by its pid.
	[ -z "${cmd_pid:-}" ] || stop_pids -KILL "$cmd_pid"
}

# A shell loop that echoes for ever; it writes its pid into pid.fifo first.
LOOP='echo $$ >pid.fifo; while :; do echo x; done'

# gone PID: PID exits within 20 s (tail --pid waits for it).
gone() {
	timeout 20 tail --pid="$1" -f /dev/null || fail "process $1 still running: $(ps -o pid,stat,args -p "$1" | tail -1)"
}

@test "dtee bash -c 'while :; do echo x; done' | head -1: returns, and bash stops" {
	{ "$DTEE" bash -c "$LOOP" 3>&- | head -1 >first.txt; } &
	local pipeline=$!
	read -r cmd_pid <pid.fifo
	wait "$pipeline"
	[ "$(cat first.txt)" = x ]
	gone "$cmd_pid"
}

# stop_dtee SIGNAL: dtee, with stdout a file, stopped by SIGNAL while the
# loop runs; the loop stops too.
stop_dtee() {
	"$DTEE" bash -c "$LOOP" >out.txt 2>err.txt 3>&- &
	local dtee_pid=$!
	read -r cmd_pid <pid.fifo
	kill -"$1" "$dtee_pid"
	wait "$dtee_pid" || true
	gone "$cmd_pid"
}

@test "dtee SIGTERMed: the command stops" { stop_dtee TERM; }
@test "dtee SIGKILLed: the command stops" { stop_dtee KILL; }

@test "a C program writing in a loop dies of SIGPIPE once dtee has gone" {
	# bench-writer loops on write() and exits 1 on any error; dtee's stdout
	# is a pipe that head closes after one byte.  A shell around it notes
	# how it ended.
	{ "$DTEE" bash -c 'echo $$ >pid.fifo; "$0" -t 1G -w 4K; echo $? >status.txt' \
		"$HELPERS/bench-writer" 3>&- | head -c 1 >/dev/null; } &
	local pipeline=$!
	read -r cmd_pid <pid.fifo
	wait "$pipeline"
	gone "$cmd_pid"
	[ "$(cat status.txt)" = 141 ] || fail "bench-writer ended with status $(cat status.txt), not 141 (SIGPIPE)"
}

@test "dtee ends with the command; a background loop it left stops by SIGPIPE (dtee hung up its sockets)" {
	"$DTEE" sh -c "bash -c '$LOOP' & exit 0" >out.txt 2>err.txt 3>&- &
	local dtee_pid=$!
	read -r cmd_pid <pid.fifo
	wait "$dtee_pid"
	gone "$cmd_pid"
	# The loop died of the signal, not of an error message loop.
	! grep -q "write error" err.txt
}

@test "a program's own datagram socket on fd 1 whose peer has gone keeps the kernel's answer (no SIGPIPE)" {
	need_cmd python3
	prog='import os, signal, socket
n = 0
def count(sig, frame):
    global n
    n += 1
signal.signal(signal.SIGPIPE, count)
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
save = os.dup(1)
os.dup2(a.fileno(), 1)
b.close()
try:
    os.write(1, b"x")
    r = "written"
except OSError as e:
    r = e.strerror
os.dup2(save, 1)
print(r, n)'
	run env LD_PRELOAD="$LIBDTEE" python3 -c "$prog"
	[ "$output" = "Connection refused 0" ]
	run "$DTEE" python3 -c "$prog"
	[ "$output" = "Connection refused 0" ]
}
