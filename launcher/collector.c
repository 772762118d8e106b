/* collector.c: one receive queue, one order.
 *
 * The loop blocks in recvmmsg() alone: signal handlers wake it by sending an
 * empty datagram on the control socket (signals.c), so there is no poll()
 * per batch. Each call returns what is waiting, up to BATCH_MAX datagrams,
 * as one batch for the sinks. When a sink wants to know of silence (a line
 * held unfinished), the receive gives up after a second and the sinks are
 * told. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "io.h"
#include "outlet.h"
#include "signals.h"

/* Each slot can take the largest datagram; pages beyond this many bytes are
 * given back after use, so memory stays small after a huge datagram. */
#define KEEP_RESIDENT (256 * 1024)
/* The end marker: a one-byte datagram on the control socket. */
#define END_MARKER 'E'
/* Senders racing for the last place in the queue each get in; the kernel
 * lets one more through per sender. Allow for this many of them. */
#define QUEUE_OVERSHOOT 64
/* A line held unfinished is cut after this much silence. */
#define IDLE_SECONDS 1

/* Room for the time and the credentials of one datagram. */
union control {
	char buf[CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(struct ucred))];
	struct cmsghdr align;
};

struct collector {
	const struct sockets *sk;
	struct sinks *sinks;
	unsigned nslots;
	size_t page;
	size_t slot_size;	/* the largest datagram, in whole pages */
	size_t stride;		/* from one slot to the next */
	char *arena;
	unsigned vlen;		/* slots offered to the next receive */
	unsigned queue_max;	/* datagrams the queue can hold at once */
	unsigned small_run;	/* small datagrams taken one at a time since a large one */
	bool end_seen;
	bool want_control;	/* times or pids asked for */
	pid_t relay_pid;	/* the writer of what the supervisor relays, or 0 */
	size_t control_len;	/* room for exactly those */
	struct mmsghdr msgs[BATCH_MAX];
	struct iovec slot_iov[BATCH_MAX];
	struct sockaddr_un addrs[BATCH_MAX];
	union control control[BATCH_MAX];
	/* The current batch: command data only, in arrival order. */
	struct iovec data[BATCH_MAX];
	unsigned char stream[BATCH_MAX];
	struct timespec time[BATCH_MAX];
	pid_t pid[BATCH_MAX];
	struct batch batch;
};

static void setup_buffers(struct collector *c)
{
	size_t page = c->page = (size_t)sysconf(_SC_PAGESIZE);

	c->slot_size = (c->sk->max_dgram + page - 1) / page * page;
	/* One page more than a slot, so that the slots' first pages, where
	 * small datagrams land, do not all fall into the same cache sets. */
	c->stride = c->slot_size + page;
	/* Address space only: pages are touched by what arrives. */
	for (c->nslots = BATCH_MAX; c->nslots > 0; c->nslots /= 2) {
		c->arena = mmap(NULL, c->nslots * c->stride, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (c->arena != MAP_FAILED)
			break;
	}
	if (c->nslots == 0)
		die(EX_OSERR, "cannot allocate a receive buffer: %s", strerror(errno));
	c->vlen = 1;	/* until the first batch shows the datagrams are small */
	for (unsigned i = 0; i < c->nslots; i++) {
		c->slot_iov[i] = (struct iovec){ c->arena + i * c->stride, c->slot_size };
		c->msgs[i].msg_hdr = (struct msghdr){
			.msg_name = &c->addrs[i],
			.msg_namelen = sizeof c->addrs[i],
			.msg_iov = &c->slot_iov[i],
			.msg_iovlen = 1,
		};
		if (c->want_control) {
			c->msgs[i].msg_hdr.msg_control = c->control[i].buf;
			c->msgs[i].msg_hdr.msg_controllen = c->control_len;
		}
	}
	c->batch = (struct batch){
		.data = c->data, .stream = c->stream,
		.time = c->sinks->needs & SINK_TIME ? c->time : NULL,
		.pid = c->sinks->needs & SINK_PID ? c->pid : NULL,
	};
}

/* Descriptors the command sent along (SCM_RIGHTS) are not dtee's to keep. */
static void close_passed_fds(const struct cmsghdr *m)
{
	size_t n = (m->cmsg_len - CMSG_LEN(0)) / sizeof(int);

	for (size_t k = 0; k < n; k++) {
		int fd;
		memcpy(&fd, CMSG_DATA(m) + k * sizeof fd, sizeof fd);
		close(fd);
	}
}

/* The time and writer the kernel recorded for datagram i of the receive,
 * into place n of the batch. */
static void take_control(struct collector *c, int i, int n)
{
	struct msghdr *h = &c->msgs[i].msg_hdr;
	bool timed = false;

	c->pid[n] = 0;
	for (struct cmsghdr *m = CMSG_FIRSTHDR(h); m; m = CMSG_NXTHDR(h, m)) {
		if (m->cmsg_level != SOL_SOCKET)
			continue;
		if (m->cmsg_type == SCM_TIMESTAMPNS) {
			memcpy(&c->time[n], CMSG_DATA(m), sizeof c->time[n]);
			timed = true;
		} else if (m->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cred;
			memcpy(&cred, CMSG_DATA(m), sizeof cred);
			c->pid[n] = cred.pid;
		} else if (m->cmsg_type == SCM_RIGHTS) {
			close_passed_fds(m);
		}
	}
	if (!timed)
		clock_gettime(CLOCK_REALTIME, &c->time[n]);
	h->msg_controllen = c->control_len;
}

static void truncated(enum stream s, size_t len)
{
	msg("%s: a datagram larger than %zu bytes was cut short; output is incomplete",
	    s == STREAM_ERR ? "stderr" : "stdout", len);
}

/* How many slots the next receive offers. A batch of large datagrams would
 * touch many slots at once, so after a large one dtee takes one at a time,
 * into slot 0, until a whole queue's worth of small ones has gone by: only
 * then can no large datagram that was queued behind them be left. Slot 0
 * keeps its pages for the next large one; the others give back what lies
 * beyond KEEP_RESIDENT. */
static void adapt(struct collector *c, int received, bool large)
{
	if (!large) {
		if (c->vlen < c->nslots && (c->small_run += (unsigned)received) >= c->queue_max)
			c->vlen = c->nslots;
		return;
	}
	c->vlen = 1;
	c->small_run = 0;
	for (int i = 1; i < received; i++) {
		size_t len = c->msgs[i].msg_len;
		if (len > KEEP_RESIDENT)
			madvise((char *)c->slot_iov[i].iov_base + KEEP_RESIDENT,
				(len - KEEP_RESIDENT + c->page - 1) / c->page * c->page,
				MADV_DONTNEED);
	}
}

static void dispatch(struct collector *c, int received)
{
	bool large = false;
	int n = 0;

	for (int i = 0; i < received; i++) {
		struct msghdr *h = &c->msgs[i].msg_hdr;
		size_t len = c->msgs[i].msg_len;
		enum sock from = sockets_sender(c->sk, &c->addrs[i], h->msg_namelen);

		large |= len > KEEP_RESIDENT;
		h->msg_namelen = sizeof c->addrs[i];
		if (from == SOCK_CTL) {
			if (len == 1 && *(char *)c->slot_iov[i].iov_base == END_MARKER)
				c->end_seen = true;
			continue;
		}
		if (from == SOCK_RELAY_WHO) {
			if (len == sizeof c->relay_pid)
				memcpy(&c->relay_pid, c->slot_iov[i].iov_base, len);
			continue;
		}
		if (from == SOCK_FOREIGN)
			continue;
		if (h->msg_flags & MSG_TRUNC) {
			truncated((enum stream)sock_stream(from), len);
			outlets_note_loss();
		}
		if (c->want_control)
			take_control(c, i, n);
		if (c->relay_pid > 0 && (from == SOCK_RELAY_OUT || from == SOCK_RELAY_ERR))
			c->pid[n] = c->relay_pid;
		c->data[n] = (struct iovec){ c->slot_iov[i].iov_base, len };
		c->stream[n++] = (unsigned char)sock_stream(from);
	}
	if (n > 0) {
		c->batch.n = n;
		sinks_write(c->sinks, &c->batch);
	}
	adapt(c, received, large);
}

/* Receive one batch; wait for the first datagram unless told not to.
 * Returns how many, or -1 after a second of silence. */
static int receive(struct collector *c, bool wait)
{
	int flags = (wait ? MSG_WAITFORONE : MSG_DONTWAIT) | (c->want_control ? MSG_CMSG_CLOEXEC : 0);
	int n = recvmmsg(c->sk->in, c->msgs, c->vlen, flags, NULL);

	if (n >= 0)
		return n;
	if (errno == EINTR)
		return 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return wait ? -1 : 0;
	die(EX_SOFTWARE, "recvmmsg: %s", strerror(errno));
}

/* How many datagrams the receive queue can hold: the kernel makes senders
 * wait beyond net.unix.max_dgram_qlen (10 unless changed). */
static unsigned queue_max(void)
{
	long qlen = read_number("/proc/sys/net/unix/max_dgram_qlen", 10);

	return (unsigned)(qlen > 0 ? qlen : 10) + 1 + QUEUE_OVERSHOOT;
}

/* While the queue is too full to take the end marker, make room; once
 * more datagrams have been taken than the queue could have held,
 * everything that was there has been handed on, and what writers keep
 * adding (a background process that never stops) is not waited for. */
void collector_drain(struct collector *c)
{
	static const char marker = END_MARKER;
	unsigned left = c->queue_max;
	bool sent = false;

	c->end_seen = false;
	while (!c->end_seen) {
		if (!sent)
			sent = send(c->sk->ctl, &marker, 1, MSG_DONTWAIT) == 1;
		if (!sent && left == 0)
			return;
		int n = receive(c, sent);
		if (!sent && n == 0)
			return;		/* the queue was empty: all is handed on */
		if (n < 0)
			continue;
		dispatch(c, n);
		left -= (unsigned)n < left ? (unsigned)n : left;
	}
}

/* Wake up after a second of silence, when a sink wants to know of it. */
static void set_idle_timeout(const struct collector *c)
{
	struct timeval tv = { .tv_sec = IDLE_SECONDS };

	if ((c->sinks->needs & SINK_IDLE) &&
	    setsockopt(c->sk->in, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
		die(EX_OSERR, "setsockopt: %s", strerror(errno));
}

struct collector *collector_new(const struct sockets *sk, struct sinks *sinks)
{
	struct collector *c = xcalloc(1, sizeof *c, "collector");

	c->sk = sk;
	c->sinks = sinks;
	c->want_control = (sinks->needs & (SINK_TIME | SINK_PID)) != 0;
	/* Exactly what was asked for: descriptors the command sends along
	 * then find no room, and the kernel closes them. */
	c->control_len = (sinks->needs & SINK_TIME ? CMSG_SPACE(sizeof(struct timespec)) : 0) +
			 (sinks->needs & SINK_PID ? CMSG_SPACE(sizeof(struct ucred)) : 0);
	c->queue_max = queue_max();
	setup_buffers(c);
	set_idle_timeout(c);
	return c;
}

void collector_free(struct collector *c)
{
	munmap(c->arena, c->nslots * c->stride);
	free(c);
}

void collector_step(struct collector *c)
{
	int n = receive(c, true);

	if (n < 0)
		sinks_idle(c->sinks);
	else
		dispatch(c, n);
}

/* Whether a stop signal ends the run before the command's end. SIGTERM,
 * SIGHUP, SIGINT and SIGQUIT have reached the command (passed on, or sent
 * by the terminal to both): everything it writes until it ends is copied,
 * unless the stop signals keep coming (the way out when the command
 * ignores them). Any other stop signal is dtee's alone: acted on now. */
static bool stop_now(void)
{
	return signal_stop_now || signal_stops >= SIGNAL_STOPS_GIVE_UP;
}

void collect(const struct sockets *sk, struct sinks *sinks, pid_t child, struct ending *e)
{
	struct collector *c = collector_new(sk, sinks);

	e->ended = false;
	for (;;) {
		collector_step(c);
		signals_pass_on();
		if ((signal_stop && stop_now()) || outlets_exit_now())
			break;
		if (signal_child) {
			signal_child = 0;
			if (waitpid(child, &e->status, WNOHANG) == child) {
				e->ended = e->known = true;
				break;
			}
		}
	}
	/* Whatever the command and its children wrote before it ended, or
	 * before the stop signal, is queued now. From here on a write to
	 * the command's sockets (a background process that goes on) fails
	 * with EPIPE rather than land in a queue nobody reads; what is
	 * queued, ahead of the marker, is handed on. */
	sockets_hang_up(sk);
	collector_drain(c);
	e->signal = signal_stop;
	collector_free(c);
}
