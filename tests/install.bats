#!/usr/bin/env bats
# make install and make uninstall, with PREFIX and DESTDIR, from a build of
# their own (PREFIX is compiled in as the library directory).

load common

setup() {
	common_setup
	# A make of its own, not the one running the suite (make asan passes
	# its variables down through MAKEFLAGS).
	unset MAKEFLAGS MAKELEVEL MFLAGS
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
	# The man page names the library directory of this installation.
	grep -q "$prefix/lib/dtee" "$prefix/share/man/man1/dtee.1"
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
	for f in bin/dtee bin/cronty lib/dtee/libdtee.so share/man/man1/dtee.1 share/man/man1/cronty.1; do
		[ -e "$dest/usr/$f" ] || fail "$f not installed"
	done
	make -s -C "$top" B="$build" PREFIX=/usr DESTDIR="$dest" uninstall >/dev/null
	[ -z "$(find "$dest" -type f -o -type l)" ]
}
