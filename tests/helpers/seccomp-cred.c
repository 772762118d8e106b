/*
 * seccomp-cred: who does a datagram listener see as the sender, when a
 * command under dtee --seccomp puts a socket of its own on fd 1?
 *
 *   seccomp-cred listen NAME READY   bind the abstract address NAME with
 *       SO_PASSCRED, write "ready" to the file READY (a fifo), then print
 *       one line "pid uid gid bytes" per datagram received, until the
 *       datagram "end\n" (not printed). Gives up after 20 s of silence.
 *   seccomp-cred send NAME SIZE      a datagram socket with an 8 MiB send
 *       buffer, connected to NAME and put on fd 1; one write() of SIZE
 *       bytes (K, M suffixes) to fd 1, then "end\n". Says on stderr
 *       "pid P uid U" first and then "write: N" or "write: <strerror>".
 *   seccomp-cred reconnect NAME SIZE the same, but with the socket already
 *       on fd 1 (dtee's own) connected to NAME instead of a new one.
 *
 * Built static too (seccomp-cred-static): libdtee.so cannot reach it, so
 * its large write is the supervisor's to serve.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define LISTEN_TIMEOUT_MS 20000
#define SEND_BUFFER (8 << 20)

static void die(const char *what)
{
	fprintf(stderr, "seccomp-cred: %s: %s\n", what, strerror(errno));
	exit(1);
}

static socklen_t address(const char *name, struct sockaddr_un *a)
{
	size_t len = strlen(name);

	if (len + 1 > sizeof a->sun_path) {
		fprintf(stderr, "seccomp-cred: name too long\n");
		exit(2);
	}
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, name, len);	/* abstract: no file, no mode */
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
}

static int listen_on(const char *name, const char *ready)
{
	struct sockaddr_un a;
	socklen_t alen = address(name, &a);
	int one = 1, fd = socket(AF_UNIX, SOCK_DGRAM, 0), rfd;
	size_t cap = 16 << 20;
	char *buf = malloc(cap);

	if (!buf)
		die("malloc");
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, alen) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
		die("listen");
	if ((rfd = open(ready, O_WRONLY)) < 0 || write(rfd, "ready\n", 6) != 6 || close(rfd) < 0)
		die(ready);
	for (;;) {
		union {
			char b[CMSG_SPACE(sizeof(struct ucred))];
			struct cmsghdr align;
		} u;
		struct iovec iov = { buf, cap };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
				    .msg_controllen = sizeof u.b };
		struct pollfd p = { fd, POLLIN, 0 };
		struct ucred cred = { -1, (uid_t)-1, (gid_t)-1 };
		ssize_t n;

		if (poll(&p, 1, LISTEN_TIMEOUT_MS) == 0) {
			fprintf(stderr, "seccomp-cred: no end after %d ms\n", LISTEN_TIMEOUT_MS);
			return 1;
		}
		if ((n = recvmsg(fd, &m, 0)) < 0) {
			if (errno == EINTR)
				continue;
			die("recvmsg");
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
				memcpy(&cred, CMSG_DATA(c), sizeof cred);
		if (n == 4 && memcmp(buf, "end\n", 4) == 0)
			return 0;
		printf("%d %u %u %zd\n", (int)cred.pid, (unsigned)cred.uid, (unsigned)cred.gid, n);
		fflush(stdout);
	}
}

static int send_to(const char *name, const char *size_arg, int own)
{
	struct sockaddr_un a;
	socklen_t alen = address(name, &a);
	char *end;
	size_t size = strtoul(size_arg, &end, 10);
	int big = SEND_BUFFER, fd = own ? 1 : socket(AF_UNIX, SOCK_DGRAM, 0);
	char *buf;
	ssize_t n;

	size <<= *end == 'M' ? 20 : *end == 'K' ? 10 : 0;
	if (!(buf = malloc(size ? size : 1)))
		die("malloc");
	memset(buf, 'x', size);
	fprintf(stderr, "pid %d uid %u\n", (int)getpid(), (unsigned)getuid());
	if (fd < 0 || (!own && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big) < 0) ||
	    connect(fd, (struct sockaddr *)&a, alen) < 0 || (!own && dup2(fd, 1) < 0))
		die("send");
	n = write(1, buf, size);
	if (n < 0)
		fprintf(stderr, "write: %s\n", strerror(errno));
	else
		fprintf(stderr, "write: %zd\n", n);
	if (write(1, "end\n", 4) != 4)
		die("write end");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "listen") == 0)
		return listen_on(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "send") == 0)
		return send_to(argv[2], argv[3], 0);
	if (argc == 4 && strcmp(argv[1], "reconnect") == 0)
		return send_to(argv[2], argv[3], 1);
	fprintf(stderr, "usage: seccomp-cred listen NAME READY | send|reconnect NAME SIZE\n");
	return 2;
}
