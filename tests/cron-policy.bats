#!/usr/bin/env bats
# Cron mode's policy: --report-on (when to report), --ignore-stderr (which
# stderr lines do not count), --report-limit (how much of the output a
# report replays).

load common

# expect_run OPTIONS CASE WANT: run cronty with OPTIONS (words) on one of
# four commands and check that it was silent or reported (WANT), with the
# command's own exit status either way.
expect_run() {
	local triggers=$1 case=$2 want=$3 cmd replay report status=0 code opts
	read -r -a opts <<<"$triggers"
	case $case in
	stderr)	cmd=(sh -c 'echo out; echo err >&2') replay=$'out\nerr'
		report="sh: exited with status 0" code=0 ;;
	fail)	cmd=(sh -c 'echo out; exit 1') replay=out
		report="sh: exited with status 1" code=1 ;;
	quiet)	cmd=(true) replay= report="true: exited with status 0" code=0 ;;
	signal)	cmd=(sh -c 'echo out; kill -TERM $$') replay=out
		report="sh: process terminated by signal 15: Terminated" code=143 ;;
	esac
	"$CRONTY" "${opts[@]}" "${cmd[@]}" >all 2>&1 || status=$?
	[ "$status" -eq "$code" ] || fail "$triggers/$case: exit $status, not $code"
	if [ "$want" = silent ]; then
		[ ! -s all ] || fail "$triggers/$case: not silent: $(cat all)"
	else
		[ "$(cat all)" = "${replay:+$replay
}$CRONTY: $report" ] || fail "$triggers/$case: $(cat all)"
	fi
}

@test "--report-on=failure: a non-zero exit or a signal, not stderr" {
	expect_run --report-on=failure stderr silent
	expect_run --report-on=failure fail report
	expect_run --report-on=failure quiet silent
	expect_run --report-on=failure signal report
}

@test "--report-on=stderr: stderr only, not the exit status" {
	expect_run --report-on=stderr stderr report
	expect_run --report-on=stderr fail silent
	expect_run --report-on=stderr quiet silent
	expect_run --report-on=stderr signal silent
}

@test "--report-on=always: every run, even exit 0 without output" {
	expect_run --report-on=always stderr report
	expect_run --report-on=always fail report
	expect_run --report-on=always quiet report
	expect_run --report-on=always signal report
}

@test "--report-on=failure,stderr is the default, and the last --report-on counts" {
	for triggers in "" --report-on=failure,stderr --report-on=stderr,failure,stderr \
		"--report-on=always --report-on=failure,stderr"; do
		expect_run "$triggers" stderr report
		expect_run "$triggers" fail report
		expect_run "$triggers" quiet silent
		expect_run "$triggers" signal report
	done
	expect_run "--report-on=stderr --report-on=always" quiet report
}

@test "--report-on=failure: stderr is held and replayed in order with stdout" {
	"$DTEE" --report-on=failure -E err.log sh -c \
		'echo 1; echo 2 >&2; echo 3; echo 4 >&2; echo 5; exit 2' >all 2>&1 || status=$?
	[ "${status:-0}" -eq 2 ]
	[ "$(cat all)" = "1
2
3
4
5
$DTEE: sh: exited with status 2" ]
	[ "$(cat err.log)" = "2
4" ]
}

# stderr_then_sync OPTIONS...: run cronty with OPTIONS on a command that
# writes "warn" to stderr, then waits; once every output has surely taken
# that write (the -C file shows a later stdout write, which dtee received
# after it), leave in held whether dtee's stderr is still empty, and let the
# command finish with exit 0. Leaves out, err and comb.
stderr_then_sync() {
	mkfifo go1 go2
	"$DTEE" "$@" -C comb sh -c 'echo warn >&2; read -r _ <go1; echo sync; read -r _ <go2' \
		>out 2>err 3>&- &
	local pid=$!
	until grep -qs warn comb; do sleep 0.01; done
	echo >go1
	until grep -q sync comb; do sleep 0.01; done
	held=yes
	[ ! -s err ] || held=no
	echo >go2
	wait "$pid"
}

@test "the stderr trigger releases at once by default; failure alone holds stderr back" {
	stderr_then_sync -q
	[ "$held" = no ]
	[ "$(cat err)" = "warn
$DTEE: sh: exited with status 0" ]
	rm -f go1 go2 comb
	stderr_then_sync --report-on=failure
	[ "$held" = yes ]
	[ ! -s err ] && [ ! -s out ]
	[ "$(cat comb)" = "warn
sync" ]
}

@test "--ignore-stderr: ignored lines alone are silent, and still go to every file" {
	run --separate-stderr "$DTEE" --ignore-stderr='^\+' -E err.log -C comb sh -xc 'echo one; echo two'
	[ "$status" -eq 0 ]
	[ -z "$output$stderr" ]
	[ "$(cat err.log)" = "+ echo one
+ echo two" ]
	[ "$(cat comb)" = "+ echo one
one
+ echo two
two" ]
}

@test "--ignore-stderr: a line that matches none reports, the ignored lines replayed in order" {
	"$DTEE" --ignore-stderr='^\+' --ignore-stderr='^warning: harmless' sh -c \
		'echo 1; echo "+ trace" >&2; echo "warning: harmless" >&2; echo 2;
		 echo real problem >&2; echo "+ trace 2" >&2; echo 3' >all 2>&1
	[ "$(cat all)" = "1
+ trace
warning: harmless
2
real problem
+ trace 2
3
$DTEE: sh: exited with status 0" ]
}

@test "--ignore-stderr: a line written in three pieces is matched whole" {
	run --separate-stderr "$DTEE" --ignore-stderr='^ignore me$' \
		"$HELPERS/writes" '1:out\n' '2:igno' '2:re m' '2:e\n'
	[ "$status" -eq 0 ]
	[ -z "$output$stderr" ]
	# The same three pieces making a line that does not match report.
	run --separate-stderr "$DTEE" --ignore-stderr='^ignore me$' \
		"$HELPERS/writes" '1:out\n' '2:igno' '2:re m' '2:e too\n'
	[ "$status" -eq 0 ]
	[ "$output" = out ]
	[ "$stderr" = "ignore me too
$DTEE: $HELPERS/writes: exited with status 0" ]
}

@test "--ignore-stderr: a last stderr line without a newline is judged at the end" {
	run --separate-stderr "$DTEE" --ignore-stderr='^\+' "$HELPERS/writes" '2:+ trace'
	[ "$status" -eq 0 ]
	[ -z "$output$stderr" ]
	run --separate-stderr "$DTEE" --ignore-stderr='^\+' "$HELPERS/writes" '2:oops'
	[ "$status" -eq 0 ]
	[ "$stderr" = "oops$DTEE: $HELPERS/writes: exited with status 0" ]
}

@test "--ignore-stderr: a stderr piece is judged when stdout cuts it, or after a second of silence" {
	# Cut by stdout: the piece "real pro" does not match, so it releases.
	run --separate-stderr "$DTEE" --ignore-stderr='^real problem$' \
		"$HELPERS/writes" '2:real pro' '1:out\n' '2:blem\n'
	[ "$status" -eq 0 ]
	[ "$stderr" = "real problem
$DTEE: $HELPERS/writes: exited with status 0" ]
	# Silence: the piece is released while the command still runs.
	mkfifo go
	"$DTEE" --ignore-stderr='^\+' sh -c 'printf oops >&2; read -r _ <go' >out 2>err 3>&- &
	local pid=$!
	until grep -qs oops err; do sleep 0.05; done
	kill -0 "$pid"		# released before the end
	echo >go
	wait "$pid"
	[ "$(cat err)" = "oops$DTEE: sh: exited with status 0" ]
}

@test "--report-limit: head and tail cut at newlines, one line saying what was left out" {
	"$DTEE" --report-limit=20 sh -c 'seq 1 5; echo e >&2; seq 6 20' >all 2>&1
	# 56 bytes; the head is the whole lines in the first 10, the tail
	# those in the last 10.
	[ "$(cat all)" = "1
2
3
4
5
$DTEE: 13 lines (34 bytes) left out of this report
18
19
20
$DTEE: sh: exited with status 0" ]
	# Output within the limit is replayed whole.
	run --separate-stderr "$DTEE" --report-limit=56 sh -c 'seq 1 5; echo e >&2; seq 6 20'
	[ "$output" = "$(seq 1 20)" ]
	[ "$stderr" = "e
$DTEE: sh: exited with status 0" ]
	# No newline in reach: nothing of a line is shown.
	run --separate-stderr "$DTEE" --report-limit=3 sh -c 'printf abcdef; exit 1'
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "$DTEE: 1 line (6 bytes) left out of this report
$DTEE: sh: exited with status 1" ]
}

@test "--report-limit: stderr does not release the spool early; the report comes at the end" {
	stderr_then_sync --report-limit=1K
	[ "$held" = yes ]
	[ "$(cat err)" = "warn
$DTEE: sh: exited with status 0" ]
	[ "$(cat out)" = sync ]
}

@test "--report-limit on 10 MB: head and tail byte-exact, the count right, -C whole, RSS under 8 MiB" {
	head -c 7500000 /dev/urandom | base64 >data	# 10 MB in lines of 77 bytes
	local total half=524288
	total=$(wc -c <data)
	# Under ASan, memory is not dtee's own, and LeakSanitizer refuses ptrace.
	local asan= trace=-s
	if ldd "$DTEE" | grep -q libasan; then
		asan=yes trace=
	fi
	"$HELPERS/rusage" $trace -o ru "$DTEE" --report-limit=1M -C comb sh -c 'cat data; exit 1' \
		>out 2>err || status=$?
	[ "${status:-0}" -eq 1 ]
	cmp data comb
	# The head: the whole lines in the first half; the tail: the whole
	# lines that start in the last half.
	local head_lines tail_lines
	head_lines=$(head -c "$half" data | tr -dc '\n' | wc -c)
	tail_lines=$(tail -c "$half" data | tr -dc '\n' | wc -c)
	[ "$(tail -c "$((half + 1))" data | head -c 1)" = $'\n' ] || tail_lines=$((tail_lines - 1))
	head -n "$head_lines" data >want
	tail -n "$tail_lines" data >>want
	cmp want out
	local lines bytes
	lines=$(($(wc -l <data) - head_lines - tail_lines))
	bytes=$((total - $(wc -c <want)))
	[ "$(cat err)" = "$DTEE: $lines lines ($bytes bytes) left out of this report
$DTEE: sh: exited with status 1" ] || fail "$(cat err)"
	[ -z "$asan" ] || skip "peak RSS is not dtee's own under ASan"
	local kib
	kib=$(sed -n 's/.* self_kib=\([-0-9]*\).*/\1/p' ru)
	[ "$kib" -ge 0 ] || kib=$(sed -n 's/.* tree_kib=\([0-9]*\).*/\1/p' ru)
	[ "$kib" -lt 8192 ] || fail "peak RSS $kib KiB"
	echo "# peak RSS $kib KiB" >&3
}

@test "the policy options turn cron mode on" {
	for opt in --report-on=failure,stderr --ignore-stderr=x --report-limit=1K; do
		run --separate-stderr "$DTEE" "$opt" sh -c 'echo quiet'
		[ "$status" -eq 0 ]
		[ -z "$output$stderr" ] || fail "$opt: $output$stderr"
		run --separate-stderr "$DTEE" "$opt" sh -c 'echo loud; exit 4'
		[ "$status" -eq 4 ]
		[ "$output" = loud ]
		[ "$stderr" = "$DTEE: sh: exited with status 4" ]
	done
}

# usage_error OPTION LINE: OPTION is refused with LINE, the hint, and exit
# 64, before the command runs.
usage_error() {
	run --separate-stderr "$DTEE" "$1" touch ran
	[ "$status" -eq 64 ] || fail "$1: exit $status"
	[ -z "$output" ]
	[ "$stderr" = "$DTEE: $2
Try '$DTEE -h' for more information." ] || fail "$1: $stderr"
	[ ! -e ran ]
}

@test "bad values: one line saying why, exit 64, the command not run" {
	local any='(choose from failure, stderr, always)'
	usage_error --report-on= "--report-on '': empty trigger $any"
	usage_error --report-on=failure, "--report-on 'failure,': empty trigger $any"
	usage_error --report-on=,stderr "--report-on ',stderr': empty trigger $any"
	usage_error --report-on=failure,sometimes \
		"--report-on 'failure,sometimes': unknown trigger 'sometimes' $any"
	usage_error --report-on=Failure "--report-on 'Failure': unknown trigger 'Failure' $any"
	usage_error '--ignore-stderr=(' "--ignore-stderr '(': Unmatched ( or \\("
	usage_error '--ignore-stderr=a{1' "--ignore-stderr 'a{1': Unmatched \\{"
	local size='not a size (a number of bytes, optionally followed by K, M or G)'
	usage_error --report-limit= "--report-limit '': $size"
	usage_error --report-limit=10X "--report-limit '10X': $size"
	usage_error --report-limit=K "--report-limit 'K': $size"
	usage_error --report-limit=1KB "--report-limit '1KB': $size"
	usage_error --report-limit=-5 "--report-limit '-5': $size"
	usage_error --report-limit=0 "--report-limit '0': must be more than 0"
	usage_error --report-limit=99999999999999999999 "--report-limit '99999999999999999999': too large"
	usage_error --report-limit=17179869184G "--report-limit '17179869184G': too large"
}

@test "--ignore-stderr: an empty pattern and back-references are refused, exit 64" {
	usage_error --ignore-stderr= \
		"--ignore-stderr '': an empty pattern would ignore every line (use --report-on=failure)"
	usage_error '--ignore-stderr=^(a*)*\1b' "--ignore-stderr '^(a*)*\\1b': back-references (\\1) are not supported"
	usage_error '--ignore-stderr=x(y)\1' "--ignore-stderr 'x(y)\\1': back-references (\\1) are not supported"
	# A backslash and a digit in a bracket expression, or an escaped
	# backslash before a digit, are no back-reference.
	for re in '[\1]x' '[[:alpha:]\1]' '[]\1]' 'a\\1'; do
		run --separate-stderr "$DTEE" --ignore-stderr="$re" sh -c 'echo "a\1" >&2'
		[ "$status" -eq 0 ] || fail "$re: exit $status: $stderr"
	done
}

# exited PID: PID is a zombie or gone.
exited() {
	[ -n "$1" ] || return 1
	[ ! -e "/proc/$1/stat" ] || [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)" = Z ]
}

@test "--ignore-stderr: a stop signal ends dtee during a match that would take minutes" {
	BATS_TEST_TIMEOUT=60
	# No back-reference, but nested bounded repetitions: glibc takes
	# minutes on one 16 KiB line of "a".
	"$DTEE" --ignore-stderr='(a{1,200}){1,200}b' -E err.log sh -c \
		'echo $$ >cmd.pid; head -c 16384 /dev/zero | tr "\0" a >&2; echo >&2' \
		>out 2>err 3>&- &
	local dpid=$! i rc=0
	# Once the command has exited (a zombie, or reaped), its line is
	# queued or being matched.
	for ((i = 0; i < 1000; i++)); do
		exited "$(cat cmd.pid 2>/dev/null)" && break
		sleep 0.02
	done
	exited "$(cat cmd.pid 2>/dev/null)" || fail "the command did not end"
	kill -TERM "$dpid"
	wait "$dpid" || rc=$?
	[ "$rc" -eq 143 ] || fail "dtee exited $rc"
	# The report comes, with the line, and says why.
	[ "$(tail -n 1 err)" = "$DTEE: received signal 15: Terminated" ] || fail "$(tail -c 300 err)"
	[ "$(head -n 1 err | wc -c)" -eq 16385 ]
	[ "$(wc -c <err.log)" -eq 16385 ]
}

@test "--report-limit sizes: K, M and G, either case, are powers of 1024" {
	# 2048 bytes of 8-byte lines: within 2k, over 2047.
	for size in 2k 2K 2048; do
		run --separate-stderr "$DTEE" --report-limit="$size" sh -c 'seq 1000001 1000256; exit 1'
		[ "$output" = "$(seq 1000001 1000256)" ] || fail "$size"
	done
	run --separate-stderr "$DTEE" --report-limit=2047 sh -c 'seq 1000001 1000256; exit 1'
	[ "${stderr_lines[0]}" = "$DTEE: 2 lines (16 bytes) left out of this report" ]
	run --separate-stderr "$DTEE" --report-limit=1m sh -c 'exit 1'
	[ "$status" -eq 1 ]
	run --separate-stderr "$DTEE" --report-limit=1G sh -c 'exit 1'
	[ "$status" -eq 1 ]
}
