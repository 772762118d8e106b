#!/usr/bin/env bats
# Order as the program printed it (stdout flushed before stderr, or
# line-buffered when watched; --line-buffering, --keep-buffering), for the
# runtimes dtee hooks through the environment (Python, Perl), and stderr in
# colour on a terminal (--color).

load common

setup() {
	common_setup
	unset PYTHONUNBUFFERED PYTHONPATH PERL5OPT _DTEE_STDOUT
}

# interleaved FILE: FILE holds out 0, err 0, out 1, err 1, out 2, err 2.
interleaved() {
	[ "$(tr '\n' ' ' <"$1")" = "out 0 err 0 out 1 err 1 out 2 err 2 " ] ||
		fail "$1: $(tr '\n' ' ' <"$1")"
}

@test "python3 without PYTHONUNBUFFERED: the combined file is in the order printed, watched or not" {
	need_cmd python3
	prog='import sys
for i in range(3):
    print("out", i)
    print("err", i, file=sys.stderr)'
	"$DTEE" -C log python3 -c "$prog" >/dev/null 2>&1
	interleaved log
	"$DTEE" --line-buffering -C log python3 -c "$prog" >/dev/null 2>&1
	interleaved log
	# The user's own choice is kept, and nothing sets it now.
	run env PYTHONUNBUFFERED= "$DTEE" -C log2 python3 -c 'import os; print(os.environ["PYTHONUNBUFFERED"] == "")'
	[ "$output" = True ]
	run "$DTEE" -C log2 python3 -c 'import os; print(os.environ.get("PYTHONUNBUFFERED"))'
	[ "$output" = None ]
}

@test "python3: the sitecustomize it shadows still runs; the user's PYTHONPATH is kept after dtee's" {
	need_cmd python3
	mkdir user
	echo 'import builtins; builtins.USER_SITE_RAN = True' >user/sitecustomize.py
	PYTHONPATH=$PWD/user "$DTEE" -C log python3 -c 'import builtins, os, sys
print(getattr(builtins, "USER_SITE_RAN", False), os.environ["PYTHONPATH"].split(":")[1], type(sys.stderr).__name__)' >out
	[ "$(cat out)" = "True $PWD/user _StderrAfterStdout" ] || fail "$(cat out)"
}

@test "perl: the combined file is in the order printed, watched or not; PERL5OPT of the user kept first" {
	prog='for (0..2) { print "out $_\n"; print STDERR "err $_\n" }'
	"$DTEE" -C log perl -e "$prog" >/dev/null 2>&1
	interleaved log
	"$DTEE" --line-buffering -C log perl -e "$prog" >/dev/null 2>&1
	interleaved log
	PERL5OPT=-Mstrict "$DTEE" -C log2 perl -e 'print "$ENV{PERL5OPT}\n"' >out
	[[ "$(cat out)" == "-Mstrict -I"*" -MDtee::Order" ]] || fail "$(cat out)"
}

@test "the mode: flushed before stderr unless someone watches, a timed log asks for lines, or --line-buffering" {
	mode='echo "${_DTEE_STDOUT-none}"'
	[ "$("$DTEE" sh -c "$mode" | cat)" = F ]
	[ "$("$DTEE" -q sh -c "$mode")" = "" ]	# cron mode: nothing to report
	[ "$("$DTEE" -q -o out sh -c "$mode"; cat out)" = F ]
	[ "$("$DTEE" --line-buffering sh -c "$mode" | cat)" = L ]
	[ "$("$DTEE" -L log sh -c "$mode" | cat)" = L ]
	[ "$("$DTEE" --line-buffering --keep-buffering sh -c "$mode" | cat)" = none ]
	[ "$("$DTEE" --keep-buffering --line-buffering sh -c "$mode" | cat)" = L ]
	_DTEE_STDOUT=F run "$DTEE" --keep-buffering sh -c "$mode"
	[ "$output" = none ]
}

@test "--keep-buffering: the program's own buffering, as before, and no variable added" {
	"$DTEE" --keep-buffering -C log perl -e 'for (0..2) { print "out $_\n"; print STDERR "err $_\n" }' >/dev/null 2>&1
	[ "$(tr '\n' ' ' <log)" = "err 0 err 1 err 2 out 0 out 1 out 2 " ]
	need_cmd python3
	run env -u PYTHONUNBUFFERED "$DTEE" --keep-buffering python3 -c 'import os; print(*(os.environ.get(v) for v in ("PYTHONUNBUFFERED", "_DTEE_STDOUT", "PYTHONPATH", "PERL5OPT")))'
	[ "$output" = "None None None None" ]
}

@test "python3: one print of several arguments is one write on fd 1, watched or not" {
	need_cmd python3
	need_cmd strace
	local opt
	for opt in --line-buffering ""; do
		"$DTEE" $opt -C log strace -f -qq -e trace=write -o trace python3 -c 'import sys
print("line", 1, "of the output")
print("err", file=sys.stderr)
print("line", 2, "of the output")' >/dev/null 2>&1
		grep '^[0-9]* *write([12], "\(line\|err\)' trace | sed 's/^[0-9]* *//; s/) *= /) = /' >writes
		[ "$(cat writes)" = 'write(1, "line 1 of the output\n", 21) = 21
write(2, "err\n", 4) = 4
write(1, "line 2 of the output\n", 21) = 21' ] || fail "${opt:-default}: $(cat trace)"
	done
}

@test "a descendant whose stdout is a file: its environment and its buffering as without dtee" {
	need_cmd python3
	need_cmd strace
	export PYTHONPATH=/user/lib PERL5OPT=-Mstrict
	prog='for i in range(2000): print("line", i, "of the output")'
	# The environment, less LD_PRELOAD, is the one dtee was given.
	sh -c 'env' | grep -v '^LD_PRELOAD=\|^_=' | sort >expected
	"$DTEE" -C log sh -c 'env >own.txt'
	grep -v '^LD_PRELOAD=\|^_=' own.txt | sort | diff expected - || fail "the environment differs"
	perl -e 'print "$ENV{PERL5OPT}|$ENV{PYTHONPATH}\n"' >expected
	"$DTEE" -C log sh -c 'perl -e '\''print "$ENV{PERL5OPT}|$ENV{PYTHONPATH}\n"'\'' >own.txt'
	cmp expected own.txt
	# Python: as many writes to its file as without dtee (a few, not one per line).
	unset PYTHONUNBUFFERED
	strace -qq -e trace=write -o alone python3 -c "$prog" >own.txt
	"$DTEE" -C log strace -f -qq -e trace=write -o traced sh -c 'python3 -c "$0" >own.txt' "$prog"
	[ "$(grep -c 'write(1, "line' alone)" -lt 20 ] || fail "$(wc -l alone)"
	[ "$(grep -c 'write(1, "line' traced)" = "$(grep -c 'write(1, "line' alone)" ] ||
		fail "$(grep -c 'write(1, "line' traced) writes under dtee"
	[ "$(wc -l <own.txt)" = 2000 ]
}

# pty_run TRIGGER [VAR=VALUE...] -- CMD...: run CMD with stdin, stdout and
# stderr on a new pseudo-terminal; once the terminal shows TRIGGER (none:
# -), create the file go; print what the terminal got, with \r\n as \n.
pty_run() {
	python3 - "$@" <<'PY'
import os, pty, sys
trigger, args = sys.argv[1].encode(), sys.argv[2:]
env = dict(os.environ)
while args and args[0] != "--":
    k, v = args.pop(0).split("=", 1)
    env[k] = v
args.pop(0)
pid, fd = pty.fork()
if pid == 0:
    os.execvpe(args[0], args, env)
out = b""
while True:
    try:
        b = os.read(fd, 65536)
    except OSError:
        break
    if not b:
        break
    out += b
    if trigger != b"-" and trigger in out and not os.path.exists("go"):
        open("go", "w").close()
os.waitpid(pid, 0)
sys.stdout.buffer.write(out.replace(b"\r\n", b"\n"))
PY
}

# pty_wait [VAR=VALUE...] -- CMD...: on a pseudo-terminal; CMD waits for
# the file go, created once the terminal shows "before".
pty_wait() { pty_run before "$@"; }

@test "watched (a terminal): a line printed before a wait appears before the wait ends" {
	BATS_TEST_TIMEOUT=60
	need_cmd python3
	# Each command waits for the file go, which the terminal's reader
	# creates only once it has shown "before": a line held back hangs.
	pty_wait -- "$DTEE" -C log "$HELPERS/preload-order" wait go >tty
	[ "$(cat tty)" = $'before\nafter' ] || fail "C: $(cat tty)"
	rm go
	pty_wait PYTHONUNBUFFERED= -- "$DTEE" -C log python3 -c 'import os, time
print("before")
while not os.path.exists("go"):
    time.sleep(0.01)
print("after")' >tty
	[ "$(cat tty)" = $'before\nafter' ] || fail "python: $(cat tty)"
	rm go
	pty_wait -- "$DTEE" -C log perl -e 'print "before\n"; select(undef, undef, undef, 0.01) until -e "go"; print "after\n"' >tty
	[ "$(cat tty)" = $'before\nafter' ] || fail "perl: $(cat tty)"
}

# on_pty [VAR=VALUE...] -- CMD...: run CMD on a new pseudo-terminal;
# print what the terminal got, with \r\n as \n.
on_pty() { pty_run - "$@"; }

# shown FILE: FILE with ESC as \e, for messages and comparisons.
shown() {
	sed 's/\x1b/\\e/g' "$1"
}

@test "--color=auto on a terminal: stderr in red, stdout plain; the -C file byte-exact" {
	need_cmd python3
	on_pty -- "$DTEE" --color=auto -C log sh -c 'echo out; echo err >&2; echo out2' >tty
	[ "$(shown tty)" = 'out
\e[31merr
\e[0mout2' ] || fail "$(shown tty)"
	printf 'out\nerr\nout2\n' | cmp - log
}

@test "--color: never, NO_COLOR with auto, and a non-terminal give plain bytes; always colours anything" {
	need_cmd python3
	on_pty -- "$DTEE" --color=never sh -c 'echo err >&2' >tty
	[ "$(shown tty)" = err ]
	on_pty NO_COLOR=1 -- "$DTEE" --color=auto sh -c 'echo err >&2' >tty
	[ "$(shown tty)" = err ]
	on_pty DTEE_COLOR=auto -- "$DTEE" sh -c 'echo err >&2' >tty
	[ "$(shown tty)" = '\e[31merr
\e[0m' ] || fail "DTEE_COLOR: $(shown tty)"
	"$DTEE" --color=auto sh -c 'echo err >&2' 2>err
	[ "$(shown err)" = err ]
	"$DTEE" --color=always -C log sh -c 'echo err >&2' 2>err
	[ "$(shown err)" = '\e[31merr
\e[0m' ]
	[ "$(cat log)" = err ]
}

@test "--color never splits a UTF-8 character or the program's escapes, and colours again after its reset" {
	need_cmd python3
	# é written a byte at a time, then the program's own bold and reset.
	on_pty -- "$DTEE" --color=always -C log python3 -c 'import os, time
os.write(2, b"\xc3")
time.sleep(0.2)
os.write(2, b"\xa9\n")
os.write(2, b"\x1b[1mbold\x1b[0m after\n")' >tty
	[ "$(shown tty)" = "$(printf '\\e[31m\xc3\xa9\n\\e[0m\\e[31m\\e[1mbold\\e[0m\\e[31m after\n\\e[0m')" ] ||
		fail "$(shown tty | od -c)"
	printf '\xc3\xa9\n\x1b[1mbold\x1b[0m after\n' | cmp - log
}

@test "--color with a bad word: usage error, one line, the command not run" {
	run --separate-stderr "$DTEE" --color=sometimes touch ran
	[ "$status" -eq 64 ]
	[ "${stderr_lines[0]}" = "$DTEE: invalid argument 'sometimes' for '--color' (never, auto or always)" ]
	[ ! -e ran ]
}

@test "--color in cron mode: the replayed stderr in red, the report plain, the files plain" {
	run --separate-stderr "$CRONTY" --color=always -C log sh -c 'echo out; echo err >&2; exit 1'
	[ "$status" -eq 1 ]
	[ "$output" = out ]
	[ "$(printf '%s' "$stderr" | sed 's/\x1b/\\e/g')" = '\e[31merr
\e[0m'"$CRONTY: sh: exited with status 1" ] || fail "$(printf '%s' "$stderr" | od -c)"
	printf 'out\nerr\n' | cmp - log
}

@test "a descendant's own PYTHONPATH entry that begins like dtee's is kept whole when dtee's is taken out" {
	command -v python3 >/dev/null || skip "needs python3"
	local dir
	dir=$("$DTEE" sh -c 'printf %s "$_DTEE_ADDED_PYTHONPATH"')
	[ -n "$dir" ] || fail "dtee added no PYTHONPATH entry"
	"$DTEE" sh -c 'PYTHONPATH="$_DTEE_ADDED_PYTHONPATH-extra:$PYTHONPATH" \
		exec python3 -c "import os; print(os.environ.get(\"PYTHONPATH\"))" >own.txt'
	[ "$(cat own.txt)" = "$dir-extra" ] || fail "PYTHONPATH: $(cat own.txt)"
}
