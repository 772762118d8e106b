/* io.c: full-write loops. Every write dtee makes goes through here. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <unistd.h>

#include "io.h"
#include "iov.h"

/* iovecs handed to one writev(); a batch has fewer (collector.c). */
#define WRITEV_PARTS 64
/* The bounce buffer where sendfile() cannot copy. */
#define COPY_BUF (64 * 1024)

/* A non-blocking fd inherited from our parent said EAGAIN: wait until it
 * can take more. */
static bool wait_writable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	for (;;) {
		int r = poll(&p, 1, -1);
		if (r > 0)
			return true;
		if (r < 0 && errno != EINTR)
			return false;
	}
}

/* After a failed write: true when it should simply be tried again. */
static bool retry(int fd)
{
	return errno == EINTR ||
	       ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_writable(fd));
}

size_t writev_full(int fd, const struct iovec *iov, int cnt)
{
	struct iov_cursor c = iov_cursor(iov, cnt);
	size_t done = 0;

	while (!iov_done(&c)) {
		struct iovec part[WRITEV_PARTS];
		int np = iov_take(&c, SIZE_MAX, part, WRITEV_PARTS);
		ssize_t n = np == 1 ? write(fd, part[0].iov_base, part[0].iov_len)
				    : writev(fd, part, np);
		if (n < 0) {
			if (retry(fd))
				continue;
			return done;
		}
		if (n == 0) {
			errno = EIO;
			return done;
		}
		done += (size_t)n;
		iov_advance(&c, (size_t)n);
	}
	return done;
}

int write_full(int fd, const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	return writev_full(fd, &iov, 1) == len ? 0 : -1;
}

int read_range(int src, off_t off, size_t len, int (*put)(void *ctx, const void *buf, size_t n),
	       void *ctx, int *out_failed)
{
	char buf[COPY_BUF];

	*out_failed = 0;
	while (len > 0) {
		ssize_t n = pread(src, buf, len < sizeof buf ? len : sizeof buf, off);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n == 0)
				errno = EIO;	/* shorter than it should be */
			return -1;
		}
		if (put(ctx, buf, (size_t)n) < 0) {
			*out_failed = 1;
			return -1;
		}
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

static int put_fd(void *ctx, const void *buf, size_t n)
{
	return write_full(*(int *)ctx, buf, n);
}

/* sendfile() does the copy in the kernel; where it cannot (some targets),
 * fall back to read and write. */
int copy_range(int fd, int src, off_t off, size_t len, int *out_failed)
{
	off_t end = off + (off_t)len;

	*out_failed = 0;
	while (off < end) {
		ssize_t n = sendfile(fd, src, &off, (size_t)(end - off));
		if (n > 0)
			continue;
		if (n == 0) {
			errno = EIO;	/* the spool is shorter than it should be */
			return -1;
		}
		if (retry(fd))
			continue;
		if (errno == EINVAL || errno == ENOSYS)
			break;
		*out_failed = 1;
		return -1;
	}
	return read_range(src, off, (size_t)(end - off), put_fd, &fd, out_failed);
}

long read_number(const char *path, long fallback)
{
	FILE *f = fopen(path, "re");
	long v = fallback;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = fallback;
		fclose(f);
	}
	return v;
}
