/*
 * bench-dgram-floor: the cost floor of dtee's design, for scripts/bench.
 *
 *   bench-dgram-floor [-v] [--] COMMAND [ARGS...]
 *
 * Sets up the sockets the way dtee does (a receiving AF_UNIX SOCK_DGRAM
 * socket bound in a private directory; a stdout and a stderr socket, each
 * bound, connected to it and shut for reading; the paths removed at once),
 * runs COMMAND with them as its stdout and stderr, and receives every
 * datagram in recvmmsg(2) batches, looks at the sender address and throws
 * the data away.  No files, no pass-through, no preload library: what is
 * left is the price of the datagrams themselves.
 *
 * The child's end is seen through a pidfd; the queue is then drained.
 * -v prints the bytes and datagrams received per stream to stderr.
 * The exit status is COMMAND's (128+N if killed by signal N); 125-127 for
 * failures of this program.  Linux only (recvmmsg, pidfd_open).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_PROG "bench-dgram-floor"
#define TEST_DIE_STATUS 125
#include "test.h"

#define BATCH 64

static const char *prog = TEST_PROG;

static socklen_t make_addr(struct sockaddr_un *sa, const char *dir, const char *name)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if ((size_t)snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", dir, name)
	    >= sizeof(sa->sun_path)) {
		errno = ENAMETOOLONG;
		die("socket path");
	}
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sa->sun_path) + 1);
}

static int bound_socket(const struct sockaddr_un *sa, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	if (bind(fd, (const struct sockaddr *)sa, len) != 0)
		die("bind");
	return fd;
}

struct stream_count {
	uint64_t bytes, datagrams;
};

/* receive_batch: one recvmmsg call; returns 0 when the queue was empty. */
static int receive_batch(int fd, struct mmsghdr *msgs, const struct sockaddr_un *out_addr,
			 struct stream_count count[3], int flags)
{
	for (int i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_un);
		msgs[i].msg_hdr.msg_flags = 0;
	}
	int n = recvmmsg(fd, msgs, BATCH, flags, NULL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		die("recvmmsg");
	}
	for (int i = 0; i < n; i++) {
		const struct sockaddr_un *from = msgs[i].msg_hdr.msg_name;
		int s;

		if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
			errno = EMSGSIZE;
			die("datagram truncated");
		}
		/* The sender address says the stream, as in dtee. */
		if (strcmp(from->sun_path, out_addr[0].sun_path) == 0)
			s = 0;
		else if (strcmp(from->sun_path, out_addr[1].sun_path) == 0)
			s = 1;
		else
			s = 2;	/* a stranger: ignored */
		count[s].bytes += msgs[i].msg_len;
		count[s].datagrams++;
	}
	return n;
}

int main(int argc, char **argv)
{
	int verbose = 0, opt;

	while ((opt = getopt(argc, argv, "+v")) != -1) {
		if (opt == 'v')
			verbose = 1;
		else {
			fprintf(stderr, "usage: %s [-v] [--] COMMAND [ARGS...]\n", prog);
			return 125;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: %s [-v] [--] COMMAND [ARGS...]\n", prog);
		return 125;
	}

	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX];
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/bench-floor.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");

	struct sockaddr_un in_addr, out_addr[2];
	socklen_t in_len = make_addr(&in_addr, dir, "in");
	socklen_t out_len[2] = { make_addr(&out_addr[0], dir, "out"),
				 make_addr(&out_addr[1], dir, "err") };
	int in = bound_socket(&in_addr, in_len), out[2];
	for (int s = 0; s < 2; s++) {
		out[s] = bound_socket(&out_addr[s], out_len[s]);
		if (connect(out[s], (struct sockaddr *)&in_addr, in_len) != 0)
			die("connect");
		if (shutdown(out[s], SHUT_RD) != 0)
			die("shutdown");
	}
	unlink(in_addr.sun_path);
	unlink(out_addr[0].sun_path);
	unlink(out_addr[1].sun_path);
	rmdir(dir);

	/* A datagram can be at most about the sender's SO_SNDBUF. */
	int sndbuf = 0;
	socklen_t optlen = sizeof(sndbuf);
	if (getsockopt(out[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, &optlen) != 0)
		die("getsockopt");
	size_t bufsize = (size_t)sndbuf + 1;

	static struct mmsghdr msgs[BATCH];
	static struct iovec iov[BATCH];
	static struct sockaddr_un from[BATCH];
	char *space = malloc(bufsize * BATCH);
	if (space == NULL)
		die("malloc");
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = space + (size_t)i * bufsize;
		iov[i].iov_len = bufsize;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &from[i];
	}

	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (dup2(out[0], 1) < 0 || dup2(out[1], 2) < 0)
			_exit(125);
		execvp(argv[optind], argv + optind);
		int err = errno;
		dprintf(out[1], "%s: %s: %s\n", prog, argv[optind], strerror(err));
		_exit(err == ENOENT ? 127 : 126);
	}
	close(out[0]);
	close(out[1]);

	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		die("pidfd_open");

	struct stream_count count[3];
	memset(count, 0, sizeof(count));
	struct pollfd pfd[2] = { { .fd = in, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (pfd[0].revents & POLLIN)
			while (receive_batch(in, msgs, out_addr, count, MSG_DONTWAIT) == BATCH)
				;
		if (pfd[1].revents & POLLIN)
			break;
	}

	int status;
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	while (receive_batch(in, msgs, out_addr, count, MSG_DONTWAIT) > 0)
		;

	if (verbose)
		fprintf(stderr, "%s: stdout %llu bytes in %llu datagrams, stderr %llu bytes in %llu datagrams\n",
			prog, (unsigned long long)count[0].bytes, (unsigned long long)count[0].datagrams,
			(unsigned long long)count[1].bytes, (unsigned long long)count[1].datagrams);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
