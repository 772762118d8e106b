#!/usr/bin/env bats
# Nothing lost under faults and signals: start-up kills, ignored signals,
# stop signals during writes, outputs that fail.

load common

# dtee_child WAITER: the pid of dtee, started by waitstatus WAITER.
dtee_child() {
	local p
	until p=$(pgrep -P "$1"); do sleep 0.01; done
	echo "$p"
}

@test "SIGKILL at any moment of start-up leaves nothing in TMPDIR" {
	for i in $(seq 200); do
		"$DTEE" -q true &
		p=$!
		# A different moment of start-up each time (0 to 8 ms).
		sleep "0.00$((RANDOM % 9))"
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	tmpdir_is_empty
}

@test "an ignored SIGHUP (nohup) stays ignored: cronty and the command run to the end" {
	mkfifo ready go
	# waitstatus keeps the ignored SIGHUP that nohup set for what it runs.
	nohup "$HELPERS/waitstatus" "$CRONTY" -o f.log \
		sh -c 'echo a; echo >ready; read -r _ <go; echo b; exit 1' >out 2>err 3>status </dev/null &
	waiter=$!
	read -r _ <ready
	kill -HUP "$(dtee_child "$waiter")"
	echo >go
	wait "$waiter"
	[ "$(cat status)" = "exited 1" ]
	[ "$(cat f.log)" = "a
b" ]
	[ "$(cat out)" = "a
b" ]
	[ "$(cat err)" = "$CRONTY: sh: exited with status 1" ]
}

# signal_flood NAME:NUMBER: SIGNAME to dtee while the command floods it;
# dtee dies of it, and every output got the same bytes.
signal_flood() {
	local sig=$1
	rm -f ready && mkfifo ready
	"$HELPERS/waitstatus" "$DTEE" -O file -C comb \
		sh -c 'echo >ready; exec "$0" -t 1G -w 4K' "$HELPERS/bench-writer" >out 2>err 3>status &
	waiter=$!
	read -r _ <ready
	kill -"${sig%:*}" "$(dtee_child "$waiter")"
	wait "$waiter"
	[ "$(cut -d' ' -f1-2 status)" = "signaled ${sig#*:}" ] || fail "$sig: $(cat status)"
	[ -s file ] || fail "$sig: nothing copied"
	cmp file out || fail "$sig: file and stdout differ"
	cmp file comb || fail "$sig: file and the combined file differ"
}

@test "normal mode: a stop signal while the command floods: every output got the same bytes, then death by it" {
	for sig in TERM:15 HUP:1 INT:2; do
		signal_flood "$sig"
	done
}

# wait_line FILE LINE: poll until FILE holds LINE.
wait_line() {
	until grep -qxF "$2" "$1" 2>/dev/null; do sleep 0.01; done
}

@test "SIGTERM from kill is passed on: the command's trap prints its last line to every output, then dtee dies of it" {
	for prog in "$DTEE" "$CRONTY"; do
		rm -f ready file comb log && mkfifo ready
		"$HELPERS/waitstatus" "$prog" -O file -C comb -L log sh -c \
			'trap "kill \$s; echo last words; exit 3" TERM; echo started; sleep 30 & s=$!; echo >ready; wait $s' \
			>out 2>err 3>status &
		waiter=$!
		read -r _ <ready
		kill -TERM "$(dtee_child "$waiter")"
		wait "$waiter"
		[ "$(cat status)" = "signaled 15" ] || fail "$prog: $(cat status)"
		[ "$(cat file)" = "started
last words" ] || fail "$prog: $(cat file)"
		cmp file out
		cmp file comb
		# The log: the same lines, then how the command ended and why
		# dtee stopped.
		sed -n 's/^[^ ]* O: //p' log | cmp - file
		[ "$(tail -n 2 log | cut -d' ' -f2-)" = "I: Finished with exitcode 3
I: Received signal 15: Terminated" ] || fail "$prog: $(cat log)"
	done
	# cronty says how the command ended, then why it stops.
	[ "$(cat err)" = "$CRONTY: sh: exited with status 3
$CRONTY: received signal 15: Terminated" ]
}

@test "SIGTERM, SIGHUP, SIGINT, SIGQUIT from kill: a command that does not trap it is gone when dtee is gone" {
	for sig in TERM:15 HUP:1 INT:2 QUIT:3; do
		! inherited_ignored "${sig#*:}" || continue
		rm -f cmd
		"$HELPERS/waitstatus" "$DTEE" -C comb sh -c 'echo $$ >cmd; exec sleep 30' \
			>out 2>err 3>status &
		waiter=$!
		until [ -s cmd ]; do sleep 0.01; done
		kill -"${sig%:*}" "$(dtee_child "$waiter")"
		wait "$waiter"
		[ "$(cut -d' ' -f1-2 status)" = "signaled ${sig#*:}" ] || fail "$sig: $(cat status)"
		if ours "$(cat cmd)"; then
			stop_pids -KILL "$(cat cmd)"
			fail "$sig: the command outlived dtee"
		fi
	done
}

@test "a command that ignores SIGTERM: the second is passed on too, the third makes dtee stop waiting and is not passed on" {
	rm -f ready && mkfifo ready
	"$HELPERS/waitstatus" "$DTEE" -C comb sh -c \
		'n=0; trap "n=\$((n+1)); echo TERM \$n" TERM; echo $$ >cmd; echo >ready; while :; do sleep 0.05; done' \
		>out 2>err 3>status &
	waiter=$!
	read -r _ <ready
	dtee=$(dtee_child "$waiter")
	kill -TERM "$dtee"
	wait_line comb "TERM 1"
	kill -TERM "$dtee"
	wait_line comb "TERM 2"
	kill -TERM "$dtee"
	wait "$waiter"
	[ "$(cat status)" = "signaled 15" ]
	ours "$(cat cmd)" || fail "the command should still run"
	stop_pids -KILL "$(cat cmd)"
	head -n 2 comb >first
	[ "$(cat first)" = "TERM 1
TERM 2" ]
	cmp comb out
}

@test "a stop signal that is dtee's alone (SIGUSR1) after a SIGTERM the command ignores: dtee stops at once" {
	! inherited_ignored 10 || skip "SIGUSR1 is ignored here"
	rm -f ready && mkfifo ready
	"$HELPERS/waitstatus" "$DTEE" -C comb sh -c \
		'trap "echo TERM" TERM; echo $$ >cmd; echo >ready; while :; do sleep 0.05; done' \
		>out 2>err 3>status &
	waiter=$!
	read -r _ <ready
	dtee=$(dtee_child "$waiter")
	kill -TERM "$dtee"
	wait_line comb TERM
	kill -USR1 "$dtee"
	wait "$waiter"
	[ "$(cat status)" = "signaled 15" ]	# the first stop signal
	ours "$(cat cmd)" || fail "the command should still run"
	stop_pids -KILL "$(cat cmd)"
}

# on_pty DTEE-ARGS...: run dtee on a new pseudo-terminal (echo off) with
# SIGINT at its default; once the command has written "ready", type
# Ctrl-C. The terminal's output goes to stdout with CR LF made LF, how
# dtee ended to fd 3.
on_pty() {
	python3 - "$@" <<'PY'
import os, pty, signal, sys, termios
pid, fd = pty.fork()
if pid == 0:
    attr = termios.tcgetattr(0)
    attr[3] &= ~termios.ECHO
    termios.tcsetattr(0, termios.TCSANOW, attr)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
typed = False
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if not typed and b"ready\r\n" in out:
        os.write(fd, b"\x03")
        typed = True
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out.replace(b"\r\n", b"\n"))
with os.fdopen(3, "w") as f:
    f.write("signaled %d\n" % os.WTERMSIG(status) if os.WIFSIGNALED(status)
            else "exited %d\n" % os.WEXITSTATUS(status))
PY
}

@test "Ctrl-C on a terminal: the command gets one SIGINT, not two" {
	need_cmd python3
	# The command counts its SIGINTs (bash counts each one, where dash
	# would merge two close ones). Once "got" is in the log, dtee has
	# handled the signal; once "sync", written after it, is there too,
	# dtee has passed on whatever it would pass on.
	on_pty "$DTEE" -C log bash -c \
		'n=0; trap "n=\$((n+1))" INT; sleep 30 & s=$!; echo ready; wait $s; kill $s 2>/dev/null
		 echo got; until grep -qx got log; do :; done
		 echo sync; until grep -qx sync log; do :; done
		 echo "SIGINTs: $n"' >out 3>status
	[ "$(cat status)" = "signaled 2" ] || fail "$(cat status)"
	[ "$(cat log)" = "ready
got
sync
SIGINTs: 1" ] || fail "$(cat log)"
	cmp log out
}

@test "an output fifo whose reader has gone: the batch still reaches stdout, then death by SIGPIPE" {
	mkfifo f ready go
	exec 5<>f
	"$HELPERS/waitstatus" "$DTEE" -o f sh -c 'echo one; echo >ready; read -r _ <go; echo two' \
		>out 2>err 3>status 5<&- &
	waiter=$!
	read -r _ <ready
	[ "$(head -n 1 <&5)" = one ]
	exec 5<&-		# the fifo has no reader now
	echo >go
	wait "$waiter"
	[ "$(cat status)" = "signaled 13" ]
	[ "$(cat out)" = "one
two" ]
	[ ! -s err ] || fail "$(cat err)"
}

# with_broken FD CMD...: run CMD with fd FD a pipe whose reader has gone,
# SIGPIPE at its default.
with_broken() {
	python3 -c 'import os, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
r, w = os.pipe()
os.close(r)
os.dup2(w, int(sys.argv[1]))
os.execvp(sys.argv[2], sys.argv[2:])' "$@"
}

@test "cron mode, stderr a broken pipe: the command's status still comes through" {
	run with_broken 2 "$CRONTY" sh -c 'exit 42'
	[ "$status" -eq 42 ]
	run with_broken 2 "$CRONTY" sh -c 'echo out; exit 0'
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

@test "cron mode: a zero-length write to stderr counts as output on stderr" {
	run --separate-stderr "$CRONTY" sh -c 'echo out; exec python3 -c "import os; os.write(2, b\"\")"'
	[ "$status" -eq 0 ]
	[ "$output" = out ]
	[ "$stderr" = "$CRONTY: sh: exited with status 0" ]
	# Nothing at all is still silence.
	run --separate-stderr "$CRONTY" sh -c 'echo out'
	[ "$output" = "" ]
	[ "$stderr" = "" ]
}

# fds_of PID: how many descriptors PID holds.
fds_of() {
	ls /proc/"$1"/fd | wc -l
}

@test "descriptors a command sends along with its output (SCM_RIGHTS) are not kept by dtee" {
	need_cmd python3
	for opt in -L -C "--log-format=json -L"; do
		rm -f ready go && mkfifo ready go
		# shellcheck disable=SC2086 # the option and its words
		"$DTEE" --no-preload $opt log python3 -c 'import os, socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM, fileno=os.dup(1))
for i in range(100):
    socket.send_fds(s, [b"x\n"], [0, 0, 0, 0])
os.write(1, b"sent\n")
open("ready", "w").close()
open("go").read()' >out 2>err 3>&- &
		local d=$!
		: <ready
		# The datagrams are queued behind "sent": wait until dtee has it.
		until grep -q sent out; do sleep 0.01; done
		local n
		n=$(fds_of "$d")
		: >go
		wait "$d"
		[ "$n" -lt 20 ] || fail "dtee $opt holds $n descriptors"
	done
}

@test "one terminal under two names (/dev/pts/N and /dev/tty): the order kept on it" {
	need_cmd python3 script
	# alternate writes 1000 pairs out/err; stderr goes to /dev/tty, stdout
	# to the pseudo-terminal script made: the same terminal.
	script -qec "'$DTEE' -C comb '$HELPERS/alternate' 1000 2>/dev/tty" /dev/null >tty.out </dev/null
	tr -d '\r' <tty.out >tty.txt
	cmp comb tty.txt || fail "the terminal shows another order than the -C file"
}

# inherited_ignored NUMBER: signal NUMBER is ignored in this shell, and so
# in what it starts (a job runner may ignore some).
inherited_ignored() {
	local mask
	mask=$(awk '/^SigIgn:/ { print $2 }' /proc/self/status)
	(( (16#$mask >> ($1 - 1)) & 1 ))
}

@test "SIGUSR1, SIGQUIT, SIGALRM to dtee: stop signals like the others; SIGXFSZ: the file reports, the rest goes on" {
	for sig in USR1:10 QUIT:3 ALRM:14; do
		# Ignored when dtee starts: stays ignored (tested elsewhere).
		! inherited_ignored "${sig#*:}" || continue
		signal_flood "$sig"
	done
	run --separate-stderr bash -c 'ulimit -f 1; "$DTEE" -o big -- seq 1 100000 | wc -l'
	[ "$output" = 100000 ]
	[ "$stderr" = "$DTEE: big: File too large" ]
}

@test "-p: the pass-through's reader goes away; files and logs get everything, exit is the command's" {
	seq 1000000 >want
	run --separate-stderr bash -c '"$DTEE" -p -C all.log -L log seq 1000000 | head -2; echo "${PIPESTATUS[0]}" >status'
	[ "$output" = "1
2" ]
	[ -z "$stderr" ] || fail "$stderr"
	[ "$(cat status)" = 0 ]
	cmp want all.log
	[ "$(grep -c ' O: ' log)" -eq 1000000 ]
	[ "$(tail -n 1 log | cut -d' ' -f2-)" = "I: Finished with exitcode 0" ]
	# The same with --output-error alone.
	bash -c '"$DTEE" --output-error -C all.log seq 1000000 | head -2; echo "${PIPESTATUS[0]}" >status' >/dev/null
	[ "$(cat status)" = 0 ]
	cmp want all.log
}

@test "--output-error=warn reports the broken pipe, copies on, exit 74; exit and exit-nopipe stop" {
	seq 1000000 >want
	run --separate-stderr bash -c '"$DTEE" --output-error=warn -C all.log seq 1000000 | head -2; echo "${PIPESTATUS[0]}" >status'
	[ "$stderr" = "$DTEE: stdout: write: Broken pipe" ]
	[ "$(cat status)" = 74 ]
	cmp want all.log
	# exit: the broken pipe stops dtee at once, as it stops tee.
	run --separate-stderr bash -c '"$DTEE" --output-error=exit -C all.log seq 1000000 | head -2; echo "${PIPESTATUS[0]}" >status'
	[ "$stderr" = "$DTEE: stdout: write: Broken pipe" ]
	[ "$(cat status)" = 74 ]
	[ "$(wc -l <all.log)" -lt 1000000 ]
	# A prefix of the output, to the byte (seq's writes are not lines).
	cmp all.log <(head -c "$(stat -c %s all.log)" want)
	# exit-nopipe: a broken pipe is not a failure, a full disk is.
	run --separate-stderr bash -c '"$DTEE" --output-error=exit-nopipe -C all.log seq 1000000 | head -2; echo "${PIPESTATUS[0]}" >status'
	[ -z "$stderr" ] && [ "$(cat status)" = 0 ]
	cmp want all.log
	if [ -w /dev/full ]; then
		run --separate-stderr "$DTEE" --output-error=exit-nopipe -o /dev/full -C all.log seq 10
		[ "$status" -eq 74 ]
		[ "$stderr" = "$DTEE: /dev/full: No space left on device" ]
	fi
	run --separate-stderr "$DTEE" --output-error=sometimes true
	[ "$status" -eq 64 ]
	[ "$stderr" = "$DTEE: invalid argument 'sometimes' for '--output-error' (warn, warn-nopipe, exit or exit-nopipe)
Try '$DTEE -h' for more information." ]
}
