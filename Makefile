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

$(B)/launcher/%.o: launcher/%.c $(wildcard launcher/*.h common/*.h) Makefile
	@mkdir -p $(@D)
	$(CC) $(DTEE_CPPFLAGS) $(CPPFLAGS) $(DTEE_CFLAGS) $(SAN) $(CFLAGS) -c -o $@ $<

include preload/preload.mk
include tests/tests.mk

# Tests ----------------------------------------------------------------------
# scripts/ensure-bats finds bats-core (>= 1.7) or installs it (Debian's bats
# package, else the npm registry into .deps/); ensure-tools installs the
# everyday tools the suites use. Node and Go are installed by the suites that
# need them (scripts/ensure-node, ensure-go), which skip with a reason where
# they cannot be.
check: all test-helpers
	@scripts/ensure-tools
	@bats=$$(scripts/ensure-bats) && \
	{ DTEE_BUILD=$(abspath $(B)) "$$bats" --formatter tap $(BATS_FLAGS) tests/ 2>&1; echo "bats exit $$?"; } | \
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

# --journal / --syslog against logger and systemd-cat (root: private daemons).
bench-syslog: all test-helpers
	scripts/bench-syslog

demo: all
	scripts/demo

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
	rm -rf build build-asan

.PHONY: all check asan bench bench-preload bench-syslog demo dev install uninstall clean test-helpers
