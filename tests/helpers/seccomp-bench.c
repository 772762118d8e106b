/*
 * seccomp-bench: the writer that scripts/bench-seccomp times.
 *
 *   seccomp-bench write|writev COUNT SIZE
 *
 * Makes COUNT write() calls (or writev() calls of two halves) of SIZE bytes
 * each to stdout. A failed or short call ends it with status 1 and a
 * message on stderr, so no benchmark times lost data.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[1], "write") != 0 && strcmp(argv[1], "writev") != 0)) {
		fprintf(stderr, "usage: seccomp-bench write|writev COUNT SIZE\n");
		return 2;
	}
	int vec = strcmp(argv[1], "writev") == 0;
	long count = atol(argv[2]);
	size_t size = (size_t)atol(argv[3]);
	char *buf = malloc(size ? size : 1);

	if (!buf)
		return 1;
	memset(buf, 'x', size);
	if (size > 0)
		buf[size - 1] = '\n';
	for (long i = 0; i < count; i++) {
		struct iovec iov[2] = { { buf, size / 2 }, { buf + size / 2, size - size / 2 } };
		ssize_t n = vec ? writev(1, iov, 2) : write(1, buf, size);
		if (n != (ssize_t)size) {
			fprintf(stderr, "seccomp-bench: %s: %s\n", argv[1], n < 0 ? strerror(errno) : "short write");
			return 1;
		}
	}
	free(buf);
	return 0;
}
