/*
 * seccomp-line PIDFILE: one line made of two writes to fd 1, as a static
 * program makes it: 13 bytes, then 300 KiB of 'x' and the newline in one
 * write(), which is above the seccomp filter's limit, so dtee relays it.
 * Its pid goes to PIDFILE first. Built static (seccomp-line-static), as
 * every seccomp-* helper, so only the supervisor can split the write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LONG_PART (300 * 1024)

static void write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(1, p, n);
		if (w < 0) {
			perror("seccomp-line: write");
			exit(1);
		}
		p += w;
		n -= (size_t)w;
	}
}

int main(int argc, char **argv)
{
	static char line[LONG_PART + 1];
	FILE *f;

	if (argc != 2 || !(f = fopen(argv[1], "w"))) {
		fprintf(stderr, "usage: seccomp-line PIDFILE\n");
		return 2;
	}
	fprintf(f, "%d\n", (int)getpid());
	if (fclose(f) != 0)
		return 1;
	memset(line, 'x', LONG_PART);
	line[LONG_PART] = '\n';
	write_all("head of line ", 13);
	write_all(line, sizeof line);
	return 0;
}
