#!/usr/bin/env bats
# libdtee.so: every writer delivers every byte, in order, through dtee's
# datagram sockets, at sizes a single datagram cannot carry (1 MB fits in
# the 4 MiB SO_SNDBUF dtee asks for; 20 MB and 64 MiB do not).

load common

setup() {
	common_setup
	need_built "$DTEE" "$LIBDTEE"
}

MB=1000000
BIG=20000000

# each_writer_size BINARY METHOD: METHOD of BINARY at 1 MB and 20 MB, on
# stdout and on stderr.
each_writer_size() {
	local bin=$1 method=$2 size fd
	for size in $MB $BIG; do
		local want
		want=$(pattern_sum "$size")
		for fd in 1 2; do
			[ "$method" = puts ] && [ "$fd" = 2 ] && continue
			dtee_delivers "$fd" "$want" "$HELPERS/$bin" "$method" "$fd" "$size"
		done
	done
}

@test "write: 1 MB and 20 MB, stdout and stderr" { each_writer_size preload-big-write write; }
@test "writev with 1000 iovecs" { each_writer_size preload-big-write writev; }
@test "send" { each_writer_size preload-big-write send; }
@test "sendmsg with 1000 iovecs" { each_writer_size preload-big-write sendmsg; }
@test "sendmmsg: one message of 1000 iovecs" { each_writer_size preload-big-write sendmmsg; }
@test "pwritev2 with offset -1 (the current position)" { each_writer_size preload-big-write pwritev2; }
@test "pwritev64v2 with offset -1" { each_writer_size preload-big-write pwritev64v2; }
@test "splice from a pipe" { each_writer_size preload-big-write splice; }
@test "sendfile without an offset (file position moves)" { each_writer_size preload-big-write sendfile; }
@test "sendfile with an offset (*offset moves, file position does not)" { each_writer_size preload-big-write sendfile-off; }
@test "fwrite" { each_writer_size preload-big-write fwrite; }
@test "fwrite_unlocked" { each_writer_size preload-big-write fwrite_unlocked; }
@test "fputs" { each_writer_size preload-big-write fputs; }
@test "fputs_unlocked" { each_writer_size preload-big-write fputs_unlocked; }
@test "puts" { each_writer_size preload-big-write puts; }
@test "a buffer of the caller's: setvbuf and setbuffer of SIZE bytes, setbuf" {
	local m
	for m in setvbuf setbuffer setbuf; do each_writer_size preload-big-write $m; done
}
@test "printf and fprintf" { each_writer_size preload-big-write printf; }
@test "vprintf and vfprintf" { each_writer_size preload-big-write vprintf; }
@test "dprintf" { each_writer_size preload-big-write dprintf; }
@test "vdprintf" { each_writer_size preload-big-write vdprintf; }
@test "FORTIFY printf family (__printf_chk, __fprintf_chk, __vfprintf_chk)" {
	nm -D "$HELPERS/preload-big-write-fortify" | grep -q __printf_chk || fail "not fortified"
	each_writer_size preload-big-write-fortify printf
	each_writer_size preload-big-write-fortify vprintf
}
@test "FORTIFY dprintf family (__dprintf_chk, __vdprintf_chk)" {
	each_writer_size preload-big-write-fortify dprintf
	each_writer_size preload-big-write-fortify vdprintf
}

@test "write: 64 MiB in one call" {
	local size=$((64 << 20))
	dtee_delivers 1 "$(pattern_sum $size)" "$HELPERS/preload-big-write" write 1 $size
}

@test "order: small stdout, large stderr, small stdout" {
	local m size=$BIG
	printf 'A\n' >want
	"$HELPERS/preload-big-write" gen 1 $size >>want
	printf 'B\n' >>want
	for m in write writev fwrite printf dprintf sendfile; do
		"$DTEE" -C all.log -- "$HELPERS/preload-big-write" "$m" 2 $size -a >stdout.log 2>stderr.log
		cmp -s all.log want || fail "$m: combined file out of order"
		[ "$(cat stdout.log)" = "$(printf 'A\nB')" ] || fail "$m: stdout wrong"
	done
}

@test "C++ std::cout and std::cerr" {
	local size fd
	for size in $MB $BIG; do
		for fd in 1 2; do
			dtee_delivers $fd "$(pattern_sum $size)" "$HELPERS/preload-big-cout" $fd $size
		done
	done
}

# interpreter_writes FD SIZE CMD...: CMD's output through a pipe (no
# library) is the reference; under dtee it must arrive whole on stream FD.
interpreter_writes() {
	local fd=$1 want
	shift
	if [ "$fd" = 1 ]; then want=$("$@" | sum -); else want=$("$@" 2>&1 >/dev/null | sum -); fi
	dtee_delivers "$fd" "$want" "$@"
}

@test "python3 sys.stdout.write and sys.stderr.write" {
	need_cmd python3
	local n
	for n in $MB $BIG; do
		interpreter_writes 1 python3 -c "import sys; sys.stdout.write('x' * $n)"
		interpreter_writes 2 python3 -c "import sys; sys.stderr.write('y' * $n)"
	done
}

@test "perl print" {
	need_cmd perl
	local n
	for n in $MB $BIG; do
		interpreter_writes 1 perl -e "print 'x' x $n"
		interpreter_writes 2 perl -e "print STDERR 'y' x $n"
	done
}

@test "bash builtin printf and echo" {
	local n
	for n in $MB $BIG; do
		export N=$n
		interpreter_writes 1 bash -c 's=$(head -c $N /dev/zero | tr "\0" x); printf "%s" "$s"'
		interpreter_writes 1 bash -c 's=$(head -c $N /dev/zero | tr "\0" x); echo "$s"'
		interpreter_writes 2 bash -c 's=$(head -c $N /dev/zero | tr "\0" y); printf "%s" "$s" >&2'
		interpreter_writes 2 bash -c 's=$(head -c $N /dev/zero | tr "\0" y); echo "$s" >&2'
	done
}

@test "dd bs=8M" {
	"$HELPERS/preload-big-write" gen 1 $BIG >in.dat
	dtee_delivers 1 "$(sum in.dat)" dd if=in.dat bs=8M status=none
	dtee_delivers 2 "$(sum in.dat)" sh -c "exec dd if=in.dat bs=8M status=none >&2"
}

@test "head (fwrite_unlocked)" {
	"$HELPERS/preload-big-write" gen 1 $BIG >in.dat
	dtee_delivers 1 "$(sum in.dat)" head -c $BIG in.dat
}

# node, installed from Debian's nodejs package where it is missing (as root).
node_or_skip() {
	command -v node >/dev/null && return 0
	"$BATS_TEST_DIRNAME/../scripts/ensure-node" >/dev/null 2>node.why ||
		skip "no node: $(tail -1 node.why)"
}

@test "node console.log and console.error" {
	node_or_skip
	local n
	for n in $MB $BIG; do
		interpreter_writes 1 node -e "console.log('x'.repeat($n))"
		interpreter_writes 2 node -e "console.error('y'.repeat($n))"
	done
}

@test "node process.stdout.write of 20 MB" {
	node_or_skip
	interpreter_writes 1 node -e "process.stdout.write('x'.repeat($BIG))"
	interpreter_writes 2 node -e "process.stderr.write('y'.repeat($BIG))"
}

@test "node console.error interleaved with console.log keeps its order" {
	node_or_skip
	local script="for (let i = 0; i < 3; i++) { console.log('A' + i); console.error('x'.repeat($BIG)); console.log('B' + i); }"
	node -e "$script" >want 2>&1
	"$DTEE" -C all.log -- node -e "$script" >stdout.log 2>stderr.log
	cmp -s all.log want || fail "combined file out of order: $(grep -v '^x*$' all.log | tr '\n' ' ')"
	[ "$(cat stdout.log)" = "$(printf 'A0\nB0\nA1\nB1\nA2\nB2')" ] || fail "stdout wrong"
	[ "$(wc -c <stderr.log)" -eq $((3 * (BIG + 1))) ] || fail "stderr wrong"
}

@test "without the library, the same writers lose data (the tests can fail)" {
	local m
	for m in write sendmsg pwritev2 setbuffer; do
		"$DTEE" --no-preload -O out.log -- "$HELPERS/preload-big-write" $m 1 $BIG >/dev/null 2>&1 && fail "$m succeeded"
		[ ! -s out.log ] || fail "$m: data arrived"
	done
}
