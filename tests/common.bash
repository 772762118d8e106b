# Shared set-up for every suite: the build under test on PATH, an isolated
# environment, and a private TMPDIR per test so leftovers can be checked.
# DTEE_BUILD (set by `make check`) names the build directory.

: "${DTEE_BUILD:=$(cd "$BATS_TEST_DIRNAME/../build" && pwd)}"
DTEE="$DTEE_BUILD/dtee"
CRONTY="$DTEE_BUILD/cronty"
LIBDTEE="$DTEE_BUILD/libdtee.so"
HELPERS="$DTEE_BUILD/tests"
export DTEE CRONTY LIBDTEE HELPERS

# A test that hangs fails instead of stalling the suite.
: "${BATS_TEST_TIMEOUT:=60}"
bats_require_minimum_version 1.7.0

# searchable_path: $PATH without the directories this user cannot search
# (root's PATH kept by `setpriv --reuid=nobody`): execvp meets EACCES there
# and a command that is nowhere is then "Permission denied", not "No such
# file or directory".
searchable_path() {
	local d out= IFS=:
	for d in $PATH; do
		[ -n "$d" ] && [ -x "$d" ] && out=${out:+$out:}$d
	done
	printf '%s\n' "$out"
}

common_setup() {
	unset LD_PRELOAD DTEE_SECCOMP
	PATH=$(searchable_path)
	export LC_ALL=C
	export TMPDIR="$BATS_TEST_TMPDIR/tmp"
	mkdir -p "$TMPDIR"
	cd "$BATS_TEST_TMPDIR" || return 1
}

setup() {
	common_setup
}

# tmpdir_is_empty: dtee left nothing behind in $TMPDIR.
tmpdir_is_empty() {
	[ -z "$(ls -A "$TMPDIR")" ] || { ls -la "$TMPDIR" >&2; return 1; }
}

# sum FILE: the SHA-256 of FILE, or of stdin with -.
sum() {
	sha256sum "$@" | cut -d' ' -f1
}

# fail MESSAGE: fail the test with a message on stderr.
fail() {
	printf '%s\n' "$*" >&2
	return 1
}

# Skip guards: each skips the test with the reason where it cannot run.

# need_cmd CMD...: every CMD is on PATH.
need_cmd() {
	local cmd
	for cmd; do
		command -v "$cmd" >/dev/null || skip "$cmd not installed"
	done
}

# need_root: the test runs as root.
need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root"
}

# need_built FILE...: every FILE (a path under $DTEE_BUILD) was built.
need_built() {
	local f
	for f; do
		[ -e "$f" ] || skip "${f#"$DTEE_BUILD"/} is not built (make all test-helpers)"
	done
}

# ours PID: PID is still a process this test started, as its environment
# holds this test's private TMPDIR. A pid recorded earlier may belong to
# someone else by now: pids are reused (pid_max can be as low as 32768),
# and with --jobs another test's processes are running.
ours() {
	[ -r "/proc/$1/environ" ] && tr '\0' '\n' <"/proc/$1/environ" 2>/dev/null | grep -qxF "TMPDIR=$TMPDIR"
}

# stop_pids [-SIGNAL] PID...: end background processes the test started and
# recorded (SIGTERM, or SIGNAL); those already gone, or whose pid now
# belongs to another process, are left alone.
stop_pids() {
	local sig=-TERM p
	case ${1:-} in -*) sig=$1; shift ;; esac
	for p; do
		! ours "$p" || kill "$sig" "$p" 2>/dev/null || true
	done
}

# libdtee.so suites -----------------------------------------------------------

# pattern_sum SIZE: the SHA-256 of preload-big-write's SIZE-byte pattern.
pattern_sum() {
	"$HELPERS/preload-big-write" gen 1 "$1" | sum -
}

# dtee_delivers FD WANT CMD...: run CMD under dtee with -O/-E/-C files and
# check that exactly the output with checksum WANT arrived on stream FD
# (1 or 2) of dtee, in the matching -O/-E file and in the -C file, and that
# the other stream stayed empty.
dtee_delivers() {
	local fd=$1 want=$2 rc=0
	shift 2
	"$DTEE" -O out.log -E err.log -C all.log -- "$@" >stdout.log 2>stderr.log 3>&- || rc=$?
	[ "$rc" -eq 0 ] || fail "$* exited $rc: $(head -c 300 stderr.log)"
	local mine=stdout.log file=out.log other=stderr.log ofile=err.log
	if [ "$fd" = 2 ]; then
		mine=stderr.log file=err.log other=stdout.log ofile=out.log
	fi
	[ "$(sum "$mine")" = "$want" ] || fail "$*: fd $fd wrong ($(wc -c <"$mine") bytes)"
	[ "$(sum "$file")" = "$want" ] || fail "$*: $file wrong ($(wc -c <"$file") bytes)"
	[ "$(sum all.log)" = "$want" ] || fail "$*: all.log wrong ($(wc -c <all.log) bytes)"
	[ ! -s "$other" ] && [ ! -s "$ofile" ] || fail "$*: other stream not empty: $(head -c 300 "$other")"
}
