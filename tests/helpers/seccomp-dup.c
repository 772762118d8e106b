/*
 * seccomp-dup: does a write that dtee was relaying when it died arrive
 * once, and no more than the writer was told?
 *
 *   seccomp-dup READY GO RESULT SIZE
 *       A datagram socket pair of the program's own (1 MiB send buffer
 *       asked: SIZE, with K or M suffix, must be more than the kernel
 *       takes as one datagram), one end on fd 1. A reader process waits
 *       for the first datagram, writes "ready" to the fifo READY, reads
 *       nothing more until a line comes on the fifo GO, then reads
 *       everything. The writer makes one write() of SIZE bytes to fd 1.
 *       Once it returns, the reader drains the socket and writes
 *       "received R written W" to the file RESULT (W: what write()
 *       returned, -1 on error).
 *
 * Built static too (seccomp-dup-static): libdtee.so cannot reach it, so
 * the write is the supervisor's to serve.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define SEND_BUFFER (1 << 20)

static void die(const char *what)
{
	fprintf(stderr, "seccomp-dup: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void say_ready(const char *path)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, "ready\n", 6) != 6)
		die("ready");
	close(fd);
}

static void wait_for_go(const char *path)
{
	char b;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || read(fd, &b, 1) != 1)
		die("go");
	close(fd);
}

/* Everything queued on sock now; its byte count. */
static size_t drain(int sock, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t k;

	while ((k = recv(sock, buf, size, MSG_DONTWAIT)) > 0)
		got += (size_t)k;
	return got;
}

static void reader(int sock, int report, char *buf, size_t size, char **paths)
{
	struct pollfd p[2] = { { sock, POLLIN, 0 }, { report, POLLIN, 0 } };
	char line[64] = "";
	size_t got = 0;
	FILE *f;

	if (poll(p, 1, -1) < 0)
		die("poll");
	say_ready(paths[0]);
	wait_for_go(paths[1]);
	/* Read while the writer writes, until it says what write() gave. */
	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			die("poll");
		if (p[0].revents & POLLIN)
			got += drain(sock, buf, size);
		if (p[1].revents & (POLLIN | POLLHUP)) {
			if (read(report, line, sizeof line - 1) < 0)
				die("read report");
			break;
		}
	}
	got += drain(sock, buf, size);
	if (!(f = fopen(paths[2], "w")))
		die(paths[2]);
	fprintf(f, "received %zu written %s", got, line[0] ? line : "none\n");
	fclose(f);
}

int main(int argc, char **argv)
{
	int sv[2], report[2], big = SEND_BUFFER;
	size_t size;
	char *end, *buf;
	ssize_t w;
	pid_t pid;

	if (argc != 5) {
		fprintf(stderr, "usage: seccomp-dup READY GO RESULT SIZE\n");
		return 2;
	}
	size = strtoul(argv[4], &end, 10);
	size <<= *end == 'M' ? 20 : *end == 'K' ? 10 : 0;
	if (!(buf = calloc(1, size)))
		die("calloc");
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0 || pipe(report) < 0 ||
	    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof big) < 0)
		die("socketpair");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(sv[0]);
		close(report[1]);
		reader(sv[1], report[0], buf, size, argv + 1);
		return 0;
	}
	close(sv[1]);
	close(report[0]);
	if (dup2(sv[0], 1) < 0)
		die("dup2");
	w = write(1, buf, size);
	dprintf(report[1], "%zd\n", w);
	close(report[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return 0;
}
