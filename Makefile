# dtee: run a command, copy its stdout and stderr to files, keep their order.
# Plain GNU make. User flags (CC, CFLAGS, CPPFLAGS, LDFLAGS) are honoured;
# the flags dtee needs are kept apart in DTEE_* variables.

VERSION    := 1.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
PKGLIBDIR  ?= $(LIBDIR)/dtee
MANDIR     ?= $(PREFIX)/share/man
DESTDIR    ?=

CFLAGS     ?= -O2 -g
CXXFLAGS   ?= -O2 -g
B          ?= build

DTEE_WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
DTEE_CPPFLAGS := -Icommon -D_GNU_SOURCE -DDTEE_VERSION='"$(VERSION)"' -DDTEE_PKGLIBDIR='"$(PKGLIBDIR)"'
DTEE_CFLAGS   := -std=gnu11 $(DTEE_WARN)
# Header dependencies, written by the compiler next to each object (.d) and
# read back below: a changed header rebuilds what includes it.
DTEE_DEPFLAGS := -MMD -MP
# Extra flags for every object, set by the sanitizer targets.
SAN           ?=

LAUNCHER_SRC := $(wildcard launcher/*.c)
LAUNCHER_OBJ := $(LAUNCHER_SRC:%.c=$(B)/%.o)
PRELOAD_SRC  := $(wildcard preload/*.c)
PRELOAD_OBJ  := $(PRELOAD_SRC:%.c=$(B)/%.pic.o)

all: $(B)/dtee $(B)/cronty $(B)/libdtee.so

$(B)/dtee: $(LAUNCHER_OBJ)
	$(CC) $(DTEE_CFLAGS) $(SAN) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $^

$(B)/cronty: | $(B)/dtee
	ln -sf dtee $@

$(B)/launcher/%.o: launcher/%.c Makefile
	@mkdir -p $(@D)
	$(CC) $(DTEE_CPPFLAGS) $(CPPFLAGS) $(DTEE_DEPFLAGS) $(DTEE_CFLAGS) $(SAN) $(CFLAGS) -c -o $@ $<

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
check: all test-helpers
	@scripts/ensure-tools
	@bats=$$(scripts/ensure-bats) && set -- $(BATS_FLAGS) && \
	if ! parallel --version 2>/dev/null | grep -q 'GNU parallel'; then \
		jobs= skip=; for f; do shift; [ -z "$$skip" ] || { skip=; continue; }; case $$f in \
		-j|--jobs) jobs=off skip=1 ;; -j*|--jobs=*) jobs=off ;; *) set -- "$$@" "$$f" ;; \
		esac; done; \
		[ -z "$$jobs" ] || echo "make check: --jobs needs GNU parallel, not found: the tests run one at a time" >&2; \
	fi && \
	{ DTEE_BUILD=$(abspath $(B)) "$$bats" --formatter tap "$$@" tests/ 2>&1; echo "bats exit $$?"; } | \
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

bench-preload: all test-helpers
	scripts/bench-preload

demo: all
	scripts/demo

# aarch64: the launcher (ptrace and attach code included) compiled, not run,
# for aarch64, warnings as errors, into build-aarch64/. The compiler comes from
# scripts/ensure-cross-aarch64 unless CROSS_AARCH64_CC names one.
cross-aarch64:
	@cc="$${CROSS_AARCH64_CC:-$$(scripts/ensure-cross-aarch64)}" && \
	$(MAKE) --no-print-directory B=build-aarch64 CC="$$cc" CFLAGS='-O2 -g -Werror' \
		$(LAUNCHER_SRC:%.c=build-aarch64/%.o)

# Developer target: warnings are errors here, never for packagers.
dev:
	$(MAKE) CFLAGS='-O2 -g -Werror' CXXFLAGS='-O2 -g -Werror' all test-helpers

# Install --------------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(PKGLIBDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(B)/dtee $(DESTDIR)$(BINDIR)/dtee
	ln -sf dtee $(DESTDIR)$(BINDIR)/cronty
	install -m 755 $(B)/libdtee.so $(DESTDIR)$(PKGLIBDIR)/libdtee.so
	sed 's|/usr/local/lib/dtee|$(PKGLIBDIR)|g' man/dtee.1 >$(DESTDIR)$(MANDIR)/man1/dtee.1
	install -m 644 man/cronty.1 $(DESTDIR)$(MANDIR)/man1/
	chmod 644 $(DESTDIR)$(MANDIR)/man1/dtee.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/dtee $(DESTDIR)$(BINDIR)/cronty
	rm -f $(DESTDIR)$(PKGLIBDIR)/libdtee.so
	-rmdir $(DESTDIR)$(PKGLIBDIR)
	rm -f $(DESTDIR)$(MANDIR)/man1/dtee.1 $(DESTDIR)$(MANDIR)/man1/cronty.1

clean:
	rm -rf build build-asan build-aarch64

.PHONY: all check asan bench bench-preload cross-aarch64 demo dev install uninstall clean test-helpers
