/* collector.c: one receive queue, one order.
 *
 * The loop blocks in recvmmsg() alone: signal handlers wake it by sending an
 * empty datagram on the control socket (signals.c), so there is no poll()
 * per batch. A batch of datagrams is copied to every sink that wants it with
 * one writev() per sink, except where dtee's own stdout and stderr are one
 * file and the two streams alternate: there each run of one stream is a
 * write of its own, as the order must be kept. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "attach.h"
#include "collector.h"
#include "signals.h"

#ifndef KCMP_FILE
#define KCMP_FILE 0
#endif

/* More than the receive queue can hold (net.unix.max_dgram_qlen, 10 by
 * default), so one call takes everything that is waiting. */
#define NSLOTS 32
/* Each slot can take the largest datagram; pages beyond this many bytes are
 * given back after use, so memory stays small after a huge datagram. */
#define KEEP_RESIDENT (256 * 1024)
/* The end marker: a one-byte datagram on the control socket. */
#define END_MARKER 'E'

/* How dtee's own stdout and stderr must be written. */
enum pass {
	PASS_RUNS,	/* one object, two descriptions, or a pipe/socket: in order, run by run */
	PASS_SHARED,	/* one open file description (2>&1): everything to fd 1 */
	PASS_APART,	/* two different files or devices, or one is /dev/null: order
			 * between them cannot be seen */
};

struct collector {
	const struct sockets *sk;
	struct sinks *sinks;
	struct cron *cron;
	enum pass pass;
	unsigned nslots;
	size_t page;
	size_t slot_size;	/* the largest datagram, in whole pages */
	size_t stride;		/* from one slot to the next */
	char *arena;
	unsigned vlen;		/* slots offered to the next receive */
	unsigned queue_max;	/* datagrams the queue can hold at once */
	bool end_seen;
	struct mmsghdr msgs[NSLOTS];
	struct iovec slot_iov[NSLOTS];
	struct sockaddr_un addrs[NSLOTS];
	/* The current batch: command data only, in arrival order. */
	int n;
	struct iovec data[NSLOTS];
	unsigned char stream[NSLOTS];
	struct iovec scratch[NSLOTS];
};

static bool is_pipe_like(const struct stat *st)
{
	return S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode);
}

static enum pass choose_pass(const struct sinks *s, bool cron)
{
	struct stat o, e;
	pid_t self = getpid();

	if (cron)
		return PASS_RUNS;
	if (s->out.null || s->err.null)
		return PASS_APART;
	if (fstat(s->out.fd, &o) < 0 || fstat(s->err.fd, &e) < 0)
		return PASS_RUNS;
	if (o.st_dev == e.st_dev && o.st_ino == e.st_ino)
		return syscall(SYS_kcmp, self, self, KCMP_FILE, s->out.fd, s->err.fd) == 0 ? PASS_SHARED : PASS_RUNS;
	/* A reader of two pipes or sockets may merge them: keep the order. */
	return is_pipe_like(&o) || is_pipe_like(&e) ? PASS_RUNS : PASS_APART;
}

static void setup_buffers(struct collector *c)
{
	size_t page = c->page = (size_t)sysconf(_SC_PAGESIZE);

	c->slot_size = (c->sk->max_dgram + page - 1) / page * page;
	/* One page more than a slot, so that the slots' first pages, where
	 * small datagrams land, do not all fall into the same cache sets. */
	c->stride = c->slot_size + page;
	/* Address space only: pages are touched by what arrives. */
	for (c->nslots = NSLOTS; c->nslots > 0; c->nslots /= 2) {
		c->arena = mmap(NULL, c->nslots * c->stride, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (c->arena != MAP_FAILED)
			break;
	}
	if (c->nslots == 0) {
		msg("cannot allocate a receive buffer: %s", strerror(errno));
		exit(EX_OSERR);
	}
	c->vlen = 1;	/* until the first batch shows the datagrams are small */
	for (unsigned i = 0; i < c->nslots; i++) {
		c->slot_iov[i] = (struct iovec){ c->arena + i * c->stride, c->slot_size };
		c->msgs[i].msg_hdr = (struct msghdr){
			.msg_name = &c->addrs[i],
			.msg_namelen = sizeof c->addrs[i],
			.msg_iov = &c->slot_iov[i],
			.msg_iovlen = 1,
		};
	}
}

/* Gather the batch's data of the wanted streams into scratch. */
static int gather(struct collector *c, unsigned streams)
{
	int k = 0;

	for (int j = 0; j < c->n; j++)
		if (c->stream[j] & streams)
			c->scratch[k++] = c->data[j];
	return k;
}

static void write_out(struct collector *c, struct iovec *iov, int cnt)
{
	if (c->cron->enabled)
		cron_out(c->cron, c->sinks, iov, cnt);
	else
		sink_write(c->sinks, &c->sinks->out, iov, cnt);
}

static void write_err(struct collector *c, struct iovec *iov, int cnt)
{
	if (c->cron->enabled)
		cron_go_live(c->cron, c->sinks);
	sink_write(c->sinks, &c->sinks->err, iov, cnt);
}

static void pass_through(struct collector *c)
{
	int k;

	switch (c->pass) {
	case PASS_SHARED:
		k = gather(c, STREAM_BOTH);
		sink_write(c->sinks, &c->sinks->out, c->scratch, k);
		return;
	case PASS_APART:
		if ((k = gather(c, STREAM_OUT)) > 0)
			write_out(c, c->scratch, k);
		if ((k = gather(c, STREAM_ERR)) > 0)
			write_err(c, c->scratch, k);
		return;
	case PASS_RUNS:
		for (int j = 0; j < c->n;) {
			int start = j;
			while (j < c->n && c->stream[j] == c->stream[start])
				j++;
			memcpy(c->scratch, &c->data[start], (size_t)(j - start) * sizeof *c->scratch);
			if (c->stream[start] == STREAM_OUT)
				write_out(c, c->scratch, j - start);
			else
				write_err(c, c->scratch, j - start);
		}
		return;
	}
}

static void output(struct collector *c)
{
	/* Files first: they keep everything received even if a write to a
	 * closed stdout ends dtee with SIGPIPE. */
	for (size_t i = 0; i < c->sinks->nfiles; i++) {
		struct sink *k = &c->sinks->files[i];
		int cnt = gather(c, k->streams);
		if (cnt > 0)
			sink_write(c->sinks, k, c->scratch, cnt);
	}
	pass_through(c);
}

static void truncated(struct collector *c, enum source src, size_t len)
{
	msg("%s: a datagram larger than %zu bytes was cut short; output is incomplete",
	    src == SOURCE_ERR ? "stderr" : "stdout", len);
	c->sinks->write_failed = true;
}

/* After a large datagram, take one at a time, into slot 0, until they are
 * small again: a batch of large ones would touch many slots at once. Slot 0
 * keeps its pages for the next one; the others give back what lies beyond
 * KEEP_RESIDENT. */
static void shrink(struct collector *c, int received)
{
	c->vlen = 1;
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

	c->n = 0;
	for (int i = 0; i < received; i++) {
		struct msghdr *h = &c->msgs[i].msg_hdr;
		size_t len = c->msgs[i].msg_len;
		enum source src = sockets_source(c->sk, &c->addrs[i], h->msg_namelen);

		large |= len > KEEP_RESIDENT;
		h->msg_namelen = sizeof c->addrs[i];
		if (src == SOURCE_CTL) {
			if (len == 1 && *(char *)c->slot_iov[i].iov_base == END_MARKER)
				c->end_seen = true;
			continue;
		}
		if (src == SOURCE_FOREIGN || len == 0)
			continue;
		if (h->msg_flags & MSG_TRUNC)
			truncated(c, src, len);
		c->data[c->n] = (struct iovec){ c->slot_iov[i].iov_base, len };
		c->stream[c->n++] = src == SOURCE_OUT ? STREAM_OUT : STREAM_ERR;
	}
	if (c->n > 0)
		output(c);
	if (large)
		shrink(c, received);
	else
		c->vlen = c->nslots;
}

/* Receive one batch; wait for the first datagram unless told not to. */
static int receive(struct collector *c, bool wait)
{
	int n = recvmmsg(c->sk->in, c->msgs, c->vlen, wait ? MSG_WAITFORONE : MSG_DONTWAIT, NULL);

	if (n >= 0)
		return n;
	if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	msg("recvmmsg: %s", strerror(errno));
	exit(EX_SOFTWARE);
}

/* How many datagrams the receive queue can hold: the kernel makes senders
 * wait beyond net.unix.max_dgram_qlen, though senders racing each other can
 * overshoot it by one each; allow for many. */
static unsigned queue_max(void)
{
	FILE *f = fopen("/proc/sys/net/unix/max_dgram_qlen", "re");
	unsigned qlen = 10;

	if (f) {
		if (fscanf(f, "%u", &qlen) != 1)
			qlen = 10;
		fclose(f);
	}
	return qlen + 1 + 64;
}

/* Copy everything queued before now: send the end marker behind it and
 * collect up to the marker. While the queue is too full to take the marker,
 * make room; once more datagrams have been taken than the queue could have
 * held, everything that was there has been copied, and what writers keep
 * adding (a background process that never stops) is not waited for. */
static void drain(struct collector *c)
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
			return;		/* the queue was empty: all is copied */
		dispatch(c, n);
		left -= (unsigned)n < left ? (unsigned)n : left;
	}
}

static struct collector *collector_new(const struct sockets *sk, struct sinks *sinks, struct cron *cron)
{
	struct collector *c = calloc(1, sizeof *c);

	if (!c) {
		msg("%s", strerror(errno));
		exit(EX_OSERR);
	}
	c->sk = sk;
	c->sinks = sinks;
	c->cron = cron;
	c->pass = choose_pass(sinks, cron->enabled);
	c->queue_max = queue_max();
	setup_buffers(c);
	return c;
}

static void collector_free(struct collector *c)
{
	munmap(c->arena, c->nslots * c->stride);
	free(c);
}

int collect(const struct sockets *sk, struct sinks *sinks, struct cron *cron, pid_t child)
{
	struct collector *c = collector_new(sk, sinks, cron);
	int status = 0;

	for (;;) {
		dispatch(c, receive(c, true));
		if (signal_stop && cron->enabled) {
			drain(c);
			cron_die(cron, sinks, signal_stop);
		}
		if (signal_child) {
			signal_child = 0;
			if (waitpid(child, &status, WNOHANG) == child)
				break;
		}
	}
	/* Whatever the command and its children wrote before it ended is
	 * queued now, ahead of the marker. */
	drain(c);
	collector_free(c);
	return status;
}

static bool ended(int pidfd)
{
	struct pollfd p = { pidfd, POLLIN, 0 };

	return poll(&p, 1, 0) > 0;
}

int collect_attached(const struct sockets *sk, struct sinks *sinks, struct attach *a)
{
	static struct cron no_cron = { .spool = -1 };
	struct collector *c = collector_new(sk, sinks, &no_cron);
	int rc = 0;

	for (;;) {
		dispatch(c, receive(c, true));
		/* Signalled: the process's own fds go back first, so that all
		 * it wrote to dtee is queued by the time the queue is drained. */
		/* Signalled: with the process held still, all it wrote is
		 * queued; copy it before its own fds come back, so that its
		 * own destination sees the order it wrote in. */
		if (signal_stop) {
			rc = attach_hold(a);
			drain(c);
			if (rc == 0)
				rc = attach_detach(a);
			/* A child it started while attached may still write. */
			drain(c);
			break;
		}
		/* The heir sends SIGCHLD once the process has ended. */
		if (signal_child) {
			signal_child = 0;
			if (ended(attach_pidfd(a))) {
				drain(c);
				break;
			}
		}
	}
	attach_finish(a);
	collector_free(c);
	return rc;
}
