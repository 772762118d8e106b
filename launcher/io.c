/* io.c: full-write loops. Every write dtee makes goes through here. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <unistd.h>

#include "io.h"

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

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

size_t writev_full(int fd, struct iovec *iov, int cnt)
{
	size_t done = 0;

	while (cnt > 0) {
		if (iov->iov_len == 0) {
			iov++, cnt--;
			continue;
		}
		ssize_t n = writev(fd, iov, cnt > IOV_MAX ? IOV_MAX : cnt);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_writable(fd))
				continue;
			return done;
		}
		if (n == 0) {
			errno = EIO;
			return done;
		}
		done += (size_t)n;
		for (size_t left = (size_t)n; left > 0 && cnt > 0;) {
			if (left >= iov->iov_len) {
				/* Mark it written, for callers that go on
				 * with the rest after a failure. */
				left -= iov->iov_len;
				iov->iov_len = 0;
				iov++, cnt--;
			} else {
				iov->iov_base = (char *)iov->iov_base + left;
				iov->iov_len -= left;
				left = 0;
			}
		}
	}
	return done;
}

int write_full(int fd, const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	return writev_full(fd, &iov, 1) == len ? 0 : -1;
}

/* sendfile() does the copy in the kernel; where it cannot (some targets),
 * fall back to read and write. */
int copy_fd(int fd, int src, int *out_failed)
{
	off_t off = 0;
	char buf[65536];

	*out_failed = 0;
	for (;;) {
		ssize_t n = sendfile(fd, src, &off, 1 << 30);
		if (n > 0)
			continue;
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_writable(fd))
			continue;
		if (errno == EINVAL || errno == ENOSYS)
			break;
		*out_failed = 1;
		return -1;
	}
	for (;;) {
		ssize_t n = pread(src, buf, sizeof buf, off);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (write_full(fd, buf, (size_t)n) < 0) {
			*out_failed = 1;
			return -1;
		}
		off += n;
	}
}
