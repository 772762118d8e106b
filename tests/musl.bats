#!/usr/bin/env bats
# musl: dtee never stops a program from running, whatever its libc, and it
# builds and works with musl. The glibc-built libdtee.so loads in a dynamic
# musl program (musl's loader refuses a preloaded library with a symbol it
# cannot resolve) and splits its large writes there; the musl build (make
# musl, $DTEE_BUILD/musl) covers the core for musl programs: large writes
# whole, stdio at the API level, the order as printed, cron mode, and
# --seccomp for a static musl program; its libdtee.so, linked against no
# libc, also loads in a glibc program. The musl programs are built by make
# musl (make check builds it where scripts/ensure-musl finds musl-gcc).

load common

MUSL="$DTEE_BUILD/musl"
MUSL_WRITER="$MUSL/tests/preload-big-write"
MUSL_ORDER="$MUSL/tests/preload-order"
MUSL_THREADS="$MUSL/tests/preload-threads"
MUSL_STATIC="$MUSL/tests/seccomp-writer-static"

setup() {
	common_setup
	[ -x "$MUSL/dtee" ] || skip "no musl build: scripts/ensure-musl found no musl-gcc (make musl)"
	need_built "$MUSL_WRITER" "$MUSL_ORDER" "$MUSL_THREADS" "$MUSL_STATIC" "$MUSL/libdtee.so" "$MUSL/cronty"
}

# musl_libc: the path of musl's libc.so (its dynamic loader too).
musl_libc() {
	local so
	so=$(readelf -l "$MUSL_WRITER" | sed -n 's/.*program interpreter: \(.*\)]$/\1/p')
	[ -e "$so" ] || skip "no musl loader for the musl programs"
	echo "$so"
}

# need_plain_libdtee: the glibc build's libdtee.so has no sanitizer runtime
# (make asan builds it with UBSan's, a glibc library musl cannot load).
need_plain_libdtee() {
	need_cmd readelf
	! readelf -d "$LIBDTEE" | grep -q 'NEEDED.*san' ||
		skip "libdtee.so is built with a sanitizer runtime (make asan), which musl programs cannot load"
}

# undefined_in_musl LIB: the symbols LIB needs (undefined, not weak) that
# musl's libc.so does not define, one a line.
undefined_in_musl() {
	local libc
	libc=$(musl_libc) || return 1
	nm -D --defined-only "$libc" | awk '{ print $3 }' | sort -u >musl.syms
	nm -D --undefined-only "$1" | awk '$1 == "U" { sub(/@.*/, "", $2); print $2 }' | sort -u >lib.syms
	comm -23 lib.syms musl.syms
}

@test "the glibc build of libdtee.so needs no symbol that musl's libc lacks" {
	need_plain_libdtee
	need_cmd nm readelf
	run undefined_in_musl "$LIBDTEE"
	[ "$status" -eq 0 ]
	[ -z "$output" ] || fail "undefined in musl: $output"
	# The check itself sees glibc-only symbols: a glibc program's.
	run undefined_in_musl "$HELPERS/preload-big-write-fortify"
	[[ "$output" == *__printf_chk* ]]
}

@test "the glibc-built dtee runs a dynamic musl program: exit 0, all its output, in order" {
	need_plain_libdtee
	run --separate-stderr "$DTEE" -C all "$MUSL_ORDER"
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	[ "$(cat all)" = "$(printf 'out %d\nerr %d\n' 0 0 1 1 2 2)" ]
	[ "$output" = "$(printf 'out %d\n' 0 1 2)" ]
	[ "$stderr" = "$(printf 'err %d\n' 0 1 2)" ]
}

@test "the glibc-built dtee: a musl program's 20 MB write, writev and send arrive whole" {
	need_plain_libdtee
	local want m
	want=$(pattern_sum $((20 << 20)))
	for m in write writev send; do
		dtee_delivers 1 "$want" "$MUSL_WRITER" "$m" 1 $((20 << 20))
	done
}

@test "the glibc-built dtee: a musl program's 2 MB fwrite, fputs, printf and dprintf arrive whole (stdio by API)" {
	need_plain_libdtee
	local want m
	want=$(pattern_sum $((2 << 20)))
	for m in fwrite fputs printf vprintf dprintf; do
		dtee_delivers 1 "$want" "$MUSL_WRITER" "$m" 1 $((2 << 20))
	done
	dtee_delivers 2 "$want" "$MUSL_WRITER" fwrite 2 $((2 << 20))
}

@test "the musl build: a musl program's 20 MB write, writev, send and sendmsg arrive whole" {
	local want m DTEE="$MUSL/dtee"
	want=$(pattern_sum $((20 << 20)))
	for m in write writev send sendmsg; do
		dtee_delivers 1 "$want" "$MUSL_WRITER" "$m" 1 $((20 << 20))
	done
	dtee_delivers 2 "$want" "$MUSL_WRITER" write 2 $((20 << 20))
}

@test "the musl build: a musl program's 20 MB fwrite, fputs, puts, printf(\"%s\") and dprintf arrive whole" {
	local want m DTEE="$MUSL/dtee"
	want=$(pattern_sum $((20 << 20)))
	for m in fwrite fwrite_unlocked fputs puts printf vprintf dprintf vdprintf setvbuf; do
		dtee_delivers 1 "$want" "$MUSL_WRITER" "$m" 1 $((20 << 20))
	done
	for m in fwrite printf; do
		dtee_delivers 2 "$want" "$MUSL_WRITER" "$m" 2 $((20 << 20))
	done
}

@test "a threaded musl program's large writes each arrive whole, also while it forks (both builds)" {
	local d size=1000000
	printf 'A 3\nB 3\nC 3\nD 3\n' >want.threads
	printf 'A %d\nB %d\nz %d\n' $((3 * (size - 1))) $((3 * (size - 1))) $((5 * 3 * (size - 1))) >want.fork
	for d in "$DTEE" "$MUSL/dtee"; do
		# make asan: the glibc build's library has a runtime musl cannot load.
		if [ "$d" = "$DTEE" ] && readelf -d "$LIBDTEE" | grep -q 'NEEDED.*san'; then continue; fi
		"$d" -O out.log -- "$MUSL_THREADS" threads 4 3 $size >/dev/null
		"$HELPERS/preload-threads" check $size <out.log | diff -u want.threads -
		"$d" -O out.log -- "$MUSL_THREADS" fork 2 3 $size >/dev/null
		"$HELPERS/preload-threads" count <out.log | diff -u want.fork -
	done
}

@test "the musl build without libdtee.so loses those writes (the case it covers)" {
	run --separate-stderr "$MUSL/dtee" --no-preload -O out "$MUSL_WRITER" fwrite 1 $((20 << 20))
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"fwrite returned 0"* ]]
	[ ! -s out ]
}

@test "the musl build: a musl program's output keeps the order as printed, also fully buffered; --keep-buffering keeps its own" {
	local ordered
	ordered=$(printf 'out %d\nerr %d\n' 0 0 1 1 2 2)
	run "$MUSL/dtee" -C all "$MUSL_ORDER"
	[ "$status" -eq 0 ]
	[ "$(cat all)" = "$ordered" ]
	# Its own setvbuf(_IOFBF): stdout is still flushed before stderr.
	run "$MUSL/dtee" -C all "$MUSL_ORDER" full
	[ "$status" -eq 0 ]
	[ "$(cat all)" = "$ordered" ]
	run "$MUSL/dtee" --keep-buffering -C all "$MUSL_ORDER" full
	[ "$status" -eq 0 ]
	[ "$(cat all)" = "$(printf 'err %d\n' 0 1 2; printf 'out %d\n' 0 1 2)" ]
}

@test "the musl build: exit status passed on, cron mode quiet on success and replays on failure" {
	run --separate-stderr "$MUSL/cronty" sh -c 'echo one; echo two'
	[ "$status" -eq 0 ]
	[ -z "$output" ] && [ -z "$stderr" ]
	run --separate-stderr "$MUSL/cronty" sh -c 'echo 1; echo 2; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = "$(printf '1\n2')" ]
	[ "$stderr" = "$MUSL/cronty: sh: exited with status 3" ]
}

@test "the musl build runs a glibc program: exit 0, its 20 MB write, fwrite and printf whole, in order" {
	local want m DTEE="$MUSL/dtee"
	want=$(pattern_sum $((20 << 20)))
	for m in write fwrite printf; do
		dtee_delivers 1 "$want" "$HELPERS/preload-big-write" "$m" 1 $((20 << 20))
	done
	run "$MUSL/dtee" -C all "$HELPERS/preload-order"
	[ "$status" -eq 0 ]
	[ "$(cat all)" = "$(printf 'out %d\nerr %d\n' 0 0 1 1 2 2)" ]
}

@test "a static musl program's 12 MB under --seccomp: byte-exact and in order (glibc and musl builds)" {
	local d
	"$MUSL_STATIC" -s 3M -m wvfe >ref.out 2>ref.err || fail "reference run failed"
	"$MUSL_STATIC" -s 3M -m wvfe >ref.comb 2>&1 || fail "reference run failed"
	for d in "$DTEE" "$MUSL/dtee"; do
		run --separate-stderr "$d" -O out -E err -C comb "$MUSL_STATIC" -Q -s 20M -m w
		[ "$status" -eq 1 ] || fail "$d without --seccomp: exit $status"
		"$d" --seccomp -O out -E err -C comb "$MUSL_STATIC" -s 3M -m wvfe >pass.out 2>pass.err ||
			fail "$d --seccomp: exit $?: $(head -c 300 pass.err)"
		[ "$(sum comb)" = "$(sum ref.comb)" ] || fail "$d: comb ($(wc -c <comb) bytes) differs"
		[ "$(sum out)" = "$(sum ref.out)" ] && [ "$(sum pass.out)" = "$(sum ref.out)" ] || fail "$d: out differs"
		[ "$(sum err)" = "$(sum ref.err)" ] && [ "$(sum pass.err)" = "$(sum ref.err)" ] || fail "$d: err differs"
	done
}

@test "a musl program whose signal handler writes to fd 2 during printf: no crash, every stdout line once and whole (both builds)" {
	BATS_TEST_TIMEOUT=120
	local prog="$MUSL/tests/order-signal" d n=200000
	need_built "$prog"
	seq -f 'line %07g abcdefghijklmnopqrstuvwxyz0123456789' 0 $((n - 1)) >want
	for d in "$DTEE" "$MUSL/dtee"; do
		[ "$d" != "$DTEE" ] || need_plain_libdtee
		run --separate-stderr "$d" -O out -E err "$prog" $n
		[ "$status" -eq 0 ] || fail "$d: exit $status: $(tail -n 3 err)"
		cmp want out || fail "$d: stdout not whole"
		[ "$(tail -n 1 err | cut -d' ' -f1)" = hits ]
	done
}
