# Small C and C++ programs that the bats suites drive: one source file each,
# tests/helpers/NAME.c or NAME.cc -> $(B)/tests/NAME. They are instruments,
# built without $(SAN): `make asan` checks dtee and libdtee.so, and an
# ASan-built helper could not have libdtee.so preloaded ahead of its runtime.
TEST_C_SRC   := $(wildcard tests/helpers/*.c)
TEST_CXX_SRC := $(wildcard tests/helpers/*.cc)
TEST_BINS    := $(TEST_C_SRC:tests/helpers/%.c=$(B)/tests/%) $(TEST_CXX_SRC:tests/helpers/%.cc=$(B)/tests/%)
TEST_LIBS    := -lpthread
# Flags one helper needs, set per target below. They come after the user's
# CFLAGS, which they must override, and are never added to them.
DTEE_TEST_CFLAGS :=

test-helpers: $(TEST_BINS)

$(B)/tests/%: tests/helpers/%.c tests/tests.mk
	@mkdir -p $(@D)
	$(CC) $(DTEE_CPPFLAGS) $(CPPFLAGS) $(DTEE_DEPFLAGS) $(DTEE_CFLAGS) $(CFLAGS) $(DTEE_TEST_CFLAGS) $(LDFLAGS) \
		-o $@ $< $(TEST_LIBS)

$(B)/tests/%: tests/helpers/%.cc tests/tests.mk
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(DTEE_DEPFLAGS) -Wall -Wextra $(CXXFLAGS) $(LDFLAGS) -o $@ $< $(TEST_LIBS)

# libdtee.so tests: the same writer built with FORTIFY (which needs
# optimisation), so that its printf family calls __printf_chk and friends.
$(B)/tests/preload-big-write-fortify: DTEE_TEST_CFLAGS := -O2 -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2

# Static builds of the seccomp helpers: libdtee.so cannot reach a
# static program, so only the seccomp supervisor can split its large writes.
# tests/helpers/NAME.c -> $(B)/tests/NAME-static.
TEST_STATIC_BINS := $(patsubst tests/helpers/%.c,$(B)/tests/%-static,$(wildcard tests/helpers/seccomp-*.c))

test-helpers: $(TEST_STATIC_BINS)

$(B)/tests/%-static: tests/helpers/%.c tests/tests.mk
	@mkdir -p $(@D)
	$(CC) $(DTEE_CPPFLAGS) $(CPPFLAGS) $(DTEE_DEPFLAGS) $(DTEE_CFLAGS) $(CFLAGS) $(LDFLAGS) -static -o $@ $< $(TEST_LIBS)

# The printf bound's unit test is linked with the bound itself.
$(B)/tests/preload-printf-bound: tests/helpers/preload-printf-bound.c preload/printf-bound.c \
		preload/printf-bound.h tests/tests.mk
	@mkdir -p $(@D)
	$(CC) $(DTEE_CPPFLAGS) -Ipreload $(CPPFLAGS) $(DTEE_DEPFLAGS) $(DTEE_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ \
		tests/helpers/preload-printf-bound.c preload/printf-bound.c

# Built with musl (make musl, $(B) is then build/musl): the programs
# tests/musl.bats runs as musl programs, dynamic ones and a static one.
MUSL_TEST_BINS := $(B)/tests/preload-big-write $(B)/tests/preload-order $(B)/tests/order-signal $(B)/tests/preload-threads \
	$(B)/tests/seccomp-writer-static

musl-test-helpers: $(MUSL_TEST_BINS)

-include $(TEST_BINS:=.d) $(TEST_STATIC_BINS:=.d)
