/* io.h: full-write loops shared by every output dtee writes. */
#ifndef DTEE_IO_H
#define DTEE_IO_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Write all of iov[0..cnt) to fd: retries on EINTR and short writes, waits
 * with poll() when fd is non-blocking, splits at IOV_MAX. Returns the bytes
 * written; when that is short of the total, errno says why, and iov is
 * left describing what was not written (written parts have length 0). */
size_t writev_full(int fd, struct iovec *iov, int cnt);

/* The same for one buffer: 0 on success, -1 with errno. */
int write_full(int fd, const void *buf, size_t len);

/* Copy src from offset 0 to its end onto fd (the cron spool replay).
 * Returns 0, or -1 with errno and *out_failed telling which side failed. */
int copy_fd(int fd, int src, int *out_failed);

#endif
