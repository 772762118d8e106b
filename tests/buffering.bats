#!/usr/bin/env bats
# Order as the program printed it (line-buffered stdout by default,
# --keep-buffering), and stderr in colour on a terminal (--color).

load common

# interleaved FILE: FILE holds out 0, err 0, out 1, err 1, out 2, err 2.
interleaved() {
	[ "$(tr '\n' ' ' <"$1")" = "out 0 err 0 out 1 err 1 out 2 err 2 " ] ||
		fail "$1: $(tr '\n' ' ' <"$1")"
}

@test "python3 without PYTHONUNBUFFERED: the combined file is in the order printed" {
	need_cmd python3
	run env -u PYTHONUNBUFFERED "$DTEE" -C log python3 -c 'import sys
for i in range(3):
    print("out", i)
    print("err", i, file=sys.stderr)'
	interleaved log
	# The user's own choice is kept.
	run env PYTHONUNBUFFERED= "$DTEE" -C log2 python3 -c 'import os; print(os.environ["PYTHONUNBUFFERED"] == "")'
	[ "$output" = True ]
}

@test "perl: the combined file is in the order printed; PERL5OPT of the user kept" {
	need_cmd perl
	prog='for (0..2) { print "out $_\n"; print STDERR "err $_\n" }'
	"$DTEE" -C log perl -e "$prog" >/dev/null 2>&1
	interleaved log
	PERL5OPT=-Mstrict "$DTEE" -C log2 perl -e 'print "$ENV{PERL5OPT}\n"' >out
	[ "$(cat out)" = "-Mstrict -MIO::Handle;STDOUT->autoflush(1)" ]
}

@test "--keep-buffering: the program's own buffering, as before" {
	need_cmd perl
	"$DTEE" --keep-buffering -C log perl -e 'for (0..2) { print "out $_\n"; print STDERR "err $_\n" }' >/dev/null 2>&1
	[ "$(tr '\n' ' ' <log)" = "err 0 err 1 err 2 out 0 out 1 out 2 " ]
	run env -u PYTHONUNBUFFERED "$DTEE" --keep-buffering python3 -c 'import os; print(os.environ.get("PYTHONUNBUFFERED"), os.environ.get("_DTEE_STDOUT"))'
	[ "$output" = "None None" ]
}

# on_pty [VAR=VALUE...] -- CMD...: run CMD with stdin, stdout and stderr on
# a new pseudo-terminal; print what the terminal got, with \r\n as \n.
on_pty() {
	python3 - "$@" <<'PY'
import os, pty, sys
args = sys.argv[1:]
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
os.waitpid(pid, 0)
sys.stdout.buffer.write(out.replace(b"\r\n", b"\n"))
PY
}

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
