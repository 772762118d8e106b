/* logsock.c: sending datagrams to a system log receiver, with bounded
 * retries (see logsock.h). Linux: sendmmsg(), and poll() on a connected
 * unix datagram socket, which waits for room in the receiver's queue. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dtee.h"
#include "logsock.h"
#include "outlet.h"

static long ms_until(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (t->tv_sec - now.tv_sec) * 1000 + (t->tv_nsec - now.tv_nsec) / 1000000;
}

static struct timespec ms_from_now(long ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += ms % 1000 * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

/* A new non-blocking datagram socket connected to s->path, or -1. Its send
 * buffer is left as it is (net.core.wmem_default): what does not fit goes
 * another way (the journal's memfd) rather than pin megabytes of socket
 * memory. */
static int dial(struct logsock *s)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(s->path) >= sizeof a.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(a.sun_path, s->path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int logsock_open(struct logsock *s, const char *name, const char *path)
{
	*s = (struct logsock){ .name = name, .path = path };
	s->fd = dial(s);
	if (s->fd < 0) {
		msg("%s: %s: %s", name, path, strerror(errno));
		return -1;
	}
	return 0;
}

size_t logsock_max_dgram(const struct logsock *s)
{
	int sndbuf = 0;
	socklen_t len = sizeof sndbuf;

	/* The kernel refuses a datagram longer than the send buffer less
	 * 32 bytes; keep well clear of that. */
	if (s->fd < 0 || getsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) < 0 ||
	    sndbuf < 8192)
		return 0;
	return (size_t)sndbuf - 4096;
}

void logsock_lose(struct logsock *s, unsigned long n, int why)
{
	if (n == 0)
		return;
	if (s->lost == 0) {
		s->err = why;
		outlets_note_loss();	/* exit 74, and cron mode replays */
	}
	s->lost += n;
}

/* Wait up to ms for the receiver's queue to have room, or, when it is gone,
 * a little for it to come back. */
static void wait_for(const struct logsock *s, long ms)
{
	struct pollfd p = { .fd = s->fd, .events = POLLOUT };

	if (s->fd < 0)
		(void)poll(NULL, 0, ms < 50 ? (int)ms : 50);
	else
		(void)poll(&p, 1, (int)ms);
}

/* Connect again after the receiver went away: at once while retrying, at
 * most every LOGSOCK_RECONNECT_MS while down. Returns 0 or an errno. */
static int reconnect(struct logsock *s)
{
	if (s->down && ms_until(&s->next_connect) > 0)
		return ENOTCONN;
	s->fd = dial(s);
	if (s->fd >= 0)
		return 0;
	s->next_connect = ms_from_now(LOGSOCK_RECONNECT_MS);
	return errno;
}

static bool receiver_gone(int e)
{
	return e == ECONNREFUSED || e == ENOTCONN || e == ECONNRESET || e == ENOENT ||
	       e == EPIPE || e == EDESTADDRREQ;
}

/* One try at m[0..n): how many went, or -1 with the errno in *e. */
static int try_send(struct logsock *s, struct mmsghdr *m, unsigned n, int *e)
{
	int r;

	if (s->fd < 0 && (*e = reconnect(s)) != 0)
		return -1;
	r = sendmmsg(s->fd, m, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (r > 0)
		return r;
	*e = r < 0 ? errno : EAGAIN;
	if (receiver_gone(*e)) {
		close(s->fd);
		s->fd = -1;
	}
	return -1;
}

void logsock_send(struct logsock *s, struct mmsghdr *m, unsigned n)
{
	struct timespec deadline = ms_from_now(LOGSOCK_STALL_MS);
	unsigned i = 0;
	int e = 0;

	while (i < n) {
		bool was_connected = s->fd >= 0;
		int r = try_send(s, m + i, n - i, &e);
		long left;

		if (r > 0) {
			i += (unsigned)r;
			s->down = false;
			deadline = ms_from_now(LOGSOCK_STALL_MS);
			continue;
		}
		if (e == EINTR)
			continue;
		if (e != EAGAIN && e != ENOBUFS && !receiver_gone(e)) {
			logsock_lose(s, 1, e);	/* this one message is refused */
			i++;
			continue;
		}
		left = s->down ? 0 : ms_until(&deadline);
		if (left <= 0) {
			s->down = true;
			break;
		}
		/* Just lost the receiver: it may be back already (a restart). */
		if (!(was_connected && s->fd < 0))
			wait_for(s, left);
	}
	logsock_lose(s, n - i, e);
}

void logsock_report(struct logsock *s)
{
	if (s->lost > 0)
		msg("%s: %lu line%s not delivered: %s", s->name, s->lost, s->lost == 1 ? "" : "s",
		    strerror(s->err));
	s->lost = 0;
}

void logsock_close(struct logsock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}
