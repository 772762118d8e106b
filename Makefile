# dtee: run a command, copy its stdout and stderr to files, keep their order.
# Plain GNU make. User flags (CC, CFLAGS, CPPFLAGS, LDFLAGS) are honoured;
# the flags dtee needs are kept apart in DTEE_* variables.

# The one place the version is set: --version, the built man pages, the
# tarball's name; debian/changelog and the source man pages' .TH lines must
# agree (tests/package.bats checks).
VERSION    := 1.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
# MULTIARCH (a triplet such as x86_64-linux-gnu; empty by default) puts
# libdtee.so in $(PREFIX)/lib/$(MULTIARCH)/dtee, and dtee then preloads it as
# $(PREFIX)/$$LIB/dtee/libdtee.so, which ld.so expands per program class, so
# a 32-bit command loads a 32-bit build (docs/packaging.md).
MULTIARCH  ?=
LIBDIR     ?= $(PREFIX)/lib$(if $(MULTIARCH),/$(MULTIARCH))
PKGLIBDIR  ?= $(LIBDIR)/dtee
PRELOAD_ENTRY ?= $(if $(MULTIARCH),$(PREFIX)/$$LIB/dtee,$(PKGLIBDIR))/libdtee.so
MANDIR     ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
DESTDIR    ?=

CFLAGS     ?= -O2 -g
CXXFLAGS   ?= -O2 -g
B          ?= build

DTEE_WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
DTEE_CPPFLAGS := -Icommon -D_GNU_SOURCE -DDTEE_VERSION='"$(VERSION)"' -DDTEE_PKGLIBDIR='"$(PKGLIBDIR)"'
DTEE_CPPFLAGS += -DDTEE_PRELOAD_ENTRY='"$(PRELOAD_ENTRY)"'
DTEE_CFLAGS   := -std=gnu11 $(DTEE_WARN)
# Header dependencies, written by the compiler next to each object (.d) and
# read back below: a changed header rebuilds what includes it.
DTEE_DEPFLAGS := -MMD -MP
# Extra flags for every object, set by the sanitizer targets.
SAN           ?=

# The launcher: its core in launcher/, a folder a module (docs/design.md).
LAUNCHER_SRC := $(wildcard launcher/*.c launcher/*/*.c)
LAUNCHER_OBJ := $(LAUNCHER_SRC:%.c=$(B)/%.o)
PRELOAD_SRC  := $(wildcard preload/*.c)
PRELOAD_OBJ  := $(PRELOAD_SRC:%.c=$(B)/%.pic.o)

all: $(B)/dtee $(B)/cronty $(B)/libdtee.so

$(B)/dtee: $(LAUNCHER_OBJ)
	$(CC) $(DTEE_CFLAGS) $(SAN) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $^

$(B)/cronty: | $(B)/dtee
	ln -sf dtee $@

# -iquote launcher: a module's file names another module's header by its
# folder ("sinks/sink.h") and the core's by its name, never by "../".
$(B)/launcher/%.o: launcher/%.c Makefile
	@mkdir -p $(@D)
	$(CC) $(DTEE_CPPFLAGS) -iquote launcher $(CPPFLAGS) $(DTEE_DEPFLAGS) $(DTEE_CFLAGS) $(SAN) $(CFLAGS) -c -o $@ $<

-include $(LAUNCHER_OBJ:.o=.d)

include preload/preload.mk
include tests/tests.mk

# Tests ----------------------------------------------------------------------
# scripts/ensure-bats finds bats-core (>= 1.7) or installs it (Debian's bats
# package, else the npm registry into .deps/); ensure-tools installs the
# everyday tools the suites use. Node and Go are installed by the suites that
# need them (scripts/ensure-node, ensure-go), which skip with a reason where
# they cannot be. BATS_FLAGS='--jobs 2' runs tests in parallel, through GNU
# parallel; without it, the tests run one at a time and make says so.
TESTS ?= tests/
check: all test-helpers check-musl
	@scripts/ensure-tools
	@bats=$$(scripts/ensure-bats) && set -- $(BATS_FLAGS) && \
	if ! parallel --version 2>/dev/null | grep -q 'GNU parallel'; then \
		jobs= skip=; for f; do shift; [ -z "$$skip" ] || { skip=; continue; }; case $$f in \
		-j|--jobs) jobs=off skip=1 ;; -j*|--jobs=*) jobs=off ;; *) set -- "$$@" "$$f" ;; \
		esac; done; \
		[ -z "$$jobs" ] || echo "make check: --jobs needs GNU parallel, not found: the tests run one at a time" >&2; \
	fi && \
	{ DTEE_BUILD=$(abspath $(B)) "$$bats" --formatter tap "$$@" $(TESTS) 2>&1; echo "bats exit $$?"; } | \
		scripts/tap-summary

# Sanitizers: rebuild everything in build-asan/ and run the whole suite there.
# dtee is built with ASan and UBSan, libdtee.so with UBSan (it is preloaded
# into programs without the ASan runtime), the test helpers plainly.
asan:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(MAKE) B=build-asan SAN='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
		PRELOAD_SAN='-fsanitize=undefined -fno-sanitize-recover=all' check

bench: all test-helpers
	scripts/bench
	scripts/bench-buffering

# The order as printed: what flushing before stderr and line buffering cost.
bench-buffering: all test-helpers
	scripts/bench-buffering

bench-preload: all test-helpers
	scripts/bench-preload

# --journal / --syslog against logger and systemd-cat (root: private daemons).
bench-syslog: all test-helpers
	scripts/bench-syslog

demo: all
	@DTEE_BUILD=$(abspath $(B)) scripts/demo

# aarch64: the launcher (ptrace and attach code included) compiled, not run,
# for aarch64, warnings as errors, into build-aarch64/. The compiler comes from
# scripts/ensure-cross-aarch64 unless CROSS_AARCH64_CC names one.
cross-aarch64:
	@cc="$${CROSS_AARCH64_CC:-$$(scripts/ensure-cross-aarch64)}" && \
	$(MAKE) --no-print-directory B=build-aarch64 CC="$$cc" CFLAGS='-O2 -g -Werror' \
		$(LAUNCHER_SRC:%.c=build-aarch64/%.o)

# musl: dtee, cronty and libdtee.so built against musl into $(B)/musl/ (the
# library a musl system installs; docs/packaging.md), with the musl programs
# tests/musl.bats runs. The compiler comes from scripts/ensure-musl
# (Debian's musl-gcc, installed when root) unless MUSL_CC names one.
# musl-gcc sees no kernel headers: $(B)/musl/kernel-include holds links to
# the system's linux/, asm/ and asm-generic/. On Alpine, plain `make` is
# the musl build.
MUSL_B := $(B)/musl
musl:
	@cc="$$(scripts/ensure-musl)" && inc=$(MUSL_B)/kernel-include && \
	asm=/usr/include/$$(cc -dumpmachine 2>/dev/null)/asm && { [ -d "$$asm" ] || asm=/usr/include/asm; } && \
	mkdir -p $$inc && ln -sfn /usr/include/linux $$inc/linux && ln -sfn "$$asm" $$inc/asm && \
	ln -sfn /usr/include/asm-generic $$inc/asm-generic && \
	$(MAKE) --no-print-directory B=$(MUSL_B) CC="$$cc" SAN= PRELOAD_SAN= DTEE_SO_LINK='-nostdlib -lgcc' CPPFLAGS='$(CPPFLAGS) -I$(abspath $(MUSL_B))/kernel-include' \
		$(MUSL_B)/dtee $(MUSL_B)/cronty $(MUSL_B)/libdtee.so musl-test-helpers

# make check builds the musl side too where a musl compiler can be had.
check-musl:
	@if scripts/ensure-musl >/dev/null; then $(MAKE) --no-print-directory -s musl; \
	else echo "make check: no musl compiler: the musl tests skip" >&2; fi

# Developer target: warnings are errors here, never for packagers.
dev:
	$(MAKE) CFLAGS='-O2 -g -Werror' CXXFLAGS='-O2 -g -Werror' all test-helpers

# Man pages -------------------------------------------------------------------
# The source pages carry a date and version in their .TH line, so that
# `man -l man/dtee.1` renders from the source tree (tests/package.bats
# checks that the version is the Makefile's); the built pages get the
# release's: VERSION, and the date of SOURCE_DATE_EPOCH (dpkg-buildpackage
# sets it from debian/changelog), else the last commit, else the Makefile's
# time (make dist stamps every file with the last commit's).
DATE_EPOCH := $(or $(SOURCE_DATE_EPOCH),$(shell [ -e .git ] && git log -1 --format=%ct 2>/dev/null),$(shell stat -c %Y Makefile))
MAN_DATE   := $(shell date -u -d @$(DATE_EPOCH) +%Y-%m-%d)

all: $(B)/man/dtee.1 $(B)/man/cronty.1

$(B)/man/%.1: man/%.1 Makefile
	@mkdir -p $(@D)
	sed -e 's|^\(\.TH [A-Z]* 1 \)"[^"]*" "dtee [^"]*"|\1"$(MAN_DATE)" "dtee $(VERSION)"|' \
		-e 's|/usr/local/lib/dtee|$(PKGLIBDIR)|g' $< >$@

version:
	@echo $(VERSION)

# The layout compiled into dtee and written into the man page: a make
# install with another PREFIX than the build's rebuilds what names it.
LAYOUT := $(PKGLIBDIR) $(PRELOAD_ENTRY)
$(B)/layout: FORCE
	@mkdir -p $(@D)
	@echo '$(LAYOUT)' | cmp -s - $@ || echo '$(LAYOUT)' >$@
$(B)/launcher/child.o $(B)/man/dtee.1: $(B)/layout

# Install ----------------------------------------------------------------------
# Nothing is stripped here: distributions strip and keep the debug symbols.
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(PKGLIBDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 755 $(B)/dtee $(DESTDIR)$(BINDIR)/dtee
	ln -sf dtee $(DESTDIR)$(BINDIR)/cronty
	install -m 644 $(B)/libdtee.so $(DESTDIR)$(PKGLIBDIR)/libdtee.so
	install -d $(DESTDIR)$(PKGLIBDIR)/python $(DESTDIR)$(PKGLIBDIR)/perl/Dtee
	install -m 644 $(B)/python/sitecustomize.py $(DESTDIR)$(PKGLIBDIR)/python/
	install -m 644 $(B)/perl/Dtee/Order.pm $(DESTDIR)$(PKGLIBDIR)/perl/Dtee/
	install -m 644 $(B)/man/dtee.1 $(B)/man/cronty.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 completions/dtee.bash $(DESTDIR)$(BASHCOMPDIR)/dtee
	ln -sf dtee $(DESTDIR)$(BASHCOMPDIR)/cronty
	install -m 644 completions/_dtee $(DESTDIR)$(ZSHCOMPDIR)/_dtee
	install -m 644 completions/dtee.fish $(DESTDIR)$(FISHCOMPDIR)/dtee.fish
	ln -sf dtee.fish $(DESTDIR)$(FISHCOMPDIR)/cronty.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/dtee $(DESTDIR)$(BINDIR)/cronty
	rm -f $(DESTDIR)$(PKGLIBDIR)/libdtee.so
	rm -f $(DESTDIR)$(PKGLIBDIR)/python/sitecustomize.py $(DESTDIR)$(PKGLIBDIR)/perl/Dtee/Order.pm
	-rmdir $(DESTDIR)$(PKGLIBDIR)/python $(DESTDIR)$(PKGLIBDIR)/perl/Dtee $(DESTDIR)$(PKGLIBDIR)/perl
	-rmdir $(DESTDIR)$(PKGLIBDIR)
	rm -f $(DESTDIR)$(MANDIR)/man1/dtee.1 $(DESTDIR)$(MANDIR)/man1/cronty.1
	rm -f $(DESTDIR)$(BASHCOMPDIR)/dtee $(DESTDIR)$(BASHCOMPDIR)/cronty
	rm -f $(DESTDIR)$(ZSHCOMPDIR)/_dtee
	rm -f $(DESTDIR)$(FISHCOMPDIR)/dtee.fish $(DESTDIR)$(FISHCOMPDIR)/cronty.fish

# Release tarball -----------------------------------------------------------------
# make dist: the tracked files that belong in a release (not CI glue, git
# settings or debian/, which a distribution brings itself), as they are in
# the working tree, owned by root, stamped with DATE_EPOCH: the same tree
# gives the same tarball. make distcheck builds it, runs `make check` there
# (TESTS=... for part of the suite) and installs and uninstalls it in a
# DESTDIR, with the layout it was built for.
DIST      := dtee-$(VERSION)
DIST_SKIP := .ci/% .gitignore debian/%
DIST_DIR  ?= .

dist:
	@[ -e .git ] || { echo "make dist: needs a git checkout" >&2; exit 1; }
	tar --sort=name --owner=0 --group=0 --numeric-owner --mode=go-w --mtime=@$(DATE_EPOCH) \
		--transform='s|^|$(DIST)/|' -cf - $(filter-out $(DIST_SKIP),$(shell git ls-files)) | \
		gzip -9n >$(DIST_DIR)/$(DIST).tar.gz.tmp
	mv $(DIST_DIR)/$(DIST).tar.gz.tmp $(DIST_DIR)/$(DIST).tar.gz

DISTCHECK := $(abspath $(B))/distcheck
distcheck: dist
	rm -rf $(DISTCHECK) && mkdir -p $(DISTCHECK)
	tar -xzf $(DIST_DIR)/$(DIST).tar.gz -C $(DISTCHECK)
	DTEE_NO_PACKAGE_TESTS=1 $(MAKE) -C $(DISTCHECK)/$(DIST) check TESTS='$(TESTS)'
	$(MAKE) -C $(DISTCHECK)/$(DIST) DESTDIR=$(DISTCHECK)/stage install
	test "$$($(DISTCHECK)/stage$(BINDIR)/dtee --version | head -1)" = "dtee $(VERSION)"
	test -f $(DISTCHECK)/stage$(PKGLIBDIR)/libdtee.so
	$(MAKE) -C $(DISTCHECK)/$(DIST) DESTDIR=$(DISTCHECK)/stage uninstall
	left=$$(find $(DISTCHECK)/stage ! -type d); [ -z "$$left" ] || { echo "left behind: $$left" >&2; exit 1; }
	rm -rf $(DISTCHECK)
	@echo "$(DIST_DIR)/$(DIST).tar.gz is ready"

clean:
	rm -rf build build-asan build-aarch64

.PHONY: all check check-musl musl musl-test-helpers asan bench bench-buffering bench-preload bench-syslog cross-aarch64 demo dev install uninstall clean test-helpers version dist distcheck FORCE
