/*
 * preload-dgram-run: a minimal stand-in for dtee's socket layout, for the
 * libdtee.so tests only ("works under any launcher whose stdout is a datagram
 * socket").  It is not dtee: no options beyond the ones below, no security.
 *
 *   preload-dgram-run [-c FILE] [-s SNDBUF] [-n] COMMAND [ARGS...]
 *
 * One input socket and two output sockets, all AF_UNIX SOCK_DGRAM bound to
 * autobound abstract addresses; the outputs are connected to the input, shut
 * down for reading and given to COMMAND as fd 1 and fd 2.  Datagrams from
 * the stdout socket are written to our stdout, those from the stderr socket
 * to our stderr, and all of them to FILE (-c) in arrival order.  -s sets
 * SO_SNDBUF on the output sockets (default: 4 MiB, capped by wmem_max as
 * dtee does); -n leaves the default.  A truncated datagram is an error.
 * Exit status: COMMAND's (128+N if killed by signal N), 70 on our errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_PROG "preload-dgram-run"
#define TEST_DIE_STATUS 70
#include "test.h"

#define MAX_DGRAM (16u << 20)

static int autobound_socket(struct sockaddr_un *addr, socklen_t *len)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	sa_family_t fam = AF_UNIX;

	if (fd < 0)
		die("socket");
	/* Binding only the family autobinds an abstract address. */
	if (bind(fd, (struct sockaddr *)&fam, sizeof(fam)) != 0)
		die("bind");
	*len = sizeof(*addr);
	if (getsockname(fd, (struct sockaddr *)addr, len) != 0)
		die("getsockname");
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_un in_addr, out_addr[2], from;
	socklen_t in_len, out_len[2], from_len;
	int in_fd, out_fd[2], comb = -1, sndbuf = 4 << 20, opt, status, done = 0;
	char *buf;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+c:s:n")) != -1) {
		switch (opt) {
		case 'c':
			comb = open(optarg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
			if (comb < 0)
				die(optarg);
			break;
		case 's': sndbuf = atoi(optarg); break;
		case 'n': sndbuf = 0; break;
		default: return 64;
		}
	}
	if (optind >= argc)
		return 64;

	in_fd = autobound_socket(&in_addr, &in_len);
	opt = 32 << 20;
	setsockopt(in_fd, SOL_SOCKET, SO_RCVBUF, &opt, sizeof(opt));
	for (int i = 0; i < 2; i++) {
		out_fd[i] = autobound_socket(&out_addr[i], &out_len[i]);
		if (connect(out_fd[i], (struct sockaddr *)&in_addr, in_len) != 0)
			die("connect");
		if (shutdown(out_fd[i], SHUT_RD) != 0)
			die("shutdown");
		if (sndbuf > 0 && setsockopt(out_fd[i], SOL_SOCKET, SO_SNDBUF,
					     &sndbuf, sizeof(sndbuf)) != 0)
			die("SO_SNDBUF");
	}
	buf = malloc(MAX_DGRAM);
	if (buf == NULL)
		die("malloc");

	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (dup2(out_fd[0], 1) < 0 || dup2(out_fd[1], 2) < 0)
			_exit(70);
		execvp(argv[optind], argv + optind);
		_exit(66);
	}
	close(out_fd[0]);
	close(out_fd[1]);

	for (;;) {
		struct pollfd p = { .fd = in_fd, .events = POLLIN };
		ssize_t n;

		if (!done && waitpid(pid, &status, WNOHANG) == pid)
			done = 1;
		if (!done && poll(&p, 1, 20) < 0 && errno != EINTR)
			die("poll");
		from_len = sizeof(from);
		n = recvfrom(in_fd, buf, MAX_DGRAM, MSG_DONTWAIT | MSG_TRUNC,
			     (struct sockaddr *)&from, &from_len);
		if (n < 0) {
			if (errno == EAGAIN && done)
				break;
			if (errno == EAGAIN || errno == EINTR)
				continue;
			die("recvfrom");
		}
		if ((size_t)n > MAX_DGRAM) {
			errno = EMSGSIZE;
			die("datagram truncated");
		}
		for (int i = 0; i < 2; i++) {
			if (from_len == out_len[i] &&
			    memcmp(&from, &out_addr[i], from_len) == 0) {
				write_all(i + 1, buf, (size_t)n);
				if (comb >= 0)
					write_all(comb, buf, (size_t)n);
			}
		}
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
