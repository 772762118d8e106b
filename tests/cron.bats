#!/usr/bin/env bats
# Cron mode: silent when all went well, the whole story in order otherwise.

load common

@test "exit 0 without stderr: no output at all, exit 0" {
	run --separate-stderr "$DTEE" -q sh -c 'echo one; echo two'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	tmpdir_is_empty
}

@test "exit 0 with stderr: full replay in order, report with status 0" {
	"$DTEE" -q sh -c 'echo 1; echo 2; echo 3 >&2; echo 4; echo 5 >&2' >all 2>&1
	[ "$(cat all)" = "1
2
3
4
5
$DTEE: sh: exited with status 0" ]
}

@test "after going live, stdout and stderr keep their order with separate streams" {
	run --separate-stderr "$DTEE" -q sh -c 'echo 1; echo 2 >&2; echo 3'
	[ "$status" -eq 0 ]
	[ "$output" = "1
3" ]
	[ "$stderr" = "2
$DTEE: sh: exited with status 0" ]
}

@test "non-zero exit without stderr: replay and report, same exit status" {
	run --separate-stderr "$DTEE" --cron sh -c 'echo 1; echo 2; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = "1
2" ]
	[ "$stderr" = "$DTEE: sh: exited with status 3" ]
}

@test "the command killed by SIGTERM, SIGHUP and SIGINT: replay, report, 128+N" {
	for sig in TERM:15:Terminated HUP:1:Hangup INT:2:Interrupt; do
		IFS=: read -r name num text <<<"$sig"
		"$HELPERS/waitstatus" "$DTEE" -q sh -c "echo out; kill -$name \$\$" >out 2>err 3>status
		[ "$(cat out)" = out ]
		[ "$(cat err)" = "$DTEE: sh: process terminated by signal $num: $text" ] || fail "$(cat err)"
		if [ "$name" = INT ]; then
			[ "$(cat status)" = "signaled 2" ]
		else
			[ "$(cat status)" = "exited $((128 + num))" ]
		fi
	done
}

@test "the command killed by SIGSEGV: the report says whether it dumped core" {
	# A core only where the kernel writes core files into the cwd.
	(ulimit -c unlimited; "$DTEE" -q sh -c 'echo out; kill -SEGV $$') >out 2>err || status=$?
	[ "${status:-0}" -eq 139 ]
	[ "$(cat out)" = out ]
	if ls core* >/dev/null 2>&1; then
		[ "$(cat err)" = "$DTEE: sh: process terminated by signal 11: Segmentation fault (core dumped)" ]
	else
		[ "$(cat err)" = "$DTEE: sh: process terminated by signal 11: Segmentation fault" ]
	fi
	(ulimit -c 0; "$DTEE" -q sh -c 'kill -SEGV $$') 2>err || true
	[ "$(cat err)" = "$DTEE: sh: process terminated by signal 11: Segmentation fault" ]
}

# signal_dtee SIGNAL: run cronty on a command that writes, then waits; send
# SIGNAL to dtee, then end the command. Leaves out, err and status.
signal_dtee() {
	local cmd dtee_pid
	mkfifo ready
	"$HELPERS/waitstatus" "$DTEE" -q -C comb sh -c 'echo 1; echo 2; echo $$ $PPID >ready; exec sleep 30' \
		>out 2>err 3>status &
	waiter=$!
	read -r cmd dtee_pid <ready
	kill -"$1" "$dtee_pid"
	wait "$waiter"
	stop_pids "$cmd"
}

# SIGTERM, SIGHUP and SIGINT are passed on to the command (dtee 1.1 left it
# running), so the report of how it ended comes first; SIGPIPE is dtee's own.
@test "SIGTERM, SIGHUP, SIGINT and SIGPIPE to dtee: replay, 'received signal', death by it" {
	for sig in TERM:15:Terminated HUP:1:Hangup INT:2:Interrupt PIPE:13:Broken\ pipe; do
		IFS=: read -r name num text <<<"$sig"
		signal_dtee "$name"
		[ "$(cat out)" = "1
2" ]
		if [ "$name" = PIPE ]; then
			[ "$(cat err)" = "$DTEE: received signal $num: $text" ] || fail "$(cat err)"
		else
			[ "$(cat err)" = "$DTEE: sh: process terminated by signal $num: $text
$DTEE: received signal $num: $text" ] || fail "$(cat err)"
		fi
		[ "$(cat status)" = "signaled $num" ]
		[ "$(cat comb)" = "1
2" ]
		rm ready comb
	done
	tmpdir_is_empty
}

# blocked_writing PID PATH: PID is in write() or writev() on its fd open on PATH.
blocked_writing() {
	local nr fd
	read -r nr fd _ </proc/"$1"/syscall || return 1
	[ "$nr" = 1 ] || [ "$nr" = 20 ] || return 1
	[ "$(readlink /proc/"$1"/fd/$((fd)))" = "$(readlink -f "$2")" ]
}

@test "stop signals while an output is blocked: the write ends, every output gets the data, then death" {
	head -c 300000 /dev/urandom >data
	mkfifo fifo
	exec 5<>fifo		# a reader that does not read yet
	# The command ignores the SIGINT dtee passes on, and ends by itself.
	"$HELPERS/waitstatus" "$DTEE" -q -O file1 -O fifo -O file2 sh -c 'trap "" INT; cat data' \
		>out 2>err 3>status &
	waiter=$!
	until dtee_pid=$(pgrep -P "$waiter"); do sleep 0.01; done
	until blocked_writing "$dtee_pid" fifo; do sleep 0.01; done
	kill -INT "$dtee_pid"
	kill -STOP "$dtee_pid"
	kill -CONT "$dtee_pid"
	kill -INT "$dtee_pid"
	kill -0 "$dtee_pid"	# still there, still blocked
	head -c 300000 <&5 >fifo.out
	exec 5<&-
	wait "$waiter"
	[ "$(cat status)" = "signaled 2" ]
	[ "$(cat err)" = "$DTEE: sh: exited with status 0
$DTEE: received signal 2: Interrupt" ] || fail "$(cat err)"
	for f in file1 fifo.out file2 out; do
		cmp data "$f" || fail "$f is not whole"
	done
}

@test "-i with SIGINT: cronty ignores it and the command runs to the end" {
	mkfifo ready go
	"$HELPERS/waitstatus" "$DTEE" -q -i sh -c 'echo 1; echo $PPID >ready; read -r _ <go; echo 2 >&2' \
		>out 2>err 3>status &
	waiter=$!
	read -r dtee_pid <ready
	kill -INT "$dtee_pid"
	echo >go
	wait "$waiter"
	[ "$(cat status)" = "exited 0" ]
	[ "$(cat out)" = 1 ]
	[ "$(cat err)" = "2
$DTEE: sh: exited with status 0" ]
}

@test "invoked through a cronty symlink" {
	ln -s "$DTEE" cronty
	run --separate-stderr ./cronty sh -c 'echo quiet'
	[ "$status" -eq 0 ]
	[ -z "$output$stderr" ]
	run --separate-stderr ./cronty sh -c 'echo loud; exit 2'
	[ "$status" -eq 2 ]
	[ "$output" = loud ]
	[ "$stderr" = "./cronty: sh: exited with status 2" ]
	run --separate-stderr "$CRONTY" false
	[ "$stderr" = "$CRONTY: false: exited with status 1" ]
}

@test "an output file that cannot be opened: the command still runs, exit 73" {
	run --separate-stderr "$DTEE" -q -o missing/x -O ok sh -c 'echo ran'
	[ "$status" -eq 73 ]
	[ "$output" = ran ]
	[ "$stderr" = "$DTEE: missing/x: No such file or directory
$DTEE: sh: exited with status 0" ]
	[ "$(cat ok)" = ran ]
}

@test "a command that never ran: one line saying why, no report of an exit, exit 66" {
	run --separate-stderr "$DTEE" -q no-such-command-dtee
	[ "$status" -eq 66 ]
	[ -z "$output" ]
	[ "$stderr" = "$DTEE: no-such-command-dtee: No such file or directory" ]
	run --separate-stderr "$CRONTY" ./no-such-command
	[ "$status" -eq 66 ]
	[ "$stderr" = "$CRONTY: ./no-such-command: No such file or directory" ]
	printf 'echo hi\n' >script
	run --separate-stderr "$CRONTY" ./script
	[ "$status" -eq 66 ]
	[ "$stderr" = "$CRONTY: ./script: Permission denied" ]
	# A command that ran and exited 66 is still reported.
	run --separate-stderr "$CRONTY" sh -c 'exit 66'
	[ "$status" -eq 66 ]
	[ "$stderr" = "$CRONTY: sh: exited with status 66" ]
}

@test "files get everything live, as in normal mode" {
	run "$DTEE" -q -O out -E err -C comb sh -c 'echo 1; echo 2 >&2; echo 3'
	[ "$(cat out)" = "1
3" ]
	[ "$(cat err)" = 2 ]
	[ "$(cat comb)" = "1
2
3" ]
}

@test "the spool is an unlinked 0600 file in TMPDIR" {
	run "$DTEE" -q sh -c 'echo spooled; p=$(readlink /proc/$PPID/fd/* | grep "$TMPDIR" | head -1)
		stat -L -c %a /proc/$PPID/fd/* 2>/dev/null | sort | uniq -c >&2; echo "$p" >&2'
	[[ "$output" == *"spooled"* ]]
	[[ "$output" == *"$TMPDIR/"*"(deleted)"* ]]
	[[ "$output" == *" 600"* ]]
	tmpdir_is_empty
}

@test "the spool on a full disk: reported once, nothing lost, exit 74" {
	unshare -m true 2>/dev/null || skip "needs a mount namespace of its own (unshare -m as root)"
	mkdir small
	run --separate-stderr unshare -m sh -c 'mount -t tmpfs -o size=64k none small || exit 200
		TMPDIR=$PWD/small exec "$DTEE" -q sh -c "seq 1 100000; echo end >&2; echo after"' ||
		true
	[ "$status" -ne 200 ] || skip "cannot mount a small tmpfs here (needs unshare -m as root)"
	[ "$status" -eq 74 ]
	[ "$output" = "$(seq 1 100000; echo after)" ]
	[ "$stderr" = "$DTEE: spool: write: No space left on device
end
$DTEE: sh: exited with status 0" ]
}

@test "the spool on a full disk, command fails later: still everything in order" {
	unshare -m true 2>/dev/null || skip "needs a mount namespace of its own (unshare -m as root)"
	mkdir small
	unshare -m sh -c 'mount -t tmpfs -o size=64k none small || exit 200
		TMPDIR=$PWD/small exec "$DTEE" -q sh -c "seq 1 100000; exit 5"' >out 2>err ||
		status=$?
	[ "${status:-0}" -ne 200 ] || skip "cannot mount a small tmpfs here (needs unshare -m as root)"
	[ "$status" -eq 74 ]
	[ "$(cat out)" = "$(seq 1 100000)" ]
	[ "$(cat err)" = "$DTEE: spool: write: No space left on device
$DTEE: sh: exited with status 5" ]
}

@test "stdout closed by its reader: stderr still replayed, message, 'received signal', death by SIGPIPE" {
	run --separate-stderr bash -c '"$HELPERS/waitstatus" "$DTEE" -q -O file sh -c "seq 1 100000; echo >&2 err; seq 1 100000" 3>status | head -1'
	[ "$output" = 1 ]
	[ "$stderr" = "err
$DTEE: stdout: write: Broken pipe
$DTEE: received signal 13: Broken pipe" ] || fail "$stderr"
	[ "$(cat status)" = "signaled 13" ]
	# dtee stopped at the broken pipe; the file has what came before it.
	[ "$(head -3 file)" = "1
2
3" ]
}

@test "stdout closed by its reader: the message names stdout" {
	"$HELPERS/waitstatus" "$DTEE" -q sh -c 'seq 1 100000; exit 1' 2>err 3>status | head -1 >/dev/null
	[ "$(cat status)" = "signaled 13" ]
	[ "$(cat err)" = "$DTEE: stdout: write: Broken pipe
$DTEE: received signal 13: Broken pipe" ] || fail "$(cat err)"
}

@test "normal mode: SIGTERM and SIGHUP kill dtee like tee" {
	for sig in TERM:15 HUP:1; do
		mkfifo ready
		"$HELPERS/waitstatus" "$DTEE" sh -c 'echo $$ $PPID >ready; exec sleep 30' >/dev/null 3>status &
		waiter=$!
		read -r cmd dtee_pid <ready
		kill -"${sig%:*}" "$dtee_pid"
		wait "$waiter"
		stop_pids "$cmd"
		[ "$(cat status)" = "signaled ${sig#*:}" ]
		rm ready
	done
}
