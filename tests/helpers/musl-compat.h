/* musl-compat.h: what the test programs call that musl (before 1.2.5) does
 * not declare: pwritev2 and pwritev64v2, as the system call. Included
 * after the system headers; nothing changes with glibc. The programs are
 * built with musl for tests/musl.bats (make musl). */
#ifndef DTEE_MUSL_COMPAT_H
#define DTEE_MUSL_COMPAT_H

#ifndef __GLIBC__
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/* The kernel takes the offset as two longs, low and high. */
static inline ssize_t test_pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int fl)
{
	return syscall(SYS_pwritev2, fd, iov, cnt, (long)off, (long)((uint64_t)off >> 32), fl);
}
#define pwritev2 test_pwritev2
#define pwritev64v2 test_pwritev2
#endif

#endif
