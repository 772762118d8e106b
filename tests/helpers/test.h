/* test.h: what the test programs share, die() and write_all().
 *
 * A program defines TEST_PROG, its name in messages (not argv[0]: the static
 * builds are NAME-static and tests match the messages), and may define
 * TEST_DIE_STATUS, its exit status on failure (1 if not), before including
 * this header.
 *
 * die() is safe from any thread and in a child after fork: it writes its line
 * with one write(2), so lines from threads do not interleave, and leaves with
 * _exit(), which takes no stdio lock another thread may hold. */
#ifndef DTEE_TEST_H
#define DTEE_TEST_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef TEST_PROG
#error "define TEST_PROG, the program's name in messages, before including test.h"
#endif
#ifndef TEST_DIE_STATUS
#define TEST_DIE_STATUS 1
#endif

/* die(WHAT): print "TEST_PROG: WHAT: strerror(errno)" and exit. */
static inline void __attribute__((noreturn)) die(const char *what)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%s: %s: %s\n", TEST_PROG, what, strerror(errno));

	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	if (n > 0 && write(2, line, (size_t)n) < 0)
		_exit(TEST_DIE_STATUS);
	_exit(TEST_DIE_STATUS);
}

/* write_all(FD, P, LEN): write all LEN bytes, retrying short writes and
 * EINTR; die("write") on an error. */
static inline void write_all(int fd, const void *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EIO;
		if (n <= 0)
			die("write");
		p = (const char *)p + n;
		len -= (size_t)n;
	}
}

#endif
