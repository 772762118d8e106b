/* io.h: full-write loops shared by every output dtee writes. */
#ifndef DTEE_IO_H
#define DTEE_IO_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Write all of iov[0..cnt) to fd: retries on EINTR (a signal never cuts a
 * write short) and short writes, waits with poll() when fd is non-blocking.
 * Returns the bytes written; when that is short of the total, errno says
 * why. */
size_t writev_full(int fd, const struct iovec *iov, int cnt);

/* The same for one buffer: 0 on success, -1 with errno. */
int write_full(int fd, const void *buf, size_t len);

/* Read len bytes of src from offset off, a buffer at a time, and hand each
 * to put(ctx, buf, n), which returns 0 or -1 with errno. Returns 0, or -1
 * with errno and *out_failed telling which side failed. */
int read_range(int src, off_t off, size_t len, int (*put)(void *ctx, const void *buf, size_t n),
	       void *ctx, int *out_failed);

/* Copy len bytes of src from offset off onto fd (the cron spool replay).
 * Returns 0, or -1 with errno and *out_failed telling which side failed. */
int copy_range(int fd, int src, off_t off, size_t len, int *out_failed);

/* The number a file such as /proc/sys/... holds, or fallback where it
 * cannot be read. */
long read_number(const char *path, long fallback);

#endif
