#!/usr/bin/env bats
# make install and make uninstall, with PREFIX and DESTDIR, from a build of
# their own (PREFIX is compiled in as the library directory).

load common

setup() {
	common_setup
	# A make of its own, not the one running the suite (make asan passes
	# its variables down through MAKEFLAGS).
	unset MAKEFLAGS MAKELEVEL MFLAGS
	# Nor the install layout of a package build (debian/rules exports it).
	unset PREFIX BINDIR MULTIARCH LIBDIR PKGLIBDIR PRELOAD_ENTRY MANDIR DESTDIR \
		BASHCOMPDIR ZSHCOMPDIR FISHCOMPDIR
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	build="$BATS_TEST_TMPDIR/build"
}

@test "install with PREFIX: dtee, cronty, libdtee.so and the man pages; the library is found" {
	prefix="$BATS_TEST_TMPDIR/prefix"
	make -s -C "$top" B="$build" PREFIX="$prefix" install >/dev/null
	[ -x "$prefix/bin/dtee" ]
	[ "$(readlink "$prefix/bin/cronty")" = dtee ]
	[ -f "$prefix/lib/dtee/libdtee.so" ]
	[ -f "$prefix/share/man/man1/dtee.1" ]
	[ -f "$prefix/share/man/man1/cronty.1" ]
	[ -f "$prefix/share/bash-completion/completions/dtee" ]
	[ "$(readlink "$prefix/share/bash-completion/completions/cronty")" = dtee ]
	[ -f "$prefix/share/zsh/site-functions/_dtee" ]
	[ -f "$prefix/share/fish/vendor_completions.d/dtee.fish" ]
	# The man page names the library directory of this installation, and
	# the version and date the Makefile gives it.
	grep -q "$prefix/lib/dtee" "$prefix/share/man/man1/dtee.1"
	version=$(make -s -C "$top" version)
	grep -q "^\.TH DTEE 1 \"[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]\" \"dtee $version\"" "$prefix/share/man/man1/dtee.1"
	! grep -q @ "$prefix/share/man/man1/dtee.1"
	[ "$("$prefix/bin/dtee" --version | head -1)" = "dtee $version" ]
	# It finds the installed Python and Perl hooks too.
	[ "$(env -u PYTHONPATH -u PERL5OPT "$prefix/bin/dtee" sh -c 'echo "$PYTHONPATH|$PERL5OPT"' | cat)" = \
		"$prefix/lib/dtee/python|-I$prefix/lib/dtee/perl -MDtee::Order" ]
	# The installed dtee finds the installed library: no warning, and a
	# write no datagram can carry arrives whole.
	run --separate-stderr "$prefix/bin/dtee" -O out dd if=/dev/zero bs=20M count=1 status=none
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(stat -c %s out)" -eq 20971520 ]
	run --separate-stderr "$prefix/bin/cronty" false
	[ "$stderr" = "$prefix/bin/cronty: false: exited with status 1" ]

	make -s -C "$top" B="$build" PREFIX="$prefix" uninstall >/dev/null
	[ -z "$(find "$prefix" -type f -o -type l)" ]
}

@test "install with DESTDIR stages under it; uninstall removes what it put there" {
	dest="$BATS_TEST_TMPDIR/stage"
	make -s -C "$top" B="$build" PREFIX=/usr DESTDIR="$dest" install >/dev/null
	for f in bin/dtee bin/cronty lib/dtee/libdtee.so lib/dtee/python/sitecustomize.py \
		lib/dtee/perl/Dtee/Order.pm share/man/man1/dtee.1 share/man/man1/cronty.1 \
		share/bash-completion/completions/dtee share/bash-completion/completions/cronty \
		share/zsh/site-functions/_dtee share/fish/vendor_completions.d/dtee.fish \
		share/fish/vendor_completions.d/cronty.fish; do
		[ -e "$dest/usr/$f" ] || fail "$f not installed"
	done
	make -s -C "$top" B="$build" PREFIX=/usr DESTDIR="$dest" uninstall >/dev/null
	[ -z "$(find "$dest" -type f -o -type l)" ]
}

@test "make, then make install with another PREFIX: what names the library is rebuilt" {
	prefix="$BATS_TEST_TMPDIR/prefix"
	make -s -C "$top" B="$build" all >/dev/null
	make -s -C "$top" B="$build" PREFIX="$prefix" install >/dev/null
	grep -q "$prefix/lib/dtee" "$prefix/share/man/man1/dtee.1"
	# Found by the compiled-in path, not next to the executable.
	[ ! -e "$prefix/bin/libdtee.so" ]
	"$prefix/bin/dtee" -O out "$HELPERS/preload-big-write" write 1 8388608 >/dev/null 2>err
	[ ! -s err ] || fail "$(cat err)"
	[ "$(sum out)" = "$(pattern_sum 8388608)" ]
}

# probe_lib DIR: build a tiny library, DIR/probe.so, that appends "loaded" to
# $PROBE_MARK in every process it is preloaded into: another preloaded
# library that the user's LD_PRELOAD holds.
probe_lib() {
	mkdir -p "$1"
	cat >"$BATS_TEST_TMPDIR/probe.c" <<-'EOF'
	#include <fcntl.h>
	#include <stdlib.h>
	#include <unistd.h>
	__attribute__((constructor)) static void mark(void)
	{
		const char *f = getenv("PROBE_MARK");
		int fd = f ? open(f, O_WRONLY | O_CREAT | O_APPEND, 0600) : -1;
		if (fd >= 0) {
			(void)!write(fd, "loaded\n", 7);
			close(fd);
		}
	}
	EOF
	"${CC:-cc}" -shared -fPIC -o "$1/probe.so" "$BATS_TEST_TMPDIR/probe.c"
}

@test "MULTIARCH install: the library under lib/TRIPLET, preloaded through \$LIB after the user's LD_PRELOAD" {
	triplet=$("${CC:-cc}" -print-multiarch 2>/dev/null) || true
	[ -n "$triplet" ] || skip "the compiler names no multiarch triplet (not a Debian-like system)"
	prefix="$BATS_TEST_TMPDIR/prefix"
	# Does ld.so expand $LIB to lib/TRIPLET here? Ask it with the probe.
	probe_lib "$prefix/lib/$triplet"
	export PROBE_MARK="$BATS_TEST_TMPDIR/mark"
	LD_PRELOAD="$prefix/\$LIB/probe.so" env true
	[ -s "$PROBE_MARK" ] || skip "ld.so expands \$LIB to something else than lib/$triplet here"
	rm "$PROBE_MARK"

	make -s -C "$top" B="$build" PREFIX="$prefix" MULTIARCH="$triplet" install >/dev/null
	[ -f "$prefix/lib/$triplet/dtee/libdtee.so" ]
	[ ! -e "$prefix/lib/dtee" ]
	grep -q "$prefix/lib/$triplet/dtee" "$prefix/share/man/man1/dtee.1"

	# The user's library stays first, libdtee.so is added by its $LIB name.
	user="$prefix/lib/$triplet/probe.so"
	# Under make asan this dtee has ASan, which wants its runtime first.
	export ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0
	run --separate-stderr env LD_PRELOAD="$user" "$prefix/bin/dtee" sh -c 'printf "%s\n" "$LD_PRELOAD"'
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	[ -z "$stderr" ]
	[ "$output" = "$prefix/lib/$triplet/probe.so:$prefix/\$LIB/dtee/libdtee.so" ]
	[ -s "$PROBE_MARK" ]
	# Both are loaded: a write no datagram can carry arrives whole.
	LD_PRELOAD="$user" "$prefix/bin/dtee" -O out "$HELPERS/preload-big-write" write 1 8388608 >/dev/null 2>err
	[ ! -s err ] || fail "$(cat err)"
	[ "$(sum out)" = "$(pattern_sum 8388608)" ]

	make -s -C "$top" B="$build" PREFIX="$prefix" MULTIARCH="$triplet" uninstall >/dev/null
	rm "$prefix/lib/$triplet/probe.so"
	[ -z "$(find "$prefix" -type f -o -type l)" ]
}

@test "a 32-bit command under a 64-bit dtee: one ld.so line without a 32-bit library, whole writes with one" {
	[ "$("${CC:-cc}" -print-multiarch 2>/dev/null)" = x86_64-linux-gnu ] || skip "not a Debian-like x86_64 system"
	"${CC:-cc}" -m32 -D_GNU_SOURCE -o big32 "$top/tests/helpers/preload-big-write.c" 2>/dev/null ||
		skip "cannot build 32-bit programs (gcc-multilib is not installed)"
	prefix="$BATS_TEST_TMPDIR/prefix"
	make -s -C "$top" B="$build" PREFIX="$prefix" MULTIARCH=x86_64-linux-gnu install >/dev/null
	[ -f "$prefix/lib/x86_64-linux-gnu/dtee/libdtee.so" ] || fail "no 64-bit library"
	small=$(./big32 write 1 4096 | sum -)
	[ "$small" = "$(pattern_sum 4096)" ]

	# No 32-bit libdtee.so: ld.so says so in one line and runs the
	# command without it.
	run --separate-stderr "$prefix/bin/dtee" -O out ./big32 write 1 4096
	[ "$status" -eq 0 ]
	[ "$(sum out)" = "$small" ]
	[[ "$stderr" == *"ld.so: object '$prefix/\$LIB/dtee/libdtee.so' from LD_PRELOAD cannot be preloaded"* ]]
	[ "${#stderr_lines[@]}" -eq 1 ]
	# ... and a write no datagram can carry fails, as without the library.
	run --separate-stderr "$prefix/bin/dtee" -O out ./big32 write 1 8388608
	[ "$status" -eq 3 ]

	# A 32-bit build of the library where $LIB leads a 32-bit program:
	# lib32 with the multilib C library, lib/i386-linux-gnu with the
	# multiarch one.
	make -s -C "$top" B="$BATS_TEST_TMPDIR/build32" CC="${CC:-cc} -m32" "$BATS_TEST_TMPDIR/build32/libdtee.so" >/dev/null
	for d in lib32 lib/i386-linux-gnu; do
		install -D -m 644 "$BATS_TEST_TMPDIR/build32/libdtee.so" "$prefix/$d/dtee/libdtee.so"
	done
	run --separate-stderr "$prefix/bin/dtee" -O out ./big32 write 1 8388608
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(sum out)" = "$(pattern_sum 8388608)" ]
	# And the 64-bit side still has its own.
	"$prefix/bin/dtee" -O out64 "$HELPERS/preload-big-write" write 1 8388608 >/dev/null
	[ "$(sum out64)" = "$(pattern_sum 8388608)" ]
}
