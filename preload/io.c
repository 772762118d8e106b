/* io.c: the calls that write a buffer to an fd: write, writev, send,
 * sendto, sendmsg, sendmmsg, pwritev2 and pwritev64v2 (offset -1).
 * sendfile and splice are in transfer.c.
 *
 * Each calls the real function first and returns its result untouched
 * unless it failed: with EMSGSIZE or ENOBUFS on one of our sockets (the
 * process's stdout/stderr datagram sockets, outputs.c; checked only then)
 * the data goes out split into datagrams that fit (split.c); with
 * ECONNREFUSED or ENOTCONN (dtee has gone) the program gets what a pipe
 * gives (sigpipe.c).  While another thread's split is being sent, a write
 * to our sockets waits its turn.  A write of at most DTEE_ALWAYS_FITS
 * bytes costs a comparison, a load and a test of the result.
 *
 * Not covered, because on a socket they never write: pwrite and pwritev
 * (ESPIPE or EINVAL whatever the offset), pwritev2 with an offset other
 * than -1 (ESPIPE). */
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <unistd.h>

#include "dtee-preload.h"

/* After the real call failed with errno err: is this ours to fix?  EAGAIN
 * only for write/writev on an fd we reported as a stream (what libuv uses);
 * never for send/sendto, whose callers (MSG_DONTWAIT, Python's non-blocking
 * sockets) ask for EAGAIN. */
static int ours_to_fix(int fd, int err, enum dtee_how how)
{
	if (dtee_too_big(err))
		return dtee_fd_ours(fd);
	return err == EAGAIN && how == DTEE_BY_WRITE && dtee_fd_shown_as_stream(fd);
}

DTEE_COLD static ssize_t write_failed(int fd, const struct iovec *iov, int cnt,
				      enum dtee_how how, int flags, int saved)
{
	int err = errno;

	if (!ours_to_fix(fd, err, how)) {
		errno = err;
		return -1;
	}
	errno = err;
	return dtee_send_split(fd, iov, cnt, how, flags, saved);
}

/* The careful path: the real call, then a split if it was too big. */
static ssize_t send_careful(int fd, const struct iovec *iov, int cnt,
			    enum dtee_how how, int flags)
{
	int saved = errno;
	ssize_t r;

	if (dtee_wait_turn(fd))
		return dtee_send_in_turn(fd, iov, cnt, how, flags, saved);
	switch (how) {
	case DTEE_BY_SEND:
		r = real_send(fd, iov[0].iov_base, iov[0].iov_len, flags);
		break;
	default:
		r = cnt == 1 ? real_write(fd, iov[0].iov_base, iov[0].iov_len)
			     : real_writev(fd, iov, cnt);
		break;
	}
	if (!dtee_unlikely(r < 0))
		return r;
	return write_failed(fd, iov, cnt, how, flags, saved);
}

DTEE_COLD static ssize_t dtee_write_careful(int fd, const void *buf, size_t n)
{
	struct iovec v = { (void *)buf, n };

	return dtee_checked(send_careful(fd, &v, 1, DTEE_BY_WRITE, 0), fd, 0);
}

DTEE_COLD static ssize_t write_refused(int fd)
{
	dtee_reader_gone(fd, 0);
	return -1;
}

/* The fast path: a comparison, the real call, a test of its result.
 * Inlined into write() itself: no jump on the way. */
static inline __attribute__((always_inline)) ssize_t write_fast(int fd, const void *buf,
								size_t n)
{
	ssize_t r;

	if (!dtee_quick(n))
		return dtee_write_careful(fd, buf, n);
	r = real_write(fd, buf, n);
	if (dtee_unlikely(r < 0))
		return write_refused(fd);
	return r;
}

ssize_t dtee_write(int fd, const void *buf, size_t n)
{
	struct iovec v = { (void *)buf, n };

	return send_careful(fd, &v, 1, DTEE_BY_WRITE, 0);
}

static ssize_t writev_now(int fd, const struct iovec *iov, int cnt)
{
	int saved = errno;
	ssize_t r;

	if (dtee_wait_turn(fd))
		return dtee_send_in_turn(fd, iov, cnt, DTEE_BY_WRITE, 0, saved);
	r = real_writev(fd, iov, cnt);
	if (!dtee_unlikely(r < 0))
		return r;
	return write_failed(fd, iov, cnt, DTEE_BY_WRITE, 0, saved);
}

static ssize_t dtee_writev(int fd, const struct iovec *iov, int cnt)
{
	return dtee_checked(writev_now(fd, iov, cnt), fd, 0);
}

/* send/sendto are split only when used like write(): connected (no
 * address), and no flags but MSG_DONTWAIT/MSG_NOSIGNAL.  A program that
 * speaks a datagram protocol with other flags or addresses keeps EMSGSIZE. */
#define SPLITTABLE_SEND_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL)

DTEE_COLD static ssize_t dtee_send_careful(int fd, const void *buf, size_t n, int flags)
{
	struct iovec v = { (void *)buf, n };

	if (flags & ~SPLITTABLE_SEND_FLAGS)
		return dtee_checked(real_send(fd, buf, n, flags), fd, flags);
	return dtee_checked(send_careful(fd, &v, 1, DTEE_BY_SEND, flags), fd, flags);
}

static ssize_t dtee_send(int fd, const void *buf, size_t n, int flags)
{
	if (dtee_quick(n))
		return dtee_checked(real_send(fd, buf, n, flags), fd, flags);
	return dtee_send_careful(fd, buf, n, flags);
}

/* With an address, sendto speaks a datagram protocol: untouched. */
static ssize_t dtee_sendto(int fd, const void *buf, size_t n, int flags,
			   const struct sockaddr *addr, socklen_t addrlen)
{
	if (addr != NULL)
		return real_sendto(fd, buf, n, flags, addr, addrlen);
	return dtee_send(fd, buf, n, flags);
}

/* sendmsg is split only when used like write(): no address, no control
 * data (file descriptors or credentials belong to one message), flags as
 * for send. */
static int sendmsg_like_write(const struct msghdr *m, int flags)
{
	return m->msg_name == NULL && m->msg_controllen == 0 &&
	       (flags & ~SPLITTABLE_SEND_FLAGS) == 0 && m->msg_iovlen <= INT_MAX;
}

/* m is read only after the real call accepted it and refused the message
 * as too big for one of our sockets: a NULL or bad m gets the real error. */
static ssize_t sendmsg_now(int fd, const struct msghdr *m, int flags)
{
	int saved = errno, err;
	ssize_t r = real_sendmsg(fd, m, flags);

	if (!dtee_unlikely(r < 0))
		return r;
	err = errno;
	if (!dtee_too_big(err) || !sendmsg_like_write(m, flags) || !dtee_fd_ours(fd)) {
		errno = err;
		return -1;
	}
	return dtee_send_split(fd, m->msg_iov, (int)m->msg_iovlen, DTEE_BY_SENDMSG, flags, saved);
}

struct sendmsg_args {
	int fd;
	const struct msghdr *m;
	int flags;
};

static long sendmsg_op(void *arg)
{
	struct sendmsg_args *a = arg;

	return sendmsg_now(a->fd, a->m, a->flags);
}

static ssize_t dtee_sendmsg(int fd, const struct msghdr *m, int flags)
{
	struct sendmsg_args a = { fd, m, flags };

	if (dtee_wait_turn(fd))
		return dtee_checked(dtee_call_in_turn(fd, sendmsg_op, &a), fd, flags);
	return dtee_checked(sendmsg_now(fd, m, flags), fd, flags);
}

/* sendmmsg: each message is one datagram.  When the first is too big for
 * our socket, it is sent split as sendmsg would, and the count says one
 * message went: a short count, which callers of sendmmsg handle (the rest
 * is theirs to send again), as after any message the kernel refuses. */
static int sendmmsg_now(int fd, struct mmsghdr *v, unsigned n, int flags)
{
	int saved = errno, r = real_sendmmsg(fd, v, n, flags), err;
	ssize_t sent;

	if (!dtee_unlikely(r < 0))
		return r;
	err = errno;
	if (!dtee_too_big(err) || n == 0 || !sendmsg_like_write(&v[0].msg_hdr, flags) ||
	    !dtee_fd_ours(fd)) {
		errno = err;
		return -1;
	}
	sent = dtee_send_split(fd, v[0].msg_hdr.msg_iov, (int)v[0].msg_hdr.msg_iovlen,
			       DTEE_BY_SENDMSG, flags, saved);
	if (sent < 0)
		return -1;
	v[0].msg_len = sent > UINT_MAX ? UINT_MAX : (unsigned)sent;
	return 1;
}

struct sendmmsg_args {
	int fd;
	struct mmsghdr *v;
	unsigned n;
	int flags;
};

static long sendmmsg_op(void *arg)
{
	struct sendmmsg_args *a = arg;

	return sendmmsg_now(a->fd, a->v, a->n, a->flags);
}

static int dtee_sendmmsg(int fd, struct mmsghdr *v, unsigned n, int flags)
{
	struct sendmmsg_args a = { fd, v, n, flags };

	if (dtee_wait_turn(fd))
		return (int)dtee_checked(dtee_call_in_turn(fd, sendmmsg_op, &a), fd, flags);
	return (int)dtee_checked(sendmmsg_now(fd, v, n, flags), fd, flags);
}

/* pwritev2 with offset -1 is writev at the current position, and on a
 * socket the only form that writes (any other offset: ESPIPE).  Its chunks
 * go through pwritev2 with the same flags. */
static ssize_t pwritev2_now(int fd, const struct iovec *iov, int cnt, int flags,
			    ssize_t (*real)(int, const struct iovec *, int, off64_t, int))
{
	int saved = errno;
	ssize_t r;

	if (dtee_wait_turn(fd))
		return dtee_send_in_turn(fd, iov, cnt, DTEE_BY_PWRITEV2, flags, saved);
	r = real(fd, iov, cnt, -1, flags);
	if (!dtee_unlikely(r < 0))
		return r;
	return write_failed(fd, iov, cnt, DTEE_BY_PWRITEV2, flags, saved);
}

static ssize_t dtee_pwritev2(int fd, const struct iovec *iov, int cnt, off64_t off, int flags,
			     ssize_t (*real)(int, const struct iovec *, int, off64_t, int))
{
	if (off != -1)
		return real(fd, iov, cnt, off, flags);
	return dtee_checked(pwritev2_now(fd, iov, cnt, flags, real), fd, 0);
}

/* Exported: forwarders only (write's fast path is inlined into it) -------- */

DTEE_EXPORT ssize_t write(int fd, const void *buf, size_t n)
{
	dtee_order_before(fd);
	return write_fast(fd, buf, n);
}

DTEE_EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	dtee_order_before(fd);
	return dtee_writev(fd, iov, cnt);
}

DTEE_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	dtee_order_before(fd);
	return dtee_send(fd, buf, n, flags);
}

DTEE_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags,
			   const struct sockaddr *addr, socklen_t addrlen)
{
	dtee_order_before(fd);
	return dtee_sendto(fd, buf, n, flags, addr, addrlen);
}

DTEE_EXPORT ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
	dtee_order_before(fd);
	return dtee_sendmsg(fd, m, flags);
}

DTEE_EXPORT int sendmmsg(int fd, struct mmsghdr *v, unsigned n, DTEE_MMSG_FLAGS flags)
{
	dtee_order_before(fd);
	return dtee_sendmmsg(fd, v, n, (int)flags);
}

DTEE_EXPORT ssize_t pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	dtee_order_before(fd);
	return dtee_pwritev2(fd, iov, cnt, off, flags, real_pwritev2);
}

DTEE_EXPORT ssize_t pwritev64v2(int fd, const struct iovec *iov, int cnt, off64_t off,
				int flags)
{
	dtee_order_before(fd);
	return dtee_pwritev2(fd, iov, cnt, off, flags, real_pwritev64v2);
}
