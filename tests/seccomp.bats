#!/usr/bin/env bats
# --seccomp: large writes that libdtee.so cannot see (static C, Go, node's
# non-blocking stdout; write, writev, send*, pwritev2) reach every output
# whole, once, and in order, under signals, threads, grandchildren,
# redirections and nesting; every such check is byte-exact against the
# same command run without dtee. Once dtee is gone the command gets what a
# pipe would give (EPIPE, SIGPIPE); and dtee never sends as itself on a
# socket the command chose (checked with a second user).

load common

W_STATIC="$HELPERS/seccomp-writer-static"

# reference CMD...: run CMD without dtee: ref.out, ref.err and, both streams
# on one description, ref.comb.
reference() {
	"$@" >ref.out 2>ref.err || fail "reference run failed: $*"
	"$@" >ref.comb 2>&1 || fail "reference run failed: $*"
}

# under_seccomp CMD...: run CMD under dtee --seccomp with every kind of
# output, then check each against the reference.
under_seccomp() {
	"$DTEE" --seccomp -O out -E err -C comb "$@" >pass.out 2>pass.err
	local rc=$?
	[ "$rc" -eq 0 ] || { cat pass.err >&2; fail "dtee exited $rc"; }
	same out ref.out && same pass.out ref.out &&
		same err ref.err && same pass.err ref.err && same comb ref.comb
}

# same A B: byte-exact, or say how the sizes differ.
same() {
	[ "$(sum "$1")" = "$(sum "$2")" ] ||
		fail "$1 ($(wc -c <"$1") bytes) differs from $2 ($(wc -c <"$2") bytes)"
}

@test "a static program's 20 MB by write, writev and fwrite: byte-exact and in order" {
	# 4 MiB each: write, writev, fwrite and writev to stdout, write to stderr.
	reference "$W_STATIC" -s 4M -m wvfve
	under_seccomp "$W_STATIC" -s 4M -m wvfve
	[ "$(wc -c <comb)" -gt $((20 << 20)) ]
}

@test "without --seccomp the static program's large write fails (the case it fixes)" {
	run --separate-stderr "$DTEE" -O out "$W_STATIC" -Q -s 20M -m w
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"seccomp-writer: write: Message too long"* ]]
	[ ! -s out ]
}

@test "sendmsg, sendto, sendmmsg and pwritev2 (offset -1) on fd 1: byte-exact and in order" {
	reference "$W_STATIC" -s 4M -m stmp
	under_seccomp "$W_STATIC" -s 4M -m stmp
}

@test "20 MB through sendmsg and pwritev2: whole under --seccomp, EMSGSIZE without" {
	run --separate-stderr "$DTEE" -O out "$W_STATIC" -Q -s 20M -m s
	[ "$status" -eq 1 ]
	[ "$stderr" = "seccomp-writer: sendmsg: Message too long" ]
	reference "$W_STATIC" -Q -s 20M -m sp
	under_seccomp "$W_STATIC" -Q -s 20M -m sp
	[ "$(wc -c <out)" -gt $((40 << 20)) ]
}

@test "pwritev2 at an offset on fd 1: runs untouched, the socket refuses it (ESPIPE)" {
	run --separate-stderr "$DTEE" --seccomp -O out "$W_STATIC" -Q -s 1M -m P
	[ "$status" -eq 1 ]
	[ "$stderr" = "seccomp-writer: pwritev2: Illegal seek" ]
	[ ! -s out ]
}

@test "DTEE_SECCOMP=1 turns the supervisor on; DTEE_SECCOMP=0 leaves it off" {
	reference "$W_STATIC" -Q -s 20M -m w
	DTEE_SECCOMP=1 "$DTEE" -O out "$W_STATIC" -Q -s 20M -m w >/dev/null
	same out ref.out
	run env DTEE_SECCOMP=0 "$DTEE" "$W_STATIC" -Q -s 20M -m w
	[ "$status" -eq 1 ]
}

@test "a static Go program's 20 MB fmt.Print: byte-exact and in order" {
	local go gobin="$DTEE_BUILD/tests/seccomp-go"
	go=$("$BATS_TEST_DIRNAME/../scripts/ensure-go" 2>go.why) ||
		skip "no Go toolchain: $(tail -n 1 go.why)"
	if [ ! -x "$gobin" ] || [ "$gobin" -ot "$BATS_TEST_DIRNAME/helpers/seccomp-go.go" ]; then
		(cd "$BATS_TEST_DIRNAME/helpers" &&
			CGO_ENABLED=0 GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local \
			GOCACHE="$DTEE_BUILD/go-cache" GOPATH="$DTEE_BUILD/go-path" \
			"$go" build -o "$gobin" seccomp-go.go) || fail "go build failed"
	fi
	reference "$gobin" 20
	under_seccomp "$gobin" 20
}

@test "a 1 ms SIGALRM storm with SA_RESTART during trapped writes: nothing lost or doubled" {
	reference "$W_STATIC" -s 4M -m wvwvw
	under_seccomp "$W_STATIC" -a -s 4M -m wvwvw
}

@test "a 1 ms SIGALRM storm without SA_RESTART (EINTR retried): nothing lost or doubled" {
	reference "$W_STATIC" -s 4M -m wvwvw
	under_seccomp "$W_STATIC" -A -s 4M -m wvwvw
	# The storm did happen.
	"$DTEE" --seccomp -O storm "$W_STATIC" -A -v -Q -s 20M -m ww 2>storm.err >/dev/null
	run grep -o '[0-9]*' storm.err
	[ "$output" -gt 0 ]
}

@test "four threads writing 1 MiB blocks: every block whole, 20 MB in all" {
	"$W_STATIC" -t 4 -n 5 -s 1M >ref.out
	"$DTEE" --seccomp -O out "$W_STATIC" -t 4 -n 5 -s 1M >pass.out
	[ "$(wc -c <out)" -eq $((20 << 20)) ]
	# Each block is a run of identical lines: 20 runs if none was cut.
	[ "$(uniq out | wc -l)" -eq 20 ]
	[ "$(sort out | sum -)" = "$(sort ref.out | sum -)" ]
	same pass.out out
}

@test "grandchildren (fork and exec, in turn and in the background) keep order" {
	local script="$W_STATIC -s 3M -m wv; ($W_STATIC -s 3M -m vw); $W_STATIC -s 2M -m f & wait; exec $W_STATIC -s 3M -m e"
	reference sh -c "$script"
	under_seccomp sh -c "$script"
}

@test "fd 1 redirected to a file inside the command: the file gets the write untouched" {
	"$W_STATIC" -s 7M -m wvf >ref.file 2>/dev/null
	reference "$W_STATIC" -s 3M -m wv
	under_seccomp sh -c "$W_STATIC -s 7M -m wvf >inner.file 2>/dev/null; $W_STATIC -s 3M -m wv"
	same inner.file ref.file
}

@test "fd 1 redirected to stderr inside the command: the data follows it" {
	reference sh -c "$W_STATIC -Q -s 7M -m wv 1>&2"
	under_seccomp sh -c "$W_STATIC -Q -s 7M -m wv 1>&2"
	[ "$(wc -c <err)" -gt $((14 << 20)) ]
}

@test "fd 1 closed inside the command: the write fails with EBADF as it would" {
	run --separate-stderr "$DTEE" --seccomp sh -c "$W_STATIC -Q -s 7M -m w >&-"
	[ "$status" -eq 1 ]
	[ "$stderr" = "seccomp-writer: write: Bad file descriptor" ]
}

# An ASan build of the inner dtee finds libdtee.so preloaded by the outer.
nested_asan() {
	export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
}

@test "dtee --seccomp dtee --seccomp: nested, byte-exact, quiet" {
	nested_asan
	reference "$W_STATIC" -s 4M -m wvfve
	under_seccomp "$DTEE" --seccomp -O inner.out "$W_STATIC" -s 4M -m wvfve
	same inner.out ref.out
}

@test "nested under another supervisor: one line says so, output still whole" {
	reference "$W_STATIC" -Q -s 7M -m wv
	nested_asan
	# Hide the marker that tells the inner dtee its parent is a dtee.
	"$DTEE" --seccomp -O out sh -c "unset _DTEE_SUPERVISED; exec '$DTEE' --seccomp $W_STATIC -Q -s 7M -m wv" \
		>pass.out 2>pass.err
	same out ref.out
	same pass.out ref.out
	[ "$(cat pass.err)" = "$DTEE: --seccomp: another seccomp supervisor watches this process (Device or resource busy); running without it" ]
}

@test "a relayed write is credited to its writer in the logs, and its line not cut where relaying starts" {
	# 13 bytes, then 300 KiB and a newline in one write that dtee relays.
	"$DTEE" --seccomp --log-format=json -L log.json "$HELPERS/seccomp-line-static" writer.pid \
		>/dev/null 2>err &
	local dpid=$! rc=0 wpid
	wait "$dpid" || rc=$?
	[ "$rc" -eq 0 ] || fail "dtee exited $rc: $(cat err)"
	wpid=$(cat writer.pid)
	# dtee's own start and end records aside, every record names the
	# writer, none dtee.
	grep -v '"event":' log.json >lines.json
	mv lines.json log.json
	[ "$(grep -o '"pid":[0-9]*' log.json | sort -u)" = "\"pid\":$wpid" ] ||
		fail "pids: $(grep -o '"pid":[0-9]*' log.json | sort | uniq -c) (writer $wpid, dtee $dpid)"
	# Records of 16 KiB from the line's start: the first is not cut after
	# the 13 bytes written before the relayed write.
	[ "$(wc -l <log.json)" -eq $(((13 + 300 * 1024 + 16383) / 16384)) ]
	head -n 1 log.json | grep -q '"text":"head of line xxxxxxxx'
}

@test "fds 1 and 2 non-blocking: every trapped write completes whole, in order" {
	reference "$W_STATIC" -N -s 4M -m wvwvex
	# A reader slower than the writer: the queue fills while dtee relays.
	"$DTEE" --seccomp -O out -C comb "$W_STATIC" -N -s 4M -m wvwvex 2>pass.err | cat >pass.out
	cat pass.err | tail -n 1
	[ "$(tail -n 1 pass.err)" = "short: 0" ]
	same out ref.out && same pass.out ref.out && same comb ref.comb
}

@test "node with O_NONBLOCK: a 20 MB process.stdout.write stays one run, stderr after it" {
	local node
	node=$("$BATS_TEST_DIRNAME/../scripts/ensure-node" 2>node.why) ||
		skip "no node: $(tail -n 1 node.why)"
	"$DTEE" --seccomp -C log "$node" -e \
		'process.stdout.write("O".repeat(20e6)+"\n"); console.error("ERR"); console.log("END")' \
		2>/dev/null | cat >/dev/null
	{ head -c 20000000 /dev/zero | tr '\0' O; printf '\nERR\nEND\n'; } >want
	grep -boa ERR log
	same log want
}

@test "SO_SNDBUF shrunk by the command: writes below the trap threshold still fit" {
	reference "$W_STATIC" -Q -s 200K -m www
	under_seccomp "$W_STATIC" -Q -b 4K -s 200K -m www
}

# This test's live (not zombie) heirs: the processes that outlive dtee to
# answer stopped calls once it is gone. They are told from the heirs of other
# tests, run in parallel, by the TMPDIR they inherited: each test has its own.
heirs() {
	local pid
	for pid in $(ps -eo pid=,stat=,comm= | awk '$3 == "dtee-supervise" && $2 !~ /^Z/ { print $1 }'); do
		tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF "TMPDIR=$TMPDIR" && echo "$pid"
	done | sort
}

# no_new_heir BEFORE: within 5 s no heir is left that was not in BEFORE.
no_new_heir() {
	local i left
	for i in $(seq 100); do
		left=$(comm -13 <(echo "$1") <(heirs))
		[ -z "$left" ] && return 0
		sleep 0.05
	done
	fail "heir(s) still running: $left"
}

LATE=w1M,w300K,v1M,w20M,w100

# after_kill [DTEE OPTIONS]: the writer starts under dtee and waits; dtee is
# SIGKILLed; then the writer makes its calls and reports on them in late.
after_kill() {
	rm -f go report && mkfifo go report
	"$DTEE" "$@" "$W_STATIC" -W go -R "$LATE" -o report >/dev/null 2>&1 3>&- &
	local pid=$!
	exec 4>go	# returns once the writer has opened go: it runs
	kill -KILL "$pid"
	wait "$pid" || true
	exec 4>&-	# go
	timeout 10 cat report >late || fail "the writer hung"
}

# As from a pipe whose reader died: EPIPE for every write on fds 1 and 2,
# and SIGPIPE for the ones the filter traps (a datagram socket never
# raises it; small writes a static program makes get EPIPE alone).
LATE_AS_PIPE='w1M: Broken pipe +SIGPIPE
w300K: Broken pipe +SIGPIPE
v1M: Broken pipe +SIGPIPE
w20M: Broken pipe +SIGPIPE
w100: Broken pipe'

@test "dtee killed: the command's later writes get EPIPE, the trapped ones SIGPIPE, as from a pipe" {
	after_kill
	cat late
	# Without --seccomp (for comparison): refused, then not connected.
	[ "$(head -n 1 late)" = "w1M: Connection refused" ]
	after_kill --seccomp
	cat late
	[ "$(cat late)" = "$LATE_AS_PIPE" ]
}

@test "dtee killed: a static writer dies of SIGPIPE at its next large write" {
	rm -f go && mkfifo go
	"$DTEE" --seccomp sh -c "'$W_STATIC' -W go -Q -s 1M -m ww; echo \$? >status" >/dev/null 2>&1 3>&- &
	local pid=$!
	exec 4>go	# the writer runs
	kill -KILL "$pid"
	wait "$pid" || true
	exec 4>&-
	for i in $(seq 100); do [ -s status ] && break; sleep 0.05; done
	[ "$(cat status)" -eq $((128 + $(kill -l PIPE))) ]
}

@test "dtee killed while it relays a write: it returns what was sent, the next gets EPIPE and SIGPIPE, nothing hangs" {
	rm -f report && mkfifo report
	# Nobody reads dtee's output: its queue fills and the relay of the
	# 20 MB write blocks, its call taken and unanswered.
	{ "$DTEE" --seccomp "$W_STATIC" -R w20M,w1M -o report 2>/dev/null 3>&- & echo $! >d.pid; wait; } 3>&- | sleep 30 3>&- &
	local sink=$! reader d w i
	timeout 10 cat report >late 3>&- &
	reader=$!
	for i in $(seq 100); do [ -s d.pid ] && d=$(cat d.pid) && w=$(pgrep -P "$d") && break; sleep 0.05; done
	[ -n "$w" ] || fail "no writer"
	# Until a thread of dtee waits for room to send (in poll).
	for i in $(seq 100); do
		grep -q poll /proc/"$d"/task/*/wchan 2>/dev/null && break
		sleep 0.05
	done
	kill -KILL "$d"
	wait "$reader" || fail "the writer hung"
	stop_pids "$sink"
	cat late
	# Part of the 20 MB was sent: a short write, as the kernel gives (no
	# signal; run again whole, it would be sent twice).
	[[ "$(head -n 1 late)" =~ ^w20M:\ ([0-9]+)$ ]] || fail "not a short write"
	[ "${BASH_REMATCH[1]}" -gt 0 ] && [ "${BASH_REMATCH[1]}" -lt $((20 << 20)) ]
	[ "$(sed -n 2p late)" = "w1M: Broken pipe +SIGPIPE" ]
	[ "$(wc -l <late)" -eq 2 ]
}

@test "dtee killed while it relays to the command's own socket: the write returns what was sent, nothing twice" {
	[ "$(id -u)" = 0 ] || skip "needs root: only a privileged dtee serves the command's own sockets"
	rm -f ready go result && mkfifo ready go result
	# The helper's reader takes the first datagram's arrival as the sign,
	# then reads nothing until go: the relay of the 3 MiB write (more than
	# its 2 MiB send buffer takes as one datagram) fills the buffer, waits.
	"$DTEE" --seccomp "$HELPERS/seccomp-dup-static" ready go result 3M >/dev/null 2>&1 3>&- &
	local d=$! i got written
	timeout 10 cat ready >/dev/null || { stop_pids "$d"; fail "no datagram came"; }
	for i in $(seq 100); do
		grep -q poll /proc/"$d"/task/*/wchan 2>/dev/null && break
		sleep 0.05
	done
	kill -KILL "$d"
	wait "$d" || true
	timeout 10 sh -c 'echo go >go' || fail "the reader is gone"
	timeout 10 cat result >report || fail "the writer hung"
	cat report
	read -r _ got _ written <report
	# Cut short (a short write, as the kernel gives), and every byte the
	# writer was told of arrived once: not run again whole.
	[ "$written" -gt 0 ] && [ "$written" -lt $((3 << 20)) ]
	[ "$got" -eq "$written" ]
}

@test "dtee exits while it relays to a background writer's own socket: the write returns what was sent, nothing twice" {
	[ "$(id -u)" = 0 ] || skip "needs root: only a privileged dtee serves the command's own sockets"
	rm -f ready go result gate && mkfifo ready go result gate
	# The command (sh) ends once told to, its background writer's 3 MiB
	# still being relayed by a worker of dtee: dtee exits normally.
	"$DTEE" --seccomp sh -c "'$HELPERS/seccomp-dup-static' ready go result 3M & read -r _ <gate" \
		>/dev/null 2>&1 3>&- &
	local d=$! i got written
	timeout 10 cat ready >/dev/null || { stop_pids "$d"; fail "no datagram came"; }
	timeout 10 sh -c 'echo >gate' || { stop_pids "$d"; fail "the command is gone"; }
	for i in $(seq 200); do kill -0 "$d" 2>/dev/null || break; sleep 0.05; done
	! kill -0 "$d" 2>/dev/null || { stop_pids "$d"; fail "dtee did not exit"; }
	wait "$d" || fail "dtee exited $?"
	timeout 10 sh -c 'echo go >go' || fail "the reader is gone"
	timeout 10 cat result >report || fail "the writer hung"
	cat report
	read -r _ got _ written <report
	[ "$written" -gt 0 ] && [ "$written" -lt $((3 << 20)) ]
	[ "$got" -eq "$written" ]
}

# in_background [DTEE OPTIONS]: dtee ends while the command's background
# grandchild still waits; the pipe from dtee must end with it. The
# grandchild's writes, made after dtee has exited, are reported in late.
in_background() {
	rm -f go report && mkfifo go report
	timeout 10 sh -c "'$DTEE' $* sh -c '\"$W_STATIC\" -W go -R $LATE -o report & echo started' | cat >piped" 3>&- ||
		fail "the pipe did not end with dtee"
	[ "$(cat piped)" = started ]
	echo go >go
	timeout 10 cat report >late || fail "the writer hung"
}

@test "dtee exits before a background grandchild: the pipe ends, later writes get EPIPE as from a pipe" {
	local before
	before=$(heirs)
	in_background
	# dtee hung up the sockets: EPIPE, but no SIGPIPE from a datagram
	# socket to a static program.
	[ "$(head -n 1 late)" = "w1M: Broken pipe" ]
	in_background --seccomp
	cat late
	[ "$(cat late)" = "$LATE_AS_PIPE" ]
	no_new_heir "$before"
}

@test "the heir: out of dtee's session, holds only its listener, pipe and dtee's two sockets, gone with the command" {
	local before heir fds
	before=$(heirs)
	rm -f go && mkfifo go
	"$DTEE" --seccomp -O out sh -c "$W_STATIC -W go -Q -s 1M -m w & wait" >pass.out 2>pass.err 3>&- &
	local pid=$!
	exec 4>go	# the writer runs: the heir is there
	heir=$(comm -13 <(echo "$before") <(heirs))
	[ -n "$heir" ] || fail "no heir"
	[ "$(ps -o sid= -p "$heir")" -eq "$heir" ]
	fds=$(for f in /proc/"$heir"/fd/*; do readlink "$f"; done | sed 's/:\[[0-9]*\]$//; s/[][]//g' | sort | uniq -c | tr -s ' ')
	echo "$fds"
	[ "$fds" = "$(printf ' 3 /dev/null\n 1 anon_inode:seccomp notify\n 1 pipe\n 2 socket')" ]
	exec 4>&-
	wait "$pid"
	[ "$(wc -c <out)" -eq $((1 << 20)) ]
	no_new_heir "$before"
}

@test "unprivileged: no_new_privs set, byte-exact, non-dumpable writes let through and counted" {
	need_root
	need_cmd setpriv
	local dir nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	dir=$(mktemp -d /tmp/dtee-seccomp.XXXXXX) && chmod 777 "$dir" && cd "$dir" || fail "mktemp"
	"${nobody[@]}" test -x "$DTEE" -a -x "$W_STATIC" || { rm -rf "$dir"; skip "nobody cannot run the build"; }
	"$W_STATIC" -Q -s 7M -m wv >ref.out
	"${nobody[@]}" env TMPDIR="$dir" "$DTEE" --seccomp -O out sh -c "grep NoNewPrivs /proc/self/status >&2; $W_STATIC -Q -s 7M -m wv" \
		>pass.out 2>pass.err
	local ok=0
	same out ref.out && same pass.out ref.out && grep -q "NoNewPrivs:.*1" pass.err || ok=1
	# A non-dumpable process cannot be read: a 1 MiB write goes through whole, unsplit.
	"${nobody[@]}" env TMPDIR="$dir" "$DTEE" --seccomp -O dumb "$W_STATIC" -D -Q -s 1M -m w >/dev/null 2>dumb.err || ok=1
	[ "$(wc -c <dumb)" -eq $((1 << 20)) ] || ok=1
	grep -qx "$DTEE: --seccomp: 1 large write from a non-dumpable process went through unsplit" dumb.err || ok=1
	cat pass.err dumb.err
	cd / && rm -rf "$dir"
	[ "$ok" = 0 ]
}

@test "--help documents --seccomp and DTEE_SECCOMP" {
	run "$DTEE" --help
	[[ "$output" == *"--seccomp"* ]]
	[[ "$output" == *"DTEE_SECCOMP=1"* ]]
}

# A second user for the identity tests: created here, removed in teardown.
other_user() {
	[ "$(id -u)" = 0 ] || skip "needs root to run the command as another user"
	command -v useradd >/dev/null && command -v userdel >/dev/null && command -v runuser >/dev/null ||
		skip "needs useradd, userdel and runuser"
	OTHER=dtee-t$$-$BATS_TEST_NUMBER
	useradd --system --no-create-home --no-user-group --shell /bin/false "$OTHER" ||
		fail "useradd $OTHER failed"
	runuser -u "$OTHER" -- test -x "$HELPERS/seccomp-cred-static" ||
		skip "$OTHER cannot run the build"
}

teardown() {
	[ -z "${OTHER:-}" ] || userdel "$OTHER" || true
}

# listen_creds SIZE CMD...: a listener reading SO_PASSCRED gets the
# datagrams that the writer (run by CMD as the other user, under dtee)
# sends with one write of SIZE on a socket of its own (8 MiB send buffer
# asked) put on fd 1; its report in creds, the writer's stderr in send.err.
listen_creds() {
	local name=dtee-cred-$$-$BATS_TEST_NUMBER lpid how=${HOW:-send} size=$1
	shift
	rm -f ready && mkfifo ready
	"$HELPERS/seccomp-cred" listen "$name" ready >creds 3>&- &
	lpid=$!
	read -r _ <ready
	"$@" "$HELPERS/seccomp-cred-static" "$how" "$name" "$size" 2>send.err ||
		fail "the writer failed: $(cat send.err)"
	wait "$lpid" || fail "the listener failed"
	cat creds send.err
}

# every_datagram_from_writer: each datagram in creds carries the writer's
# pid and the other user's uid.
every_datagram_from_writer() {
	local pid uid
	pid=$(awk '$1 == "pid" { print $2 }' send.err)
	uid=$(id -u "$OTHER")
	[ -n "$pid" ] && [ -s creds ] || fail "no datagram"
	run awk -v p="$pid" -v u="$uid" '$1 != p || $2 != u' creds
	[ -z "$output" ] || fail "datagrams sent as someone else: $output"
}

@test "dtee's own socket connected elsewhere by the command: never sent on as dtee" {
	other_user
	HOW=reconnect listen_creds 20M "$DTEE" --seccomp runuser -u "$OTHER" --
	every_datagram_from_writer
	grep -qx "write: 20971520" send.err
	[ "$(awk '{ n += $4 } END { print n }' creds)" -eq $((20 << 20)) ]
}

@test "a socket of the command's own on fd 1: never sent on as dtee (root serves it as the writer)" {
	other_user
	# 20 MiB: more than the socket's send buffer takes as one datagram
	# (twice the 8 MiB asked, at most twice wmem_max).
	[ "$(cat /proc/sys/net/core/wmem_max)" -lt $((10 << 20)) ] ||
		skip "net.core.wmem_max is 10 MiB or more: a 20 MiB datagram could fit"
	listen_creds 20M "$DTEE" --seccomp runuser -u "$OTHER" --
	every_datagram_from_writer
	grep -qx "write: $((20 << 20))" send.err
	# Served by dtee in pieces, each sent as the writer.
	[ "$(wc -l <creds)" -eq 80 ]
	[ "$(awk '{ n += $4 } END { print n }' creds)" -eq $((20 << 20)) ]
}

@test "a socket of the command's own on fd 1: a write it takes whole stays one datagram" {
	other_user
	# 300 KiB: more than dtee relays in one piece (256 KiB), less than the
	# smallest buffer the 8 MiB asked can give (twice the default wmem_max).
	listen_creds 300K "$DTEE" --seccomp runuser -u "$OTHER" --
	every_datagram_from_writer
	grep -qx "write: $((300 << 10))" send.err
	[ "$(cat creds | cut -d' ' -f4)" = $((300 << 10)) ]
}

@test "a socket of the command's own on fd 1: an unprivileged dtee lets the writer send itself" {
	other_user
	# dtee as the other user too: it cannot claim the writer's pid.
	listen_creds 1M runuser -u "$OTHER" -- env TMPDIR=/tmp "$DTEE" --seccomp
	every_datagram_from_writer
	grep -qx "write: 1048576" send.err
	# The writer's own single datagram, as without the supervisor.
	[ "$(cat creds | cut -d' ' -f4)" = $((1 << 20)) ]
}

@test "unprivileged: dtee relays as itself to an inner dtee's socket, never to a reader outside the command" {
	[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null || skip "needs root and setpriv to become nobody"
	local dir name=dtee-cred-$$-$BATS_TEST_NUMBER lpid nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	nested_asan
	dir=$(mktemp -d /tmp/dtee-seccomp.XXXXXX) && chmod 777 "$dir" && chmod 777 . || fail "mktemp"
	"${nobody[@]}" test -x "$DTEE" -a -x "$W_STATIC" || { rm -rf "$dir"; skip "nobody cannot run the build"; }
	reference "$W_STATIC" -Q -s 20M -m wv
	# The inner dtee's input is held by the inner dtee, under the filter:
	# the writes too large for its datagrams arrive whole.
	"${nobody[@]}" env TMPDIR="$dir" "$DTEE" --seccomp -O out "$DTEE" --seccomp -O inner.out \
		"$W_STATIC" -Q -s 20M -m wv >pass.out 2>pass.err || fail "status $?: $(cat pass.err)"
	[ ! -s pass.err ] || fail "dtee said: $(cat pass.err)"
	same inner.out ref.out && same out ref.out && same pass.out ref.out
	# A listener outside the command: the writer sends (and fails) itself.
	rm -f ready && mkfifo ready
	"$HELPERS/seccomp-cred" listen "$name" ready >creds 3>&- &
	lpid=$!
	read -r _ <ready
	"${nobody[@]}" env TMPDIR="$dir" "$DTEE" --seccomp "$HELPERS/seccomp-cred-static" send "$name" 20M \
		2>send.err || fail "the writer failed: $(cat send.err)"
	wait "$lpid" || fail "the listener failed"
	rm -rf "$dir"
	cat creds send.err
	grep -qx "write: Message too long" send.err
	[ ! -s creds ] || fail "datagrams sent as someone else: $(cat creds)"
}
