#!/usr/bin/env bats
# Releases and packages: one version everywhere, make dist and distcheck, and
# the Debian packages built from the release tarball, installed, used and
# removed. The slow tests run only where they can (root, Debian tools) and
# never inside a package build or distcheck (DTEE_NO_PACKAGE_TESTS=1), which
# would otherwise build the package again from within itself.

# Building a package takes longer than a test normally may.
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-900}
load common

setup_file() {
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	export top
}

setup() {
	common_setup
	# A make of its own, with the default layout, whoever runs the suite.
	unset MAKEFLAGS MAKELEVEL MFLAGS
	unset PREFIX BINDIR MULTIARCH LIBDIR PKGLIBDIR PRELOAD_ENTRY MANDIR DESTDIR \
		BASHCOMPDIR ZSHCOMPDIR FISHCOMPDIR
	# Nor make asan's sanitizers: the tarball and the package are built as
	# a distribution builds them.
	unset SAN PRELOAD_SAN
	version=$(make -s -C "$top" version)
}

# A package this suite installed is removed even when a test fails half-way.
teardown() {
	if [ -n "${installed_here:-}" ]; then
		apt-get remove -y -q -o DPkg::Lock::Timeout=300 dtee dtee-preload >/dev/null 2>&1 || true
	fi
}

# slow_tests_or_skip: the tests that build a release or a package.
slow_tests_or_skip() {
	[ -z "${DTEE_NO_PACKAGE_TESTS:-}" ] || skip "inside a package build or distcheck"
	[ -e "$top/.git" ] && command -v git >/dev/null || skip "make dist needs a git checkout"
}

# ensure_package_tools: what building and installing the .deb needs
# (debhelper, man-db for man -w), installed when we are root with apt.
ensure_package_tools() {
	local missing=
	command -v dpkg-buildpackage >/dev/null || missing="$missing dpkg-dev"
	command -v dh >/dev/null || missing="$missing debhelper"
	command -v man >/dev/null || missing="$missing man-db"
	[ -n "$missing" ] || return 0
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ -z "${DTEE_NO_INSTALL:-}" ] || return 0
	# shellcheck disable=SC2086 # one word per package
	apt-get install -y -q -o DPkg::Lock::Timeout=300 $missing >&2 ||
		{ apt-get update -q && apt-get install -y -q -o DPkg::Lock::Timeout=300 $missing; } >&2 || true
}

@test "one version: the Makefile's, in --version, the man page and debian/changelog" {
	[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]
	run --separate-stderr "$DTEE" --version
	[ "${lines[0]}" = "dtee $version" ]
	run "$CRONTY" --version
	[ "${lines[0]}" = "dtee $version" ]
	grep -q "^\.TH DTEE 1 \"[0-9-]*\" \"dtee $version\"" "$DTEE_BUILD/man/dtee.1"
	grep -q "^\.TH CRONTY 1 \"[0-9-]*\" \"dtee $version\"" "$DTEE_BUILD/man/cronty.1"
	# The source pages render as they are (man -l), with this version.
	grep -q "^\.TH DTEE 1 \"[0-9-]*\" \"dtee $version\"" "$top/man/dtee.1"
	grep -q "^\.TH CRONTY 1 \"[0-9-]*\" \"dtee $version\"" "$top/man/cronty.1"
	[ -f "$top/debian/changelog" ] || skip "no debian/ here (a release tarball)"
	upstream=$(sed -n '1s/^dtee (\([^)]*\)-[^-)]*).*/\1/p' "$top/debian/changelog")
	[ "$upstream" = "$version" ] || fail "debian/changelog says $upstream, the Makefile $version"
}

@test "make dist: the release files only, the same tarball twice" {
	slow_tests_or_skip
	make -s -C "$top" dist DIST_DIR="$BATS_TEST_TMPDIR" >/dev/null
	tarball="$BATS_TEST_TMPDIR/dtee-$version.tar.gz"
	first=$(sum "$tarball")
	tar -tzf "$tarball" >list
	# Every entry is under dtee-VERSION/, and holds what a build needs.
	! grep -v "^dtee-$version/" list
	for f in Makefile COPYING man/dtee.1 launcher/main.c preload/libdtee.map completions/dtee.bash \
		tests/common.bash scripts/ensure-bats; do
		grep -qx "dtee-$version/$f" list || fail "$f is missing"
	done
	! grep -E "^dtee-$version/(debian|\.ci|build)/|\.gitignore$" list
	make -s -C "$top" dist DIST_DIR="$BATS_TEST_TMPDIR" >/dev/null
	[ "$(sum "$tarball")" = "$first" ]
}

@test "make distcheck: the tarball builds, passes the options suite, installs and uninstalls" {
	slow_tests_or_skip
	# The whole suite in the unpacked tarball would double make check's
	# time: the options suite there, the rest here. `make distcheck` alone
	# runs everything.
	# The bats inside must not see this one's variables, nor its libexec
	# directory on PATH.
	local v unset_bats=()
	for v in $(compgen -e); do
		[[ $v == BATS_* ]] && unset_bats+=(-u "$v")
	done
	run env "${unset_bats[@]}" PATH="${PATH//"$BATS_LIBEXEC:"/}" make -C "$top" B="$BATS_TEST_TMPDIR/build" DIST_DIR="$BATS_TEST_TMPDIR" \
		TESTS=tests/options.bats distcheck
	[ "$status" -eq 0 ] || fail "$(tail -n 30 <<<"$output")"
	[[ "$output" == *"bats: "*" passed, 0 failed"* ]]
	[[ "$output" == *"dtee-$version.tar.gz is ready"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/build/distcheck" ]
}

# build_debs: build the packages from the release tarball and debian/, as a
# distribution would, into $BATS_TEST_TMPDIR/src; skip where it cannot run.
build_debs() {
	slow_tests_or_skip
	[ "$(id -u)" = 0 ] || skip "installing the package needs root"
	command -v dpkg >/dev/null || skip "not a Debian system (no dpkg)"
	ensure_package_tools
	command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null ||
		skip "dpkg-buildpackage or debhelper is missing and cannot be installed"
	if dpkg-query -W -f='${Status}' dtee 2>/dev/null | grep -q ' installed'; then
		skip "a dtee package is installed on this system already; not replacing it"
	fi
	src="$BATS_TEST_TMPDIR/src"
	mkdir -p "$src"
	make -s -C "$top" dist DIST_DIR="$src" >/dev/null
	tar -xzf "$src/dtee-$version.tar.gz" -C "$src"
	cp -r "$top/debian" "$src/dtee-$version/"
	# The suite has run already: this build skips it (nocheck).
	(cd "$src/dtee-$version" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b -Pnocheck) \
		>"$src/build.log" 2>&1 || fail "dpkg-buildpackage failed: $(tail -n 30 "$src/build.log")"
	arch=$(dpkg --print-architecture)
	deb="$src/dtee_${version}-"*"_$arch.deb"
	deb=$(echo $deb)
	preload_deb=$(echo "$src/dtee-preload_${version}-"*"_$arch.deb")
	[ -f "$deb" ] && [ -f "$preload_deb" ]
}

@test "the .deb: installed, dtee --version, man -w, a 1 MiB write whole through the installed library, dpkg -r leaves nothing" {
	build_debs
	triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
	# What the packages hold.
	dpkg-deb -c "$deb" | awk '{ print $6 }' >dtee.list
	dpkg-deb -c "$preload_deb" | awk '{ print $6 }' >preload.list
	for f in ./usr/bin/dtee ./usr/bin/cronty ./usr/share/man/man1/dtee.1.gz ./usr/share/man/man1/cronty.1.gz \
		./usr/share/bash-completion/completions/dtee ./usr/share/zsh/vendor-completions/_dtee \
		./usr/share/fish/vendor_completions.d/dtee.fish; do
		grep -qx "$f" dtee.list || fail "$f is not in the dtee package"
	done
	grep -qx "./usr/lib/$triplet/dtee/libdtee.so" preload.list

	# Whatever of dtee's names the system holds before (nothing, normally).
	find /usr /etc \( -name '*dtee*' -o -name '*cronty*' \) -print 2>/dev/null | sort >before
	installed_here=1
	apt-get install -y -q -o DPkg::Lock::Timeout=300 "$deb" "$preload_deb" >install.log 2>&1 ||
		fail "install failed: $(tail -n 20 install.log)"
	dpkg -L dtee dtee-preload | sort -u >installed

	run --separate-stderr /usr/bin/dtee --version
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "dtee $version" ]
	if command -v man >/dev/null; then
		[ "$(man -w dtee)" = /usr/share/man/man1/dtee.1.gz ]
		[ "$(man -w cronty)" = /usr/share/man/man1/cronty.1.gz ]
	fi
	# The installed dtee names the library by $LIB, and ld.so finds it:
	# writes no datagram can carry arrive whole.
	run --separate-stderr /usr/bin/dtee sh -c 'printf "%s\n" "$LD_PRELOAD"'
	[ "$output" = "/usr/\$LIB/dtee/libdtee.so" ]
	for size in 1048576 8388608; do
		/usr/bin/dtee -O out "$HELPERS/preload-big-write" write 1 $size >stdout 2>stderr ||
			fail "a $size-byte write failed: $(cat stderr)"
		[ ! -s stderr ]
		[ "$(sum out)" = "$(pattern_sum $size)" ]
		[ "$(sum stdout)" = "$(pattern_sum $size)" ]
	done
	run --separate-stderr /usr/bin/cronty false
	[ "$stderr" = "/usr/bin/cronty: false: exited with status 1" ]

	apt-get remove -y -q -o DPkg::Lock::Timeout=300 dtee dtee-preload >remove.log 2>&1 ||
		fail "removal failed: $(tail -n 20 remove.log)"
	installed_here=
	# Nothing the packages installed is left but the directories others
	# share, and nothing of dtee's name appeared or stayed.
	while read -r f; do
		[ -d "$f" ] || [ ! -e "$f" ] || fail "$f is left behind"
	done <installed
	[ ! -e "/usr/lib/$triplet/dtee" ]
	find /usr /etc \( -name '*dtee*' -o -name '*cronty*' \) -print 2>/dev/null | sort >after
	diff before after
}
