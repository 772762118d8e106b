#!/usr/bin/env bats
# Annotated logs (-l/-L, --log-format, --time-format): every line of both
# streams in order, with its time of writing, stream and writer.

load common

setup() {
	common_setup
	command -v python3 >/dev/null || skip "python3 is needed to read json logs (scripts/ensure-tools)"
}

# json_check FILE: every line of FILE is one record object with exactly the
# documented fields; prints "stream F|P text" (or "b64:BASE64") per record.
json_check() {
	python3 - "$1" <<'EOF'
import json, re, sys
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")
for n, line in enumerate(open(sys.argv[1], "rb"), 1):
    assert line.endswith(b"\n"), "line %d: no newline" % n
    r = json.loads(line)
    body = {"text", "base64"} & set(r)
    assert len(body) == 1 and set(r) == {"time", "stream", "pid", "partial"} | body, "line %d: fields %s" % (n, sorted(r))
    assert TIME.match(r["time"]), "line %d: time %r" % (n, r["time"])
    assert r["stream"] in ("stdout", "stderr"), "line %d: stream %r" % (n, r["stream"])
    assert isinstance(r["pid"], int) and r["pid"] > 0, "line %d: pid %r" % (n, r["pid"])
    assert isinstance(r["partial"], bool), "line %d: partial %r" % (n, r["partial"])
    print(r["stream"], "P" if r["partial"] else "F", r["text"] if "text" in r else "b64:" + r["base64"])
EOF
}

# json_rebuild FILE: rebuild stdout, stderr and both from a json log, as
# documented: the text (UTF-8) or the base64 bytes, then a newline unless
# the record is partial. Writes rebuilt.out, rebuilt.err, rebuilt.all.
json_rebuild() {
	python3 - "$1" <<'EOF'
import base64, json, sys
out = {"stdout": bytearray(), "stderr": bytearray()}
both = bytearray()
for line in open(sys.argv[1], "rb"):
    r = json.loads(line)
    data = r["text"].encode("utf-8") if "text" in r else base64.b64decode(r["base64"], validate=True)
    if not r["partial"]:
        data += b"\n"
    out[r["stream"]] += data
    both += data
open("rebuilt.out", "wb").write(out["stdout"])
open("rebuilt.err", "wb").write(out["stderr"])
open("rebuilt.all", "wb").write(both)
EOF
}

# json_times FILE: each record's time as nanoseconds since the epoch.
json_times() {
	python3 - "$1" <<'EOF'
import calendar, json, sys, time
for line in open(sys.argv[1], "rb"):
    t = json.loads(line)["time"]
    secs = calendar.timegm(time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S"))
    print(secs * 10**9 + int(t[20:29]))
EOF
}

# strip_events FILE...: check that dtee's own records are there (the start
# first, the end last) and leave only the command's records in FILE.
strip_events() {
	local f
	for f; do
		python3 - "$f" <<'EOF' || return 1
import json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
assert lines[-1] == b"", "no final newline"
lines = lines[:-1]
def event(l):
    if l.startswith(b"{"):
        return json.loads(l).get("event")
    f = l.split(b" ")
    if len(f) > 2 and f[1] == b"I:":
        return f[2].decode()
    if len(f) > 3 and f[2] == b"F:dtee":
        return f[3].decode()
    return None
ev = [event(l) for l in lines]
mine = [e for e in ev if e]
assert mine and mine[0] in ("start", "Started"), "no start record first: %r" % mine
assert ev[-1] in ("end", "signal", "Finished", "Received", "Could", "Not"), "no end record last: %r" % lines[-1:]
open(sys.argv[1], "wb").write(b"".join(l + b"\n" for l, e in zip(lines, ev) if not e))
EOF
	done
}

# The interleaving every format is checked on: four lines, both streams.
interleaved='echo out1; echo err1 >&2; echo err2 >&2; echo out2'

@test "text: both streams in order, each line with its time and O:/E:" {
	run --separate-stderr "$DTEE" -L log sh -c "$interleaved"
	strip_events log
	[ "$status" -eq 0 ]
	[ "$output" = "out1
out2" ]
	[ "$stderr" = "err1
err2" ]
	# Default time: local RFC 3339 with microseconds and a +hh:mm zone.
	grep -Evq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}[+-][0-9]{2}:[0-9]{2} [OE]: ' log &&
		fail "a line without the time: $(cat log)"
	[ "$(cut -d' ' -f2- log)" = "O: out1
E: err1
E: err2
O: out2" ]
}

@test "json: both streams in order, each record with time, stream, pid, partial, text" {
	"$DTEE" --log-format=json -L log sh -c "$interleaved" >/dev/null 2>&1
	strip_events log
	run json_check log
	[ "$status" -eq 0 ]
	[ "$output" = "stdout F out1
stderr F err1
stderr F err2
stdout F out2" ]
}

@test "cri: TIME stdout|stderr F line, UTC with nanoseconds" {
	"$DTEE" --log-format=cri -L log sh -c "$interleaved" >/dev/null 2>&1
	strip_events log
	grep -Evq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z (stdout|stderr) [FP] ' log &&
		fail "a line not in the CRI format: $(cat log)"
	[ "$(cut -d' ' -f2- log)" = "stdout F out1
stderr F err1
stderr F err2
stdout F out2" ]
}

@test "any number of logs; -l appends, -L truncates; the raw files are untouched" {
	echo old >appended
	echo old >truncated
	"$DTEE" -l appended -L truncated -C all -O out sh -c "$interleaved" >/dev/null 2>&1
	strip_events appended truncated
	[ "$(head -1 appended)" = old ]
	[ "$(tail -n +2 appended | cut -d' ' -f2-)" = "$(cut -d' ' -f2- truncated)" ]
	[ "$(wc -l <truncated)" -eq 4 ]
	[ "$(cat all)" = "out1
err1
err2
out2" ]
	[ "$(cat out)" = "out1
out2" ]
}

@test "a line written in several pieces is one record" {
	"$DTEE" --log-format=json -L log sh -c 'printf one; printf " two"; printf " three\n"' >/dev/null
	strip_events log
	run json_check log
	[ "$status" -eq 0 ]
	[ "$output" = "stdout F one two three" ]
	"$DTEE" -L text sh -c 'printf one; printf " two"; printf " three\n"' >/dev/null
	strip_events text
	[ "$(cut -d' ' -f2- text)" = "O: one two three" ]
}

@test "a line cut by the other stream: a partial record, marked alike in all three formats, then its continuation" {
	cmd='printf "par"; echo x >&2; echo "tial"; echo next'
	"$DTEE" --log-format=json -L json sh -c "$cmd" >/dev/null 2>&1
	strip_events json
	run json_check json
	[ "$status" -eq 0 ]
	[ "$output" = "stdout P par
stderr F x
stdout F tial
stdout F next" ]
	"$DTEE" -L text sh -c "$cmd" >/dev/null 2>&1
	strip_events text
	[ "$(cut -d' ' -f2- text)" = "O+ par
E: x
O: tial
O: next" ]
	"$DTEE" --log-format=cri -L cri sh -c "$cmd" >/dev/null 2>&1
	strip_events cri
	[ "$(cut -d' ' -f2- cri)" = "stdout P par
stderr F x
stdout F tial
stdout F next" ]
}

@test "a final line without a newline is a partial record" {
	"$DTEE" --log-format=json -L json sh -c 'echo first; printf last' >/dev/null
	strip_events json
	run json_check json
	[ "$status" -eq 0 ]
	[ "$output" = "stdout F first
stdout P last" ]
	"$DTEE" --log-format=cri -L cri sh -c 'echo first; printf last' >/dev/null
	strip_events cri
	[ "$(cut -d' ' -f2- cri)" = "stdout F first
stdout P last" ]
	"$DTEE" -L text sh -c 'echo first; printf last' >/dev/null
	strip_events text
	[ "$(cut -d' ' -f2- text)" = "O: first
O+ last" ]
}

# Bytes no text format can hold as they are: NUL, invalid UTF-8, control
# characters, JSON's own quote and backslash, valid multibyte characters.
awkward='printf "nul\000in\n"; printf "bad \377\376 utf8\n" >&2; printf "quote\" back\\\\ tab\t esc\033 del\177 cr\r\n";
	printf "caf\303\251 \342\202\254\n" >&2; printf "surrogate \355\240\200\n"; printf "overlong \300\257\n" >&2;
	printf "\n"; printf "no newline \000"'

@test "json: NUL, invalid UTF-8 and control characters; both streams rebuild byte for byte" {
	"$DTEE" --log-format=json -L log -O out -E err -C all sh -c "$awkward" >/dev/null 2>&1
	strip_events log
	json_check log >/dev/null
	json_rebuild log
	cmp rebuilt.out out
	cmp rebuilt.err err
	cmp rebuilt.all all
	# Valid UTF-8 stays text, escaped; invalid UTF-8 and NUL (which many
	# JSON readers cannot hold in a string) are base64.
	grep -Fq '"text":"quote\" back\\ tab\t esc\u001b del\u007f cr\r"' log
	grep -Fq '"text":"café €"' log
	grep -Fq '"base64":"bnVsAGlu"' log
	[ "$(grep -c '"base64"' log)" -eq 5 ]
}

@test "text and cri write the bytes as they are" {
	"$DTEE" -L text -C all sh -c "$awkward" >/dev/null 2>&1
	strip_events text
	"$DTEE" --log-format=cri -L cri sh -c "$awkward" >/dev/null 2>&1
	strip_events cri
	# Without the times, the text log is the combined output with a tag
	# in front of each line; the final line gets its newline.
	cut -d' ' -f2- text >untimed
	printf 'O: nul\000in\nE: bad \377\376 utf8\nO: quote" back\\ tab\t esc\033 del\177 cr\r\n' >want
	printf 'E: caf\303\251 \342\202\254\nO: surrogate \355\240\200\nE: overlong \300\257\nO: \nO+ no newline \000\n' >>want
	cmp untimed want
	cut -d' ' -f2- cri | cut -d' ' -f3- >cri.text
	cut -d' ' -f2- want >want.text
	cmp cri.text want.text
}

@test "a 100 KB line without a newline is cut into records that rebuild it" {
	python3 -c 'import sys; sys.stdout.write("x" * 100000)' >line
	"$DTEE" --log-format=json -L log -C all cat line >/dev/null
	strip_events log
	json_rebuild log
	cmp rebuilt.all line
	[ "$(wc -l <log)" -gt 1 ]
	run json_check log
	[ "$status" -eq 0 ]
	# Every record is partial: the line never ended.
	! grep -q '^stdout F' <<<"$output"
	"$DTEE" -L text cat line >/dev/null
	strip_events text
	[ "$(cut -d' ' -f2 text | sort -u)" = "O+" ]
	[ "$(wc -l <text)" -gt 1 ]
}

@test "make -j style: several writers, each record with its writer's pid" {
	# Each writer is a shell that prints its own pid ($$) with builtin echo.
	cmd='for i in 1 2 3 4; do sh -c "echo \$\$ a; echo \$\$ b >&2; echo \$\$ c" & done; wait'
	"$DTEE" --log-format=json -L log sh -c "$cmd" >/dev/null 2>&1 3>&-
	strip_events log
	python3 - log <<'EOF'
import json, sys
pids = set()
n = 0
for line in open(sys.argv[1], "rb"):
    r = json.loads(line)
    claimed, _ = r["text"].split(" ")
    assert r["pid"] == int(claimed), "record %r: pid %d" % (r["text"], r["pid"])
    pids.add(r["pid"])
    n += 1
assert n == 12, "%d records" % n
assert len(pids) == 4, "pids %s" % pids
EOF
}

@test "the time is when the command wrote, not when a stopped dtee read it" {
	mkfifo ready go done
	"$DTEE" --log-format=json -L log -L log2 \
		sh -c 'echo >ready; read x <go; echo one; sleep 1; echo two; echo >done' >/dev/null 2>&1 3>&- &
	local pid=$!
	# The command runs; dtee is stopped before it writes anything.
	read -r _ <ready
	kill -STOP "$pid"
	echo >go
	read -r _ <done
	kill -CONT "$pid"
	wait "$pid"
	strip_events log log2
	run json_times log
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	local gap=$((lines[1] - lines[0]))
	[ "$gap" -ge 900000000 ] || fail "the two writes are $gap ns apart in the log"
	[ "$(json_times log2)" = "$output" ]
}

@test "--time-format=elapsed and delta: seconds with microseconds" {
	"$DTEE" --time-format=elapsed -L elapsed sh -c 'echo a; sleep 0.3; echo b' >/dev/null
	strip_events elapsed
	grep -Evq '^[0-9]+\.[0-9]{6} O: [ab]$' elapsed && fail "$(cat elapsed)"
	run awk '{ print $1 }' elapsed
	awk -v a="${lines[0]}" -v b="${lines[1]}" 'BEGIN { exit !(a >= 0 && a < 30 && b - a >= 0.3) }' ||
		fail "elapsed: $(cat elapsed)"

	"$DTEE" --time-format=delta -L delta sh -c 'echo a; echo b; sleep 0.3; echo c' >/dev/null
	strip_events delta
	grep -Evq '^[0-9]+\.[0-9]{6} O: [abc]$' delta && fail "$(cat delta)"
	run awk '{ print $1 }' delta
	# Each counts from the record before it: b follows a at once, c after the sleep.
	awk -v b="${lines[1]}" -v c="${lines[2]}" 'BEGIN { exit !(b < 0.3 && c >= 0.3) }' ||
		fail "delta: $(cat delta)"
}

@test "--time-format: strftime with %.S, %.s, %.T and %:z" {
	before=$(date +%s)
	TZ=XYZ-1 "$DTEE" --time-format='%Y|%.S|%.s|%.T|%:z|%%' -L log echo hi >/dev/null
	strip_events log
	after=$(date +%s)
	IFS='|' read -r year sec epoch clock zone pct <log
	[ "$year" = "$(TZ=XYZ-1 date +%Y)" ] || [ "$year" = "$(date -d "@$after" +%Y)" ]
	[[ $sec =~ ^[0-9]{2}\.[0-9]{6}$ ]]
	[[ $epoch =~ ^[0-9]+\.[0-9]{6}$ ]]
	[ "${epoch%.*}" -ge "$before" ] && [ "${epoch%.*}" -le "$after" ]
	[[ $clock =~ ^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}$ ]]
	[ "${clock:6}" = "$sec" ]
	[ "$zone" = "+01:00" ]
	[ "$pct" = "% O: hi" ]
	# The default text time is local, with the zone.
	TZ=XYZ+5:30 "$DTEE" -L default echo hi >/dev/null
	strip_events default
	grep -Eq '^[0-9-]{10}T[0-9:]{8}\.[0-9]{6}-05:30 O: hi$' default
}

@test "json and cri always use UTC with nanoseconds, whatever --time-format says" {
	TZ=XYZ-1 "$DTEE" --log-format=json --time-format=elapsed -L json echo hi >/dev/null
	strip_events json
	grep -Eq '^\{"time":"[0-9-]{10}T[0-9:]{8}\.[0-9]{9}Z",' json
	TZ=XYZ-1 "$DTEE" --log-format=cri --time-format=%s -L cri echo hi >/dev/null
	strip_events cri
	grep -Eq '^[0-9-]{10}T[0-9:]{8}\.[0-9]{9}Z stdout F hi$' cri
}

@test "usage errors: unknown log format, bad time format; exit 64 before the command runs" {
	for opt in --log-format=xml --log-format= --time-format=%Q --time-format= '--time-format=at %' '--time-format=%.x'; do
		run --separate-stderr "$DTEE" "$opt" -L log touch ran
		[ "$status" -eq 64 ] || fail "$opt: exit $status"
		[ -z "$output" ]
		[ "${#stderr_lines[@]}" -eq 2 ] || fail "$opt: $stderr"
		[[ $stderr == "$DTEE: "* ]]
		[ "${stderr_lines[1]}" = "Try '$DTEE -h' for more information." ]
		[ ! -e ran ] && [ ! -e log ] || fail "$opt: the command ran or the log was created"
	done
	run --separate-stderr "$DTEE" --log-format=xml true
	[ "${stderr_lines[0]}" = "$DTEE: unknown log format 'xml' (text, json or cri)" ]
	run --separate-stderr "$DTEE" --time-format=%Q true
	[ "${stderr_lines[0]}" = "$DTEE: bad time format '%Q': unknown conversion '%Q'" ]
}

@test "bad time formats: too long, a newline, no conversion; exit 64 before the command runs" {
	local opt
	refused() {
		run --separate-stderr "$DTEE" --time-format="$1" -L log touch ran
		[ "$status" -eq 64 ] || fail "$1: exit $status: $stderr"
		[ "$stderr" = "$DTEE: bad time format '$1': $2
Try '$DTEE -h' for more information." ] || fail "$1: $stderr"
		[ ! -e ran ] && [ ! -e log ] || fail "$1: the command ran or the log was created"
	}
	refused '%200Y%200Y' 'renders 400 bytes; at most 255'
	refused "$(printf '%%F %.0s' {1..30})" 'renders 330 bytes; at most 255'
	refused '%300Y' "width above 255 in '%300Y'"
	refused '%T%n' "'%n' would put a newline in the time (one record a line)"
	refused $'%T\n' 'a newline in the time would break one record a line'
	refused elasped 'no conversion: a strftime(3) format with at least one, or elapsed or delta'
	refused '%%%t' 'no conversion: a strftime(3) format with at least one, or elapsed or delta'
	# Up to 255 bytes is taken, and every record carries its whole time.
	"$DTEE" --time-format='%255Y' -L log sh -c 'echo a; echo b' >/dev/null
	[ "$(awk '{ print length($1) }' log | sort -u)" = 255 ]
	strip_events log
	[ "$(cut -d' ' -f2- log)" = "$(printf 'O: a\nO: b')" ]
}

@test "a log that cannot be opened: reported, exit 73, the command does not run" {
	run --separate-stderr "$DTEE" -L nodir/log touch ran
	[ "$status" -eq 73 ]
	[ "$stderr" = "$DTEE: nodir/log: No such file or directory" ]
	[ ! -e ran ]
}

@test "cron mode: the log is written live, only the pass-through is held" {
	mkfifo wrote
	"$DTEE" -q -L log sh -c 'echo one; echo two >&2; echo >wrote; read x <wrote; echo three' \
		>out 2>err 3>&- &
	local pid=$!
	read -r _ <wrote
	# The command waits for us here: both lines are in the log already.
	for _ in $(seq 100); do [ "$(wc -l <log)" -lt 3 ] || break; sleep 0.1; done
	[ "$(cut -d' ' -f2- log | tail -n +2)" = "O: one
E: two" ]
	echo >wrote
	wait "$pid"
	strip_events log
	[ "$(cut -d' ' -f2- log)" = "O: one
E: two
O: three" ]
	[ "$(cat out)" = "one
three" ]
	[ "$(cat err)" = "two
$DTEE: sh: exited with status 0" ]
}

@test "cron mode, nothing to report: silent, and the log holds everything" {
	run --separate-stderr "$DTEE" -q --log-format=cri -L log sh -c 'echo one; echo two'
	strip_events log
	[ "$status" -eq 0 ]
	[ -z "$output" ] && [ -z "$stderr" ]
	[ "$(cut -d' ' -f2- log)" = "stdout F one
stdout F two" ]
}

@test "a log that cannot be written: reported, exit 74, the pass-through goes on" {
	[ -w /dev/full ] || skip "no /dev/full"
	run --separate-stderr "$DTEE" -L /dev/full sh -c 'echo one; echo two'
	[ "$status" -eq 74 ]
	[ "$output" = "one
two" ]
	[ "$stderr" = "$DTEE: /dev/full: No space left on device" ]
}

@test "every log asks the kernel for the time and the writer (lines are cut alike); -C asks for neither" {
	command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null || skip "strace cannot run here"
	# LeakSanitizer (make asan) cannot work under ptrace.
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	for format in text cri json; do
		strace -f -qq -e trace=setsockopt -o "trace.$format" \
			"$DTEE" --log-format="$format" -L log echo hi >/dev/null
		grep -q SO_TIMESTAMPNS "trace.$format" || fail "$format: no SO_TIMESTAMPNS: $(cat "trace.$format")"
		grep -q SO_PASSCRED "trace.$format" || fail "$format: no SO_PASSCRED: $(cat "trace.$format")"
	done
	# Without a log, neither.
	strace -f -qq -e trace=setsockopt -o trace.none "$DTEE" -C all echo hi >/dev/null
	! grep -Eq 'SO_PASSCRED|SO_TIMESTAMP' trace.none
}

@test "json: every ASCII byte but the newline, at every offset, round trips as text" {
	# Lines of growing length, each all of ASCII but \n from some offset, so
	# that escapes fall at every place of the escaper's 8-byte steps.
	python3 -c '
import sys
every = bytes(b for b in range(1, 128) if b != 10)
for i in range(0, 40):
    sys.stdout.buffer.write(b"x" * i + every + every[:i] + b"\n")' >ascii
	"$DTEE" --log-format=json -L log cat ascii >/dev/null
	strip_events log
	json_rebuild log
	cmp rebuilt.out ascii
	! grep -q '"base64"' log
	# Only the escapes JSON needs, plus DEL; printable ASCII stays as it is.
	python3 - log <<'PY'
import sys
for line in open(sys.argv[1], "rb"):
    body = line.split(b'"text":"', 1)[1]
    assert all(0x20 <= b < 0x7f for b in body.rstrip(b"\n")), body
    assert b"\\u007f" in body and b"\\u0001" in body and b'\\"' in body and b"\\\\" in body, body
PY
}

@test "json: text exactly when the bytes are valid UTF-8 without NUL (checked against python)" {
	# Random lines weighted towards multibyte lead and continuation bytes.
	python3 -c '
import random, sys
r = random.Random(12)
pool = list(range(0x20, 0x7f)) + list(range(0x80, 0x100)) * 3 + [0]
for _ in range(3000):
    n = r.randrange(1, 12)
    line = bytes(r.choice(pool) for _ in range(n))
    if r.random() < 0.5:
        line = "é€𝄞".encode()[r.randrange(0, 9):] + line
    if r.random() < 0.2:
        line = "".join(r.choice("aé€𝄞\x7f\u0800\U0010ffff") for _ in range(n)).encode()
    sys.stdout.buffer.write(line + b"\n")' >random
	"$DTEE" --log-format=json -L log cat random >/dev/null
	strip_events log
	json_rebuild log
	cmp rebuilt.out random
	python3 - log random <<'PY'
import json, sys
lines = open(sys.argv[2], "rb").read().split(b"\n")[:-1]
records = [json.loads(l) for l in open(sys.argv[1], "rb")]
assert len(lines) == len(records)
texts = 0
for data, r in zip(lines, records):
    try:
        data.decode("utf-8", "strict")
        valid = b"\0" not in data
    except UnicodeDecodeError:
        valid = False
    assert ("text" in r) == valid, (data, r)
    texts += valid
assert 100 < texts < len(lines) - 100, texts
PY
}

@test "a line cut by another process's write is cut alike in text and json logs" {
	"$DTEE" -L text.log sh -c 'printf A1; sh -c "printf \"B1\\n\""; printf "A2\n"' >/dev/null
	strip_events text.log
	"$DTEE" --log-format=json -L json.log sh -c 'printf A1; sh -c "printf \"B1\\n\""; printf "A2\n"' >/dev/null
	strip_events json.log
	[ "$(sed 's/^[^ ]* //' text.log)" = "O+ A1
O: B1
O: A2" ] || fail "$(cat text.log)"
	[ "$(python3 -c 'import json, sys
print(" ".join(("+" if json.loads(l)["partial"] else ":") + json.loads(l)["text"] for l in open(sys.argv[1])))' json.log)" = "+A1 :B1 :A2" ]
}

@test "start and end records: text, json and cri say the command line and how it ended" {
	"$DTEE" -L text sh -c 'echo "it'\''s"; exit 3' >/dev/null || [ "$?" -eq 3 ]
	sed 's/^[^ ]* //' text >untimed
	printf '%s\n' "I: Started sh -c 'echo \"it'\\''s\"; exit 3'" "O: it's" "I: Finished with exitcode 3" |
		diff - untimed
	# The command line as written there is the one the shell runs.
	eval "set -- $(sed -n '1s/^[^ ]* I: Started //p' text)"
	[ "$#" -eq 3 ] && [ "$3" = "echo \"it's\"; exit 3" ]

	"$DTEE" --log-format=cri -L cri sh -c 'kill -TERM $$' >/dev/null || [ "$?" -eq 143 ]
	grep -Evq '^[0-9-]{10}T[0-9:]{8}\.[0-9]{9}Z stdout F:dtee ' cri && fail "$(cat cri)"
	[ "$(cut -d' ' -f4- cri)" = "Started sh -c 'kill -TERM \$\$'
Finished by signal 15: Terminated" ]

	run --separate-stderr "$DTEE" --log-format=json -L json ./no-such-command
	[ "$status" -eq 66 ]
	python3 - json <<'EOF'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert [x.get("event") for x in r] == ["start", None, "end"], r
assert r[0]["argv"] == ["./no-such-command"] and r[0]["text"] == "Started ./no-such-command", r[0]
assert "stream" not in r[0] and "stream" not in r[2] and r[1]["stream"] == "stderr"
assert r[2]["exit_code"] == "not-run" and r[2]["error"] == "No such file or directory", r[2]
assert r[2]["text"] == "Could not run: No such file or directory", r[2]
EOF
	"$DTEE" --log-format=json -L json sh -c 'exit 5' >/dev/null || [ "$?" -eq 5 ]
	python3 - json <<'EOF'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert [x["event"] for x in r] == ["start", "end"], r
assert r[0]["argv"] == ["sh", "-c", "exit 5"], r[0]
assert r[1]["exit_code"] == "exited" and r[1]["exit_status"] == 5 and "dtee_signal" not in r[1], r[1]
EOF
}

@test "end records: a core dump, dtee's own failures, and the stop signal dtee ends by" {
	[ -w /dev/full ] || skip "no /dev/full"
	run --separate-stderr "$DTEE" -L text -o /dev/full sh -c 'echo x'
	[ "$status" -eq 74 ]
	[ "$(tail -n 2 text | sed 's/^[^ ]* //')" = "I: $DTEE: /dev/full: No space left on device
I: Finished with exitcode 0" ]

	(ulimit -c unlimited; cd "$BATS_TEST_TMPDIR" && "$DTEE" -L text sh -c 'kill -SEGV $$') >/dev/null 2>&1 || true
	grep -Eq ' I: Finished by signal 11: Segmentation fault( \(core dumped\))?$' text || fail "$(cat text)"

	mkfifo ready
	"$HELPERS/waitstatus" "$DTEE" --log-format=json -L json sh -c \
		'trap "kill \$s; echo bye; exit 4" TERM; sleep 30 & s=$!; echo >ready; wait $s' >/dev/null 2>&1 3>status &
	waiter=$!
	read -r _ <ready
	until dtee=$(pgrep -P "$waiter"); do sleep 0.01; done
	kill -TERM "$dtee"
	wait "$waiter"
	[ "$(cat status)" = "signaled 15" ]
	python3 - json <<'EOF'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert r[-2]["text"] == "bye", r
end = r[-1]
assert end["event"] == "end" and end["exit_code"] == "exited" and end["exit_status"] == 4, end
assert end["dtee_signal"] == 15, end
EOF
	"$DTEE" -L text sh -c 'exit 0' >/dev/null
	sed 's/^[^ ]* //' text | grep -c '^I: ' | grep -qx 2
}

@test "start record: a long command line is cut, never overflowing the record (many empty words, one huge word)" {
	local -a args=()
	for ((i = 0; i < 100000; i++)); do args+=(""); done
	"$DTEE" --log-format=json -L json true "${args[@]}"
	python3 - json <<'EOF'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert r[0]["event"] == "start" and r[0]["argv"][0] == "true", r[0]["argv"][:3]
assert 1 < len(r[0]["argv"]) <= 4096, len(r[0]["argv"])
assert r[-1]["event"] == "end" and r[-1]["exit_status"] == 0
EOF
	big=$(head -c 100000 /dev/zero | tr '\0' '"')
	"$DTEE" --log-format=json -L json true "$big"
	"$DTEE" -L text true "$big" "${args[@]}"
	python3 - json <<'EOF'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert len(r[0]["argv"][1]) < 4096 and set(r[0]["argv"][1]) == {'"'}, len(r[0]["argv"][1])
EOF
	[ "$(wc -l <text)" -eq 2 ]
	[ "$(head -n 1 text | cut -c1-100 | cut -d' ' -f2-4)" = "I: Started true" ]
}
