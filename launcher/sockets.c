/* sockets.c: one bound input socket and three senders connected to it, in a
 * private directory that is gone before the command starts. The kernel keeps
 * each socket's name after the path is unlinked, so the sender's address
 * still tells the streams apart, and nobody can reach the input any more. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dtee.h"
#include "sockets.h"

/* The names inside the directory, indexed by enum source ("i" is the input). */
static const char *const names[4] = { "i", "o", "e", "c" };

/* mkdtemp under base, if "base/dtee.XXXXXX/x" fits in a socket path. */
static int make_dir(const char *base, char *dir, size_t size)
{
	struct sockaddr_un a;
	int n = snprintf(dir, size, "%s/dtee.XXXXXX", base);

	if (n < 0 || (size_t)n + 3 > sizeof a.sun_path || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return mkdtemp(dir) ? 0 : -1;
}

static int set_path(struct sockaddr_un *a, socklen_t *len, const char *dir, const char *name)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	int n = snprintf(a->sun_path, sizeof a->sun_path, "%s/%s", dir, name);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
	return 0;
}

/* Ask for the largest buffer an unprivileged process may have: the kernel
 * clamps the request to net.core.[wr]mem_max (SO_*BUFFORCE is not used, on
 * purpose: the limits are the administrator's). */
static void grow_buffer(int fd, int opt)
{
	int want = INT_MAX / 2;

	(void)setsockopt(fd, SOL_SOCKET, opt, &want, sizeof want);
}

static int bound_socket(const struct sockaddr_un *a, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (const struct sockaddr *)a, len) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int sender(struct sockets *s, enum source src)
{
	int fd = bound_socket(&s->addr[src], s->addr_len[src]);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&s->addr[0], s->addr_len[0]) < 0 ||
	    shutdown(fd, SHUT_RD) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	grow_buffer(fd, SO_SNDBUF);
	return fd;
}

static void remove_names(const struct sockets *s, const char *dir)
{
	for (int i = 0; i < 4; i++)
		(void)unlink(s->addr[i].sun_path);
	(void)rmdir(dir);
}

int sockets_create(struct sockets *s)
{
	const char *tmpdir = getenv("TMPDIR");
	char dir[PATH_MAX];
	int sndbuf = 0;
	socklen_t optlen = sizeof sndbuf;

	*s = (struct sockets){ .in = -1, .out = -1, .err = -1, .ctl = -1 };
	if (!(tmpdir && *tmpdir && make_dir(tmpdir, dir, sizeof dir) == 0) &&
	    make_dir("/tmp", dir, sizeof dir) < 0) {
		msg("cannot create a directory for sockets in %s: %s",
		    tmpdir && *tmpdir ? "TMPDIR or /tmp" : "/tmp", strerror(errno));
		return -1;
	}
	for (int i = 0; i < 4; i++)
		set_path(&s->addr[i], &s->addr_len[i], dir, names[i]);

	const char *what = "socket";
	s->in = bound_socket(&s->addr[0], s->addr_len[0]);
	if (s->in >= 0) {
		grow_buffer(s->in, SO_RCVBUF);
		s->out = sender(s, SOURCE_OUT);
	}
	if (s->out >= 0)
		s->err = sender(s, SOURCE_ERR);
	if (s->err >= 0)
		s->ctl = sender(s, SOURCE_CTL);
	if (s->ctl >= 0 && fcntl(s->ctl, F_SETFL, O_NONBLOCK) < 0)
		what = "fcntl", s->ctl = (close(s->ctl), -1);
	if (s->ctl >= 0 && getsockopt(s->out, SOL_SOCKET, SO_SNDBUF, &sndbuf, &optlen) < 0)
		what = "getsockopt", s->ctl = (close(s->ctl), -1);

	int e = errno;
	remove_names(s, dir);
	if (s->ctl < 0) {
		msg("%s: %s", what, strerror(e));
		if (s->in >= 0) close(s->in);
		if (s->out >= 0) close(s->out);
		if (s->err >= 0) close(s->err);
		return -1;
	}
	/* A datagram is charged to the sender's buffer with some overhead, so
	 * no datagram that out or err accepts is larger than its buffer. */
	s->max_dgram = (size_t)sndbuf;
	return 0;
}
