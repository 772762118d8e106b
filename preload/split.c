/*
 * Sending one oversized write as consecutive datagrams that fit.
 *
 * Chunks: min(DTEE_CHUNK_MAX, SO_SNDBUF / 2), halved on EMSGSIZE/ENOBUFS
 * down to DTEE_CHUNK_MIN.  Each chunk is one real write()/writev()/send()
 * (so cancellation points and other preloaded libraries still see them).
 * A datagram is all or nothing, so the count returned is always a sum of
 * whole chunks: the bytes already sent if a later chunk fails, the error
 * only when nothing was sent.
 *
 * Contiguity between threads: the chunks of one split write are sent under
 * the split lock, so two large writes from different threads of a process
 * never interleave.  Only split writes take it; a small write from another
 * thread may still land between two chunks, as it may between the pieces
 * of a large write to a pipe.
 *
 * The split lock cannot deadlock:
 *  - it is a word holding the owner's kernel tid, taken by compare-and-swap;
 *    no memory is allocated and no other lock is taken while it is held,
 *    and the holder only ever waits in the kernel for the collector;
 *  - recursive for its owner: a signal handler that interrupts its own
 *    thread's split write and writes a large block goes ahead (its chunks
 *    land between two of the interrupted write's chunks);
 *  - an owner that no longer exists in this process is detected with
 *    tgkill(getpid(), owner, 0) == ESRCH and its lock taken over: after
 *    fork() (also reset by an atfork handler), vfork(), _Fork(), clone(),
 *    or a thread that exited inside a chunk; cancellation inside a chunk
 *    releases the lock through a cleanup handler;
 *  - waiters sleep on the word with a futex and a timeout, so a missed wake
 *    costs at most WAIT_SLICE; a waiter that sees no chunk sent by anyone
 *    for GIVE_UP (an owner blocked forever, e.g. its signal handler waiting
 *    for a stdio lock the waiter holds) gives up contiguity and sends
 *    anyway instead of hanging.
 */
#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "dtee-preload.h"

#define PART_IOVS 64			/* iovecs per chunk, on the stack */
#define WAIT_SLICE_NS (20 * 1000 * 1000)
#define GIVE_UP_SLICES 250		/* 5 s without progress */

static _Atomic int owner;		/* kernel tid of the holder, or 0 */
static _Atomic unsigned long progress;	/* chunks sent, by anyone */

struct hold {
	int tid;
	int taken;
};

static int owner_is_gone(int tid)
{
	return syscall(SYS_tgkill, (pid_t)syscall(SYS_getpid), tid, 0) != 0 &&
	       errno == ESRCH;
}

static void split_lock(struct hold *h)
{
	unsigned long seen = atomic_load(&progress);
	int idle = 0;

	h->tid = (int)syscall(SYS_gettid);
	h->taken = 0;
	for (;;) {
		int cur = 0;
		struct timespec ts = { 0, WAIT_SLICE_NS };
		unsigned long now;

		if (atomic_compare_exchange_strong(&owner, &cur, h->tid)) {
			h->taken = 1;
			return;
		}
		if (cur == h->tid)
			return;		/* our own thread: a signal handler */
		if (owner_is_gone(cur)) {
			atomic_compare_exchange_strong(&owner, &cur, 0);
			continue;
		}
		syscall(SYS_futex, &owner, FUTEX_WAIT_PRIVATE, cur, &ts, NULL, 0);
		now = atomic_load(&progress);
		if (now != seen) {
			seen = now;
			idle = 0;
		} else if (++idle >= GIVE_UP_SLICES) {
			return;		/* better out of order than hung */
		}
	}
}

static void split_unlock(void *arg)
{
	struct hold *h = arg;
	int tid = h->tid;

	if (h->taken && atomic_compare_exchange_strong(&owner, &tid, 0))
		syscall(SYS_futex, &owner, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	h->taken = 0;
}

void dtee_split_after_fork(void)
{
	/* Only the forking thread exists in the child. */
	atomic_store(&owner, 0);
}

/* Wait until an adopted (reported as a stream) socket can take more. */
static int wait_writable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int r;

	do
		r = poll(&p, 1, -1);
	while (r < 0 && errno == EINTR);
	return r > 0;
}

static ssize_t send_one(int fd, struct iovec *part, int np, enum dtee_how how, int flags)
{
	if (how == DTEE_BY_SEND)
		return real_send(fd, part[0].iov_base, part[0].iov_len, flags);
	if (np == 1)
		return real_write(fd, part[0].iov_base, part[0].iov_len);
	return real_writev(fd, part, np);
}

/* Up to max bytes of iov from position (*i, *off), as at most PART_IOVS
 * iovecs in part; returns how many. */
static int gather(const struct iovec *iov, int cnt, int i, size_t off,
		  size_t max, struct iovec *part)
{
	int np = 0;
	size_t len = 0;

	while (i < cnt && np < PART_IOVS && len < max) {
		size_t take = iov[i].iov_len - off;

		if (take > max - len)
			take = max - len;
		if (take > 0) {
			part[np].iov_base = (char *)iov[i].iov_base + off;
			part[np].iov_len = take;
			np++;
			len += take;
		}
		off += take;
		if (off == iov[i].iov_len) {
			i++;
			off = 0;
		}
	}
	return np;
}

static void advance(const struct iovec *iov, int cnt, int *i, size_t *off, size_t n)
{
	while (*i < cnt && n > 0) {
		size_t left = iov[*i].iov_len - *off;

		if (n < left) {
			*off += n;
			return;
		}
		n -= left;
		++*i;
		*off = 0;
	}
	while (*i < cnt && iov[*i].iov_len == 0)
		++*i;
}

struct split {
	const struct iovec *iov;
	int cnt, fd, flags, err;
	enum dtee_how how;
	size_t total, sent;
};

static void send_chunks(struct split *s)
{
	size_t chunk = dtee_first_chunk(s->fd), off = 0;
	int i = 0;

	while (s->sent < s->total) {
		struct iovec part[PART_IOVS];
		int np = gather(s->iov, s->cnt, i, off, chunk, part);
		ssize_t r = send_one(s->fd, part, np, s->how, s->flags);

		if (r < 0) {
			s->err = errno;
			if ((s->err == EMSGSIZE || s->err == ENOBUFS) && chunk > DTEE_CHUNK_MIN) {
				chunk /= 2;
				continue;
			}
			if (s->err == EAGAIN && s->how == DTEE_BY_WRITE &&
			    dtee_fd_adopted(s->fd) && wait_writable(s->fd))
				continue;
			return;
		}
		s->sent += (size_t)r;
		advance(s->iov, s->cnt, &i, &off, (size_t)r);
		atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
	}
}

/* The lock is released by a cleanup handler if the thread is cancelled
 * inside a chunk (write and send are cancellation points). */
static void send_locked(struct split *s)
{
	struct hold h;

	split_lock(&h);
	pthread_cleanup_push(split_unlock, &h);
	send_chunks(s);
	pthread_cleanup_pop(1);
}

ssize_t dtee_send_split(int fd, const struct iovec *iov, int cnt,
			enum dtee_how how, int flags, int saved_errno)
{
	struct split s = { iov, cnt, fd, flags, errno, how, 0, 0 };

	for (int k = 0; k < cnt; k++)
		s.total += iov[k].iov_len;	/* <= SSIZE_MAX: the real call checked */
	send_locked(&s);
	if (s.sent > 0) {
		errno = saved_errno;
		return (ssize_t)s.sent;
	}
	errno = s.err;
	return -1;
}
