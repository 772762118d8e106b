/* preload-big-write built with -D_FORTIFY_SOURCE=2 -O2 (tests/tests.mk), so
 * that its printf family goes through glibc's __*_chk entry points. */
#include "preload-big-write.c"
