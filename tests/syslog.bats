#!/usr/bin/env bats
# --journal and --syslog, checked against the real receivers: rsyslogd
# (Debian's rsyslog) with a private configuration and socket, and
# systemd-journald run in a mount namespace of its own, with its sockets and
# journal in the test's directory, read back with journalctl. Each test
# starts its receiver and stops it by the pid it recorded.

load common

setup() {
	common_setup
	unset DTEE_SYSLOG_SOCKET DTEE_JOURNAL_SOCKET
}

teardown() {
	local p
	for p in "${RECEIVERS[@]}"; do
		stop_pid "$p"
	done
}

RECEIVERS=()

# stop_pid PID: stop a receiver this test started, and wait until it is gone.
stop_pid() {
	ours "$1" && kill "$1" 2>/dev/null || return 0
	local i
	for ((i = 0; i < 200; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	stop_pids -KILL "$1"
}

# wait_for WHAT COMMAND...: retry COMMAND (up to 20 s) until it succeeds.
wait_for() {
	local what=$1 i
	shift
	for ((i = 0; i < 400; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	fail "timed out waiting for $what"
}

# has_lines FILE N: FILE exists with at least N lines.
has_lines() {
	[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]
}

# rsyslog -------------------------------------------------------------------

# start_rsyslog: rsyslogd with its own socket ($RS_SOCK) writing every
# message to $RS_LOG as "FACILITY SEVERITY TAG PROGRAMNAME PROCID TEXT".
start_rsyslog() {
	# A user's PATH seldom holds /usr/sbin, where Debian puts rsyslogd; it
	# runs unprivileged all the same, on a socket and files of its own.
	local rsyslogd
	rsyslogd=$(PATH=$PATH:/usr/sbin:/sbin command -v rsyslogd) ||
		skip "rsyslogd is missing (scripts/ensure-tools installs Debian's rsyslog when run as root)"
	local d=$BATS_TEST_TMPDIR/rsyslog
	mkdir -p "$d"
	RS_SOCK=$d/log.sock RS_LOG=$d/messages.log
	cat >"$d/rsyslog.conf" <<-EOF
		global(workDirectory="$d")
		module(load="imuxsock" SysSock.Use="off")
		input(type="imuxsock" Socket="$RS_SOCK" RateLimit.Interval="0")
		template(name="fields" type="string"
			string="%syslogfacility% %syslogseverity% %syslogtag% %programname% %procid% %msg:2:\$%\n")
		*.* action(type="omfile" file="$RS_LOG" template="fields")
	EOF
	"$rsyslogd" -n -f "$d/rsyslog.conf" -i "$d/rsyslogd.pid" >"$d/rsyslogd.out" 2>&1 3>&- &
	RS_PID=$!
	RECEIVERS+=("$RS_PID")
	wait_for "rsyslogd's socket ($(cat "$d/rsyslogd.out"))" test -S "$RS_SOCK"
	export DTEE_SYSLOG_SOCKET=$RS_SOCK
}

# journald ------------------------------------------------------------------

# start_journald: systemd-journald in a mount namespace of its own: a
# private /run, its sockets in $J_RUN (so dtee, outside, reaches them) and
# its journal in $J_DIR; no kernel log, no forwarding, no rate limit.
start_journald() {
	local jd=/lib/systemd/systemd-journald d=$BATS_TEST_TMPDIR/journald
	[ -x "$jd" ] || skip "systemd-journald is missing ($jd; Debian's systemd package)"
	[ "$(id -u)" = 0 ] || skip "systemd-journald needs root to run in a mount namespace"
	command -v unshare >/dev/null || skip "unshare (util-linux) is missing"
	command -v journalctl >/dev/null || skip "journalctl is missing"
	command -v python3 >/dev/null || skip "python3 is missing (reads journalctl's JSON)"
	J_RUN=$d/run J_DIR=$d/journal
	mkdir -p "$J_RUN" "$J_DIR"
	cat >"$d/journald.conf" <<-EOF
		[Journal]
		Storage=volatile
		ReadKMsg=no
		Audit=no
		ForwardToSyslog=no
		ForwardToWall=no
		ForwardToConsole=no
		ForwardToKMsg=no
		RateLimitBurst=0
	EOF
	# unshare and sh exec: the pid is journald's.
	unshare -m --propagation private sh -c '
		mount -t tmpfs -o mode=755 tmpfs /run &&
		mkdir -p /run/systemd/journal /run/log/journal &&
		mount --bind "$1/run" /run/systemd/journal &&
		mount --bind "$1/journal" /run/log/journal &&
		mount --bind "$1/journald.conf" /etc/systemd/journald.conf &&
		exec "$2"' sh "$d" "$jd" >"$d/journald.out" 2>&1 3>&- &
	J_PID=$!
	RECEIVERS+=("$J_PID")
	local i
	for ((i = 0; i < 400; i++)); do
		[ -S "$J_RUN/socket" ] && break
		kill -0 "$J_PID" 2>/dev/null ||
			skip "systemd-journald cannot run here: $(tail -n 3 "$d/journald.out" | tr '\n' ' ')"
		sleep 0.05
	done
	[ -S "$J_RUN/socket" ] || fail "systemd-journald made no socket: $(cat "$d/journald.out")"
	export DTEE_JOURNAL_SOCKET=$J_RUN/socket
}

# journal_entries IDENT: the command's entries of IDENT, one a line:
# "PRIORITY IDENTIFIER PID STREAM PARTIAL CONTINUED MESSAGE" (MESSAGE with
# bytes below 32 as \xNN), in the journal's order.
journal_entries() {
	journalctl -D "$J_DIR" -o json -a --no-pager "SYSLOG_IDENTIFIER=$1" | python3 -c '
import json, sys
def text(v):
    if isinstance(v, list):
        v = bytes(v).decode("utf-8", "replace")
    return "".join(c if ord(c) >= 32 else "\\x%02x" % ord(c) for c in v)
for line in sys.stdin:
    e = json.loads(line)
    if "DTEE_EVENT" in e:
        continue
    print(e["PRIORITY"], e["SYSLOG_IDENTIFIER"], e.get("SYSLOG_PID", "-"), e["DTEE_STREAM"],
          e.get("DTEE_PARTIAL", "0"), e.get("DTEE_CONTINUED", "0"), text(e["MESSAGE"]))
'
}

# journal_events IDENT: dtee's own entries of IDENT, one a line:
# "PRIORITY PID DTEE_EVENT EXIT_CODE EXIT_STATUS DTEE_SIGNAL MESSAGE",
# "-" for a field left out.
journal_events() {
	journalctl -D "$J_DIR" -o json -a --no-pager "SYSLOG_IDENTIFIER=$1" | python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    if "DTEE_EVENT" in e:
        print(e["PRIORITY"], e.get("SYSLOG_PID", "-"), e["DTEE_EVENT"], e.get("EXIT_CODE", "-"),
              e.get("EXIT_STATUS", "-"), e.get("DTEE_SIGNAL", "-"), e["MESSAGE"])
'
}

# journal_has IDENT N: at least N entries of IDENT have been stored.
journal_has() {
	[ "$(journalctl -D "$J_DIR" -o cat --no-pager "SYSLOG_IDENTIFIER=$1" | wc -l)" -ge "$2" ]
}

# The command ----------------------------------------------------------------

# write_mixer: a script writing lines to both streams, from itself and from
# a child process; every line names its stream and the pid that wrote it.
write_mixer() {
	cat >mixer.sh <<-'EOF'
		#!/bin/sh
		i=0
		while [ $i -lt 100 ]; do
			echo "out $$ $i"
			echo "err $$ $i" >&2
			[ $((i % 7)) = 0 ] && echo "out $$ $i again"
			i=$((i + 1))
		done
		sh -c 'echo "out $$ child"; echo "err $$ child" >&2; echo "out $$ child 2"'
		echo "err $$ last" >&2
	EOF
	chmod +x mixer.sh
}

# expect_from_combined OUT ERR FORMAT: all.log (the order dtee saw) as each
# line should arrive; FORMAT is an awk printf format taking the priority
# (OUT or ERR by the line's stream), the pid twice and the line.
expect_from_combined() {
	awk -v out="$1" -v err="$2" -v fmt="$3" \
		'{ printf fmt, ($1 == "err" ? err : out), $2, $2, $0 }' all.log
}

@test "syslog: every line in order, with facility, priority, identifier and the writer's pid" {
	start_rsyslog
	write_mixer
	run --separate-stderr "$DTEE" -C all.log --syslog=local3 --ident=mixer -- ./mixer.sh 3>&-
	[ "$status" -eq 0 ] || fail "status $status: $stderr"
	local n
	n=$(wc -l <all.log)
	[ "$n" -eq 219 ] || fail "all.log has $n lines"
	wait_for "$((n + 1)) messages in $RS_LOG" has_lines "$RS_LOG" $((n + 1))
	expect_from_combined 6 3 "19 %s mixer[%s]: mixer %s %s\n" >want
	# the two pids really differ: the child's lines carry its own
	[ "$(awk '{print $2}' all.log | sort -u | wc -l)" -eq 2 ]
	head -n "$n" "$RS_LOG" | diff want -
	# then dtee's own message: how the run ended
	[ "$(tail -n 1 "$RS_LOG" | cut -d' ' -f1,2,4,6-)" = "19 6 mixer Finished with exitcode 0" ]
}

@test "syslog: facility user by default, --priority names and numbers, identifier from the command" {
	start_rsyslog
	write_mixer
	run --separate-stderr "$DTEE" -C all.log --syslog --priority=warning,crit -- ./mixer.sh 3>&-
	[ "$status" -eq 0 ] || fail "status $status: $stderr"
	wait_for "messages" has_lines "$RS_LOG" 220
	expect_from_combined 4 2 "1 %s mixer.sh[%s]: mixer.sh %s %s\n" >want
	head -n 219 "$RS_LOG" | diff want -

	: >"$RS_LOG.before"
	run --separate-stderr "$DTEE" --syslog=daemon --priority=5,0 --ident=n -- sh -c 'echo o; echo e >&2' 3>&-
	[ "$status" -eq 0 ]
	wait_for "messages" has_lines "$RS_LOG" 223
	tail -n 3 "$RS_LOG" | cut -d' ' -f1,2,6 >got
	printf '3 5 o\n3 0 e\n3 5 Finished\n' | diff - got
}

@test "syslog: a long line is cut into messages rsyslog takes whole" {
	start_rsyslog
	head -c 20000 /dev/zero | tr '\0' x >long
	echo >>long
	run --separate-stderr "$DTEE" --syslog --ident=long -- cat long 3>&-
	[ "$status" -eq 0 ]
	wait_for "the pieces and the end" has_lines "$RS_LOG" 4
	[ "$(wc -l <"$RS_LOG")" -eq 4 ] || fail "$(wc -l <"$RS_LOG") messages"
	# each piece within rsyslog's 8096 bytes, and together the whole line
	awk '{ if (length($0) > 8096) exit 1 }' "$RS_LOG"
	[ "$(head -n 3 "$RS_LOG" | cut -d' ' -f6 | tr -d '\n')" = "$(tr -d '\n' <long)" ]
}

@test "syslog: cron mode runs quietly and the system log still gets every line" {
	start_rsyslog
	run --separate-stderr "$CRONTY" -O out.log --syslog --ident=job -- sh -c 'echo one; echo two' 3>&-
	[ "$status" -eq 0 ]
	[ -z "$output" ] && [ -z "$stderr" ]
	wait_for "messages" has_lines "$RS_LOG" 3
	cut -d' ' -f1,2,6- "$RS_LOG" >got
	printf '1 6 one\n1 6 two\n1 6 Finished with exitcode 0\n' | diff - got
	printf 'one\ntwo\n' | diff - out.log
}

@test "syslog: the end is a message of its own, from dtee, at the stderr priority when the command failed" {
	start_rsyslog
	run --separate-stderr "$CRONTY" --syslog --ident=job sh -c 'echo x; echo $$ >cmd; exit 3' 3>&-
	[ "$status" -eq 3 ]
	[ "$stderr" = "$CRONTY: sh: exited with status 3" ]	# cron mode's report, as before
	wait_for "messages" has_lines "$RS_LOG" 2
	[ "$(wc -l <"$RS_LOG")" -eq 2 ]
	# FACILITY SEVERITY TAG PROGRAMNAME PROCID TEXT
	read -r fac sev _ name pid text <<<"$(tail -n 1 "$RS_LOG")"
	[ "$fac $sev $name $text" = "1 3 job Finished with exitcode 3" ]
	[ "$pid" != "$(cat cmd)" ]
	[ "$(head -n 1 "$RS_LOG" | cut -d' ' -f1,2,4,5,6)" = "1 6 job $(cat cmd) x" ]
	: >"$RS_LOG"
	run --separate-stderr "$DTEE" --syslog --ident=gone -- sh -c 'kill -TERM $$' 3>&-
	[ "$status" -eq 143 ]
	wait_for "the end" has_lines "$RS_LOG" 1
	[ "$(cut -d' ' -f1,2,4,6- "$RS_LOG")" = "1 3 gone Finished by signal 15: Terminated" ]
}

@test "syslog with -p: the pass-through's reader goes away, the system log still gets every line and the end" {
	start_rsyslog
	run --separate-stderr bash -c '"$DTEE" -p --syslog --ident=seq seq 20000 | head -2; echo "${PIPESTATUS[0]}" >status' 3>&-
	[ "$output" = "1
2" ]
	[ -z "$stderr" ] && [ "$(cat status)" = 0 ]
	wait_for "20001 messages" has_lines "$RS_LOG" 20001
	head -n 20000 "$RS_LOG" | cut -d' ' -f6 | diff <(seq 20000) -
	[ "$(tail -n 1 "$RS_LOG" | cut -d' ' -f6-)" = "Finished with exitcode 0" ]
}

@test "syslog: rsyslogd killed mid-run: files whole, lines not delivered reported, exit 74" {
	start_rsyslog
	export RS_PID RS_LOG
	cat >killer.sh <<-'EOF'
		#!/bin/sh
		for i in 1 2 3; do echo "before $i"; done
		until [ "$(grep -c before "$RS_LOG" 2>/dev/null)" = 3 ]; do sleep 0.05; done
		kill "$RS_PID"
		while kill -0 "$RS_PID" 2>/dev/null; do sleep 0.05; done
		for i in 1 2 3 4 5; do echo "after $i"; echo "after-err $i" >&2; done
	EOF
	chmod +x killer.sh
	run --separate-stderr "$DTEE" -L log -O out.log -C all.log --syslog -- ./killer.sh 3>&-
	[ "$status" -eq 74 ] || fail "status $status: $stderr"
	[ "$(grep -c 'not delivered' <<<"$stderr")" -eq 1 ]
	# the 10 lines and the end message
	grep -E "^$DTEE: syslog: 11 lines not delivered: " <<<"$stderr"
	# The log, given first, still ends with that report, then the end.
	tail -n 2 log | cut -d' ' -f2- >ends
	grep -qE "^I: $DTEE: syslog: 11 lines not delivered: " ends || fail "$(cat ends)"
	[ "$(tail -n 1 ends)" = "I: Finished with exitcode 0" ]
	[ "$(wc -l <all.log)" -eq 13 ] && [ "$(wc -l <out.log)" -eq 8 ]
	[ "$(grep -c before "$RS_LOG")" -eq 3 ]
}

@test "syslog: a receiver that stops reading holds dtee up a bounded time, then exit 74" {
	command -v python3 >/dev/null || skip "python3 is missing"
	python3 -c 'import signal, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
signal.pause()' "$BATS_TEST_TMPDIR/stuck.sock" 3>&- &
	RECEIVERS+=("$!")
	wait_for "the socket" test -S stuck.sock
	export DTEE_SYSLOG_SOCKET=$BATS_TEST_TMPDIR/stuck.sock
	run --separate-stderr "$DTEE" -O out.log --syslog -- seq 1000 3>&-
	[ "$status" -eq 74 ] || fail "status $status: $stderr"
	seq 1000 | diff - out.log
	seq 1000 | diff - <(printf '%s\n' "$output")
	grep -E "^$DTEE: syslog: [0-9]+ lines not delivered: Resource temporarily unavailable\$" <<<"$stderr"
}

@test "syslog and journal: no socket: one line naming it, command not run, exit 69" {
	local kind env
	for kind in syslog journal; do
		env=DTEE_SYSLOG_SOCKET
		[ $kind = journal ] && env=DTEE_JOURNAL_SOCKET
		run --separate-stderr env "$env=$BATS_TEST_TMPDIR/none" "$DTEE" --$kind -- touch ran 3>&-
		[ "$status" -eq 69 ]
		[ "$stderr" = "$DTEE: $kind: $BATS_TEST_TMPDIR/none: No such file or directory" ]
		[ ! -e ran ]
	done
}

@test "syslog and journal: no socket in cron mode: the command runs, exit 69" {
	run --separate-stderr env DTEE_JOURNAL_SOCKET="$BATS_TEST_TMPDIR/none" \
		"$CRONTY" -O out.log --journal -- sh -c 'echo hi; touch ran' 3>&-
	[ "$status" -eq 69 ]
	[ -e ran ]
	grep -Fx "$CRONTY: journal: $BATS_TEST_TMPDIR/none: No such file or directory" <<<"$stderr"
	[ "$(cat out.log)" = hi ]
}

@test "options: bad --priority, --syslog facility and empty --ident are usage errors" {
	run --separate-stderr "$DTEE" --priority=info -- true
	[ "$status" -eq 64 ] && [[ "$stderr" == *"invalid priorities 'info'"* ]]
	run --separate-stderr "$DTEE" --priority=info,bogus -- true
	[ "$status" -eq 64 ]
	run --separate-stderr "$DTEE" --priority=8,3 -- true
	[ "$status" -eq 64 ]
	run --separate-stderr "$DTEE" --syslog=nosuch -- true
	[ "$status" -eq 64 ] && [[ "$stderr" == *"invalid facility 'nosuch'"* ]]
	run --separate-stderr "$DTEE" --ident= -- true
	[ "$status" -eq 64 ]
	run --separate-stderr "$DTEE" --help
	[[ "$output" == *"--journal"* && "$output" == *"--priority=OUT,ERR"* ]]
}

@test "journal: every line an entry, in order, with priority, identifier, pid and stream" {
	start_journald
	write_mixer
	run --separate-stderr "$DTEE" -C all.log --journal --ident=mixer -- ./mixer.sh 3>&-
	[ "$status" -eq 0 ] || fail "status $status: $stderr"
	wait_for "219 entries" journal_has mixer 219
	journal_entries mixer >got
	awk '{ printf "%s mixer %s %s 0 0 %s\n", ($1 == "err" ? 3 : 6), $2,
		($1 == "err" ? "stderr" : "stdout"), $0 }' all.log >want
	diff want got
}

@test "journal: the end is an entry of its own, from dtee, with EXIT_CODE and EXIT_STATUS" {
	start_journald
	run --separate-stderr "$DTEE" --journal --ident=ok -- sh -c 'echo $$ >cmd; echo x' 3>&-
	[ "$status" -eq 0 ]
	wait_for "the end" journal_has ok 2
	read -r prio pid rest <<<"$(journal_events ok)"
	[ "$prio $rest" = "6 end exited 0 - Finished with exitcode 0" ]
	[ "$pid" != "$(cat cmd)" ] && [ "$pid" -gt 0 ]
	run --separate-stderr "$DTEE" --journal --ident=three -- sh -c 'exit 3' 3>&-
	[ "$status" -eq 3 ]
	wait_for "the end" journal_has three 1
	[ "$(journal_events three | cut -d' ' -f1,3-)" = "3 end exited 3 - Finished with exitcode 3" ]
	run --separate-stderr "$DTEE" --journal --ident=dumped -- sh -c 'ulimit -c unlimited; kill -SEGV $$' 3>&-
	[ "$status" -eq 139 ]
	wait_for "the end" journal_has dumped 1
	journal_events dumped | cut -d' ' -f1,3-5 >got
	grep -qxE '3 end (killed|dumped) 11' got || fail "$(cat got)"
	run --separate-stderr "$DTEE" --journal --ident=never -- ./no-such-command 3>&-
	[ "$status" -eq 66 ]
	wait_for "the end" journal_has never 2
	[ "$(journal_events never | cut -d' ' -f1,3-)" = "3 end not-run - - Could not run: No such file or directory" ]
}

@test "journal: control bytes, partial lines, long lines cut at 1 MiB" {
	start_journald
	cat >w.sh <<-'EOF'
		#!/bin/sh
		printf 'tab\there\rcr\n'
		printf 'partial'
		sleep 1.5
		echo ' rest'
		head -c 2500000 /dev/zero | tr '\0' y >big
		cat big
		echo end
	EOF
	chmod +x w.sh
	run --separate-stderr "$DTEE" --journal --ident=w --priority=,warning -- ./w.sh 3>&-
	[ "$status" -eq 0 ] || fail "status $status: $stderr"
	wait_for "entries" journal_has w 7
	journal_entries w >got
	cat >want <<-'EOF'
		6 w PID stdout 0 0 tab\x09here\x0dcr
		6 w PID stdout 1 0 partial
		6 w PID stdout 0 1  rest
		6 w PID stdout 1 0 yyyyyyyyyyyyyyyyyyyy
		6 w PID stdout 1 1 yyyyyyyyyyyyyyyyyyyy
		6 w PID stdout 1 1 yyyyyyyyyyyyyyyyyyyy
		6 w PID stdout 0 0 end
	EOF
	sed -E 's/^([0-9]+ w )[0-9]+ /\1PID /' got | cut -c1-36 >short
	cut -c1-36 want | diff - short
	# 1 MiB, 1 MiB and the rest of the y line: whole
	[ "$(awk 'NR >= 4 && NR <= 6 { n += length($7) } END { print n }' got)" -eq 2500000 ]
	awk 'NR == 4 || NR == 5 { if (length($7) != 1048576) exit 1 }' got
}

@test "journal: entries larger than a datagram go through a sealed memfd" {
	start_journald
	command -v strace >/dev/null || skip "strace is missing"
	head -c 1048576 /dev/zero | tr '\0' z >big
	# LeakSanitizer cannot run under ptrace (make asan)
	run --separate-stderr env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -o trace -e trace=memfd_create,fcntl,sendmmsg "$DTEE" --journal --ident=big -- cat big 3>&-
	[ "$status" -eq 0 ] || fail "status $status: $stderr"
	grep -q 'memfd_create("dtee-journal-entry", MFD_CLOEXEC|MFD_ALLOW_SEALING)' trace
	grep -q 'F_ADD_SEALS, F_SEAL_SEAL|F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_WRITE' trace
	grep -q 'cmsg_type=SCM_RIGHTS' trace
	wait_for "the entry" journal_has big 1
	[ "$(journal_entries big | cut -d' ' -f1,2,4-6)" = "6 big stdout 1 0" ]
	[ "$(journal_entries big | cut -d' ' -f7 | tr -d '\n')" = "$(cat big)" ]
}

@test "journal: journald killed mid-run: files whole, lines not delivered reported, exit 74" {
	start_journald
	export J_PID J_DIR
	cat >killer.sh <<-'EOF'
		#!/bin/sh
		echo before
		until journalctl -D "$J_DIR" -o cat SYSLOG_IDENTIFIER=killer.sh | grep -q before; do sleep 0.05; done
		kill "$J_PID"
		while kill -0 "$J_PID" 2>/dev/null; do sleep 0.05; done
		for i in 1 2 3 4; do echo "after $i"; done
	EOF
	chmod +x killer.sh
	run --separate-stderr "$DTEE" -C all.log --journal -- ./killer.sh 3>&-
	[ "$status" -eq 74 ] || fail "status $status: $stderr"
	# the 4 lines and the end entry
	grep -E "^$DTEE: journal: 5 lines not delivered: " <<<"$stderr"
	printf 'before\nafter 1\nafter 2\nafter 3\nafter 4\n' | diff - all.log
}

@test "journal and syslog together, with files" {
	start_rsyslog
	start_journald
	write_mixer
	run --separate-stderr "$DTEE" -O out.log -C all.log --journal --syslog --ident=both -- ./mixer.sh 3>&-
	[ "$status" -eq 0 ] || fail "status $status: $stderr"
	wait_for "journal entries" journal_has both 219
	wait_for "syslog messages" has_lines "$RS_LOG" 220
	journal_entries both | cut -d' ' -f7- | diff all.log -
	head -n 219 "$RS_LOG" | cut -d' ' -f6- | diff all.log -
	grep '^out' all.log | diff - out.log
}

# attach_with_log LOGOPT: attach dtee, with LOGOPT and no --ident, to a shell
# loop named "ticker" that writes "tick N"; ALOOP and ADTEE are their pids.
# Skips where this user may not trace the loop.
attach_with_log() {
	cat >ticker <<-'EOF2'
		#!/bin/bash
		i=0
		while [ ! -e stop ]; do echo "tick $i"; i=$((i + 1)); sleep 0.01; done
	EOF2
	chmod +x ticker
	./ticker >/dev/null 2>&1 3>&- &
	ALOOP=$!
	RECEIVERS+=("$ALOOP")
	wait_for "the loop's name" grep -qx ticker "/proc/$ALOOP/comm"
	env --default-signal=INT "$DTEE" --attach="$ALOOP" "$1" 2>dtee.err 3>&- &
	ADTEE=$!
	RECEIVERS+=("$ADTEE")
}

# attach_ends_cleanly: SIGTERM detaches dtee, which exits 0 (not 139).
attach_ends_cleanly() {
	local rc=0
	kill -TERM "$ADTEE"
	wait "$ADTEE" || rc=$?
	touch stop
	[ "$rc" -eq 0 ] || fail "dtee exited $rc: $(cat dtee.err)"
}

@test "syslog: --attach without --ident sends under the process's name" {
	BATS_TEST_TIMEOUT=60
	start_rsyslog
	attach_with_log --syslog
	local i
	for ((i = 0; i < 400; i++)); do
		has_lines "$RS_LOG" 3 && break
		kill -0 "$ADTEE" 2>/dev/null || break
		sleep 0.05
	done
	if ! kill -0 "$ADTEE" 2>/dev/null; then
		local rc=0
		wait "$ADTEE" || rc=$?
		[ "$rc" -ne 77 ] || skip "this user may not attach: $(cat dtee.err)"
		fail "dtee ended with $rc: $(cat dtee.err)"
	fi
	attach_ends_cleanly
	# "FACILITY SEVERITY TAG PROGRAMNAME PROCID TEXT": the process's lines,
	# then dtee's end entry, from dtee's pid, under the same name.
	head -n -1 "$RS_LOG" | awk -v pid="$ALOOP" '$3 != "ticker[" pid "]:" || $4 != "ticker" || $6 != "tick" { print; bad = 1 }
		END { exit bad }'
	tail -n 1 "$RS_LOG" | awk -v pid="$ADTEE" '$3 != "ticker[" pid "]:" || $6 != "Detached:" { print; bad = 1 }
		END { exit bad }'
}

@test "journal: --attach without --ident sends under the process's name" {
	BATS_TEST_TIMEOUT=60
	start_journald
	attach_with_log --journal
	local i
	for ((i = 0; i < 400; i++)); do
		journal_has ticker 3 && break
		kill -0 "$ADTEE" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$ADTEE" 2>/dev/null || fail "dtee ended: $(cat dtee.err)"
	attach_ends_cleanly
	journal_entries ticker >got
	awk -v pid="$ALOOP" '$2 != "ticker" || $3 != pid || $7 != "tick" { print; bad = 1 } END { exit bad }' got
}

@test "syslog: a long --ident is cut before a UTF-8 character that would not fit" {
	start_rsyslog
	local a63 a127
	a63=$(printf 'a%.0s' {1..63})
	a127=$(printf 'a%.0s' {1..127})
	# 63 + 2 bytes: cut at 64 would split the é.
	run --separate-stderr "$DTEE" --syslog --ident="${a63}é" -- echo hi 3>&-
	[ "$status" -eq 0 ] || fail "status $status: $stderr"
	wait_for "the message" has_lines "$RS_LOG" 1
	local tag
	tag=$(head -n 1 "$RS_LOG" | cut -d' ' -f3)
	[ "$tag" = "${a63}[${tag##*[}" ] || fail "tag: $(printf '%s' "$tag" | od -c | head -n 6)"
	# Whole when it fits: 62 + 2.
	wait_for "the end entry" has_lines "$RS_LOG" 2
	run --separate-stderr "$DTEE" --syslog --ident="${a63%a}é" -- echo hi 3>&-
	wait_for "the message and the end entry" has_lines "$RS_LOG" 4
	tag=$(sed -n 3p "$RS_LOG" | cut -d' ' -f3)
	[ "${tag%%[*}" = "${a63%a}é" ] || fail "tag: $tag"
}

@test "journal: a long --ident is cut before a UTF-8 character that would not fit" {
	start_journald
	local a127
	a127=$(printf 'a%.0s' {1..127})
	run --separate-stderr "$DTEE" --journal --ident="${a127}é" -- echo hi 3>&-
	[ "$status" -eq 0 ] || fail "status $status: $stderr"
	wait_for "the entry" journal_has "$a127" 1
	[ "$(journal_entries "$a127" | cut -d' ' -f2,7)" = "$a127 hi" ]
}
