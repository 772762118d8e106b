/* split.c: sending one oversized write as consecutive datagrams that fit.
 *
 * Chunks: min(DTEE_CHUNK_MAX, SO_SNDBUF / 2), halved on EMSGSIZE/ENOBUFS
 * down to DTEE_CHUNK_MIN.  Each chunk is one real call of the kind the
 * program made: write()/writev(), send(), sendmsg() or pwritev2() (so
 * cancellation points and other preloaded libraries still see them).
 * A datagram is all or nothing, so the count returned is always a sum of
 * whole chunks: the bytes already sent if a later chunk fails, the error
 * only when nothing was sent.
 *
 * Contiguity between threads: the chunks of one split write are sent under
 * the split lock, and while it is held DETOUR_SPLIT is set, so every other
 * write to our sockets, however small, leaves the fast path and waits its
 * turn (dtee_send_in_turn), as do stdio's writes through our hooks
 * (stdio.c).  A write that passed the check just before a split began may
 * still land after its first chunk: closing that window would cost every
 * small write an atomic increment.
 *
 * The split lock cannot deadlock:
 *  - it is a word holding the owner's kernel tid, taken by compare-and-swap;
 *    no memory is allocated and no other lock is taken while it is held
 *    (stdio takes its FILE lock before, never after: stdio.c), and the
 *    holder only ever waits in the kernel for the collector;
 *  - recursive for its owner: a signal handler that interrupts its own
 *    thread's split write and writes a large block goes ahead (its chunks
 *    land between two of the interrupted write's chunks);
 *  - an owner that no longer exists in this process is detected with
 *    tgkill(getpid(), owner, 0) == ESRCH and its lock taken over: after
 *    fork() (also reset by an atfork handler), vfork(), _Fork(), clone(),
 *    or a thread that exited inside a chunk; cancellation inside a chunk
 *    releases the lock through a cleanup handler;
 *  - waiters sleep on the word with a futex and a timeout, so a missed wake
 *    costs at most WAIT_SLICE.  A waiter that sees no chunk sent by anyone
 *    for GIVE_UP looks at what the owner is doing (holder_is_sending):
 *    blocked in the kernel sending to its socket (or polling for room), it
 *    is waiting for the reader, as the waiter itself would, and the waiter
 *    keeps waiting however slow the reader is.  Anything else, seen twice
 *    a slice apart, means the owner is stuck outside the kernel's send:
 *    its signal handler waiting for a stdio lock the waiter holds, a
 *    siglongjmp out of a split write that left the word set, or a handler
 *    that never returns.  The waiter then takes the lock over by
 *    compare-and-swap from that owner and sends: better out of order than
 *    hung, and the next writers wait for the new owner, not for GIVE_UP.
 *    A flag the holder set around each chunk could not tell these apart: a
 *    handler runs inside the interrupted chunk's call, and a siglongjmp
 *    leaves the flag set.  Without /proc, every such wait gives up after
 *    GIVE_UP. */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "dtee-preload.h"
#include "iov.h"

#define PART_IOVS 64			/* iovecs per chunk, on the stack */
#define WAIT_SLICE_NS (20 * 1000 * 1000)	/* a missed wake costs at most this */
#define GIVE_UP_SLICES 250		/* 5 s without progress */

static _Atomic int owner;		/* kernel tid of the holder, or 0 */
_Atomic unsigned dtee_detour;		/* DETOUR_SPLIT while owner != 0 */
static _Atomic int owner_fd;		/* the fd it is splitting to */
static _Atomic unsigned long progress;	/* chunks sent, by anyone */

static bool owner_is_gone(int tid)
{
	return syscall(SYS_tgkill, (pid_t)syscall(SYS_getpid), tid, 0) != 0 &&
	       errno == ESRCH;
}

/* Decimal digits of the largest unsigned long (2^64 - 1). */
#define ULONG_DIGITS 20
#define PROC_TASK "/proc/self/task/"
#define SYSCALL_FILE "/syscall"
/* /proc/.../syscall: the number and six arguments in hex, then the stack
 * and program counters; the number and the first three fit in this. */
#define SYSCALL_LINE 128

static char *put_uint(char *p, unsigned long v)
{
	char d[ULONG_DIGITS];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		*p++ = d[--n];
	return p;
}

static unsigned long get_num(const char **s, int base)
{
	unsigned long v = 0;
	const char *p = *s;

	if (base == 16 && p[0] == '0' && p[1] == 'x')
		p += 2;
	for (;; p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0' :
			*p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : 99;

		if (d >= base)
			break;
		v = v * (unsigned long)base + (unsigned long)d;
	}
	*s = p;
	return v;
}

/* Which argument of system call nr is the fd a holder sends to, or -1
 * when nr is not one a holder sends with. */
static int sending_fd_arg(long nr)
{
	switch (nr) {
	case SYS_write: case SYS_writev: case SYS_sendto: case SYS_sendmsg:
	case SYS_sendmmsg: case SYS_pwritev2: case SYS_sendfile:
		return 0;
	case SYS_splice:	/* splice(in, off_in, out, ...) */
		return 2;
	}
	return -1;
}

/* Is thread tid blocked in the kernel sending to fd (or polling for room)?
 * /proc/self/task/TID/syscall: "NR ARG0 ARG1 ...", or "running", or "-1 ..."
 * when not in a system call.  Raw system calls: no cancellation point, no
 * hook, async-signal-safe; 0 when it cannot tell. */
static bool holder_is_sending(int tid, int fd)
{
	char path[sizeof(PROC_TASK) + ULONG_DIGITS + sizeof(SYSCALL_FILE)] = PROC_TASK;
	char buf[SYSCALL_LINE], *p = path + sizeof(PROC_TASK) - 1;
	const char *q = buf;
	long n, nr;
	int pfd, arg, saved = errno;

	p = put_uint(p, (unsigned long)tid);
	for (const char *t = SYSCALL_FILE; (*p++ = *t++) != '\0';)
		;
	pfd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (pfd < 0) {
		errno = saved;
		return 0;
	}
	n = syscall(SYS_read, pfd, buf, sizeof(buf) - 1);
	syscall(SYS_close, pfd);
	errno = saved;
	if (n <= 0 || buf[0] < '0' || buf[0] > '9')
		return 0;
	buf[n] = '\0';
	nr = (long)get_num(&q, 10);
#ifdef SYS_poll
	if (nr == SYS_poll)
		return 1;
#endif
	if (nr == SYS_ppoll)
		return 1;
	if ((arg = sending_fd_arg(nr)) < 0)
		return 0;
	for (int i = 0; i <= arg; i++) {
		while (*q == ' ')
			q++;
		if (i == arg)
			break;
		get_num(&q, 16);
	}
	return get_num(&q, 16) == (unsigned long)fd;
}

/* Wait for the split lock and take it (recursive: returns with
 * h->taken == 0 when this thread holds it already). */
__attribute__((noinline)) void dtee_split_lock(struct dtee_hold *h, int fd)
{
	unsigned long seen = atomic_load(&progress);
	int idle = 0, strikes = 0, saved = errno;

	h->tid = (int)syscall(SYS_gettid);
	h->taken = 0;
	for (;;) {
		int cur = 0;
		struct timespec ts = { 0, WAIT_SLICE_NS };
		unsigned long now;

		if (atomic_compare_exchange_strong(&owner, &cur, h->tid))
			break;
		if (cur == h->tid) {
			errno = saved;
			return;		/* our own thread: a signal handler */
		}
		if (owner_is_gone(cur)) {
			atomic_compare_exchange_strong(&owner, &cur, 0);
			continue;
		}
		syscall(SYS_futex, &owner, FUTEX_WAIT_PRIVATE, cur, &ts, NULL, 0);
		now = atomic_load(&progress);
		if (now != seen) {
			seen = now;
			idle = strikes = 0;
			continue;
		}
		if (++idle < GIVE_UP_SLICES)
			continue;
		if (holder_is_sending(cur, atomic_load(&owner_fd))) {
			idle = strikes = 0;	/* waiting for the reader */
			continue;
		}
		if (++strikes < 2)
			continue;
		if (atomic_compare_exchange_strong(&owner, &cur, h->tid))
			break;		/* taken over from a stuck owner */
		idle = strikes = 0;
	}
	h->taken = 1;
	atomic_fetch_or(&dtee_detour, DETOUR_SPLIT);
	atomic_store(&owner_fd, fd);
	errno = saved;
}

/* The flag is cleared before the word, so a writer that sees it clear
 * never overtakes a chunk of ours; if the lock was taken over meanwhile,
 * the new owner needs the flag back, unless it has released the lock
 * already (a flag left set with no owner would only send every write the
 * careful way until the next split). */
void dtee_split_unlock(void *hold)
{
	struct dtee_hold *h = hold;
	int tid = h->tid, saved = errno;

	if (h->taken) {
		atomic_fetch_and(&dtee_detour, ~DETOUR_SPLIT);
		if (atomic_compare_exchange_strong(&owner, &tid, 0))
			syscall(SYS_futex, &owner, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		else if (atomic_load(&owner) != 0)
			atomic_fetch_or(&dtee_detour, DETOUR_SPLIT);
	}
	h->taken = 0;
	errno = saved;
}

void dtee_split_after_fork(void)
{
	/* Only the forking thread exists in the child. */
	atomic_store(&owner, 0);
	atomic_fetch_and(&dtee_detour, ~DETOUR_SPLIT);
}

/* Wait until a socket reported as a stream can take more. */
static int wait_writable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int r;

	do
		r = poll(&p, 1, -1);
	while (r < 0 && errno == EINTR);
	return r > 0;
}

struct split {
	const struct iovec *iov;
	int cnt, fd, flags, err;
	enum dtee_how how;
	size_t total, sent;
};

/* One real call with part[0..np): one datagram. */
static ssize_t send_one(const struct split *s, const struct iovec *part, int np)
{
	struct msghdr m = { .msg_iov = (struct iovec *)part, .msg_iovlen = (size_t)np };

	switch (s->how) {
	case DTEE_BY_SEND:	/* one buffer, so one part */
		return real_send(s->fd, part[0].iov_base, part[0].iov_len, s->flags);
	case DTEE_BY_SENDMSG:
		return real_sendmsg(s->fd, &m, s->flags);
	case DTEE_BY_PWRITEV2:
		return real_pwritev2(s->fd, part, np, -1, s->flags);
	case DTEE_BY_WRITE:
		break;
	}
	if (np == 1)
		return real_write(s->fd, part[0].iov_base, part[0].iov_len);
	return real_writev(s->fd, part, np);
}

/* EAGAIN is waited out only for write/writev on an fd reported as a
 * stream (what libuv expects of a pipe). */
static int wait_for_room(const struct split *s)
{
	return s->how == DTEE_BY_WRITE && dtee_fd_shown_as_stream(s->fd) &&
	       wait_writable(s->fd);
}

static void send_chunks(struct split *s)
{
	size_t chunk = dtee_first_chunk(s->fd);
	struct iov_cursor c = iov_cursor(s->iov, s->cnt);

	/* Only now, after a real call accepted iov: it is readable, and its
	 * total is at most SSIZE_MAX. */
	s->total = iov_total(s->iov, s->cnt);
	iov_advance(&c, s->sent);
	while (s->sent < s->total) {
		struct iovec part[PART_IOVS];
		int np = iov_take(&c, chunk, part, PART_IOVS);
		ssize_t r = send_one(s, part, np);

		if (r < 0) {
			s->err = errno;
			if (dtee_too_big(s->err) && chunk > DTEE_CHUNK_MIN) {
				chunk /= 2;
				continue;
			}
			if (s->err == EAGAIN && wait_for_room(s))
				continue;
			return;
		}
		s->sent += (size_t)r;
		iov_advance(&c, (size_t)r);
		atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
	}
}

/* The whole write in one real call, as the program made it; chunks only if
 * that is refused as too big (or EAGAIN on a stream fd). */
static void send_whole_or_chunks(struct split *s)
{
	ssize_t r = send_one(s, s->iov, s->cnt);

	if (r >= 0) {
		s->sent = (size_t)r;
		s->err = 0;
		return;
	}
	s->err = errno;
	if (dtee_too_big(s->err) || (s->err == EAGAIN && wait_for_room(s)))
		send_chunks(s);
}

enum first_try { CHUNKS_ONLY, WHOLE_FIRST };

static long send_whole_or_chunks_op(void *s)
{
	send_whole_or_chunks(s);
	return 0;
}

static long send_chunks_op(void *s)
{
	send_chunks(s);
	return 0;
}

/* The lock is released by a cleanup handler if the thread is cancelled
 * inside a chunk (write and send are cancellation points). */
static void send_locked(struct split *s, enum first_try first)
{
	struct dtee_hold h;

	dtee_split_lock(&h, s->fd);
	dtee_with_cleanup(first == WHOLE_FIRST ? send_whole_or_chunks_op : send_chunks_op, s,
			  dtee_split_unlock, &h);
}

/* The real call's contract: a count (errno untouched) when anything was
 * sent or nothing was asked, the error only when nothing was sent. */
static ssize_t split_result(const struct split *s, int saved_errno)
{
	if (s->sent > 0 || s->err == 0) {
		errno = saved_errno;
		return (ssize_t)s->sent;
	}
	errno = s->err;
	return -1;
}

long dtee_call_in_turn(int fd, long (*op)(void *), void *arg)
{
	struct dtee_hold h;

	dtee_split_lock(&h, fd);
	return dtee_with_cleanup(op, arg, dtee_split_unlock, &h);
}

ssize_t dtee_send_split(int fd, const struct iovec *iov, int cnt,
			enum dtee_how how, int flags, int saved_errno)
{
	struct split s = { iov, cnt, fd, flags, errno, how, 0, 0 };

	send_locked(&s, CHUNKS_ONLY);
	return split_result(&s, saved_errno);
}

ssize_t dtee_send_in_turn(int fd, const struct iovec *iov, int cnt,
			  enum dtee_how how, int flags, int saved_errno)
{
	struct split s = { iov, cnt, fd, flags, 0, how, 0, 0 };

	send_locked(&s, WHOLE_FIRST);
	return split_result(&s, saved_errno);
}
