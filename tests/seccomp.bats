#!/usr/bin/env bats
# --seccomp (issue 6): large writes that libdtee.so cannot see (static C,
# Go) reach every output whole, once, and in order, under signals, threads,
# grandchildren, redirections, nesting, and dtee's death. Every check is
# byte-exact against the same command run without dtee.

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

@test "SO_SNDBUF shrunk by the command: writes below the trap threshold still fit" {
	reference "$W_STATIC" -Q -s 200K -m www
	under_seccomp "$W_STATIC" -Q -b 4K -s 200K -m www
}

@test "dtee killed: the command's later large write fails at once, it does not hang" {
	"$DTEE" --seccomp sh -c "while [ ! -e go ]; do sleep 0.02; done; $W_STATIC -Q -s 20M -m w 2>w.err; echo \$? >w.rc" \
		>/dev/null 2>&1 3>&- &
	local pid=$! i
	sleep 0.2
	kill -KILL "$pid"
	wait "$pid" || true
	touch go
	for i in $(seq 100); do [ -s w.rc ] && break; sleep 0.05; done
	[ "$(cat w.rc)" = 1 ]
	cat w.err
	[[ "$(cat w.err)" == "seccomp-writer: write: "* ]]
}

@test "unprivileged: no_new_privs set, byte-exact, non-dumpable writes let through and counted" {
	[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null || skip "needs root and setpriv to become nobody"
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
