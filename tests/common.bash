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

common_setup() {
	unset LD_PRELOAD DTEE_SECCOMP
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
