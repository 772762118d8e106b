/*
 * bench-writer: the program that scripts/bench runs under every command.
 *
 *   bench-writer [-t TOTAL | -n COUNT] [-w SIZE] [-p out|err|alt] [-1] [-N]
 *
 * Writes TOTAL bytes (or COUNT writes) in write(2) calls of SIZE bytes to
 * stdout, stderr, or alternating between the two (first write to stdout).
 * -1 makes the whole TOTAL a single write() call (SIZE is ignored).
 * -N writes no newline at all: everything is one line.
 * Sizes take a binary suffix: K, M or G.  Defaults: -t 1M -w 4K -p out.
 *
 * Every write is checked: a short count is completed by further calls, and
 * any error ends the program with status 1 and a message on stderr, so a
 * benchmark never times lost data.  Each write starts with a stamp (the
 * stream letter and the write's sequence number in hex) and ends with a
 * newline when it is at least 16 bytes long, so a combined file produced by
 * two different commands is identical only if the order was kept.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STAMP_LEN 16

enum pattern { PAT_OUT, PAT_ERR, PAT_ALT };

static const char *prog = "bench-writer";

static void die(const char *what, int err)
{
	/* stderr may be the stream being measured; say it anyway. */
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: %s [-t TOTAL | -n COUNT] [-w SIZE] [-p out|err|alt] [-1] [-N]\n", prog);
	exit(2);
}

/* parse_size: "16", "4K", "200M", "1G" -> bytes; 0 on a malformed value. */
static uint64_t parse_size(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return 0;
	switch (*end) {
	case 'G': case 'g': v <<= 10; /* fall through */
	case 'M': case 'm': v <<= 10; /* fall through */
	case 'K': case 'k': v <<= 10; end++; break;
	case '\0': break;
	default: return 0;
	}
	if (*end != '\0')
		return 0;
	return v;
}

/* fill: text lines of hex digits, so the files are readable when diffed. */
static void fill(char *buf, size_t len, char stream, int newlines)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++)
		buf[i] = (newlines && i % 64 == 63) ? '\n' : digits[i % 16];
	if (len > 0)
		buf[0] = stream;
	if (len > 0 && newlines)
		buf[len - 1] = '\n';
}

/* stamp: write the sequence number into bytes 1..14 of a write. */
static void stamp(char *buf, size_t len, uint64_t seq)
{
	static const char digits[] = "0123456789abcdef";

	if (len < STAMP_LEN)
		return;
	for (int i = 14; i >= 1; i--) {
		buf[i] = digits[seq & 0xf];
		seq >>= 4;
	}
}

/* write_all: the full-write loop; retries on EINTR and short counts. */
static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die(fd == 1 ? "stdout: write" : "stderr: write", errno);
		}
		if (n == 0)
			die(fd == 1 ? "stdout: write" : "stderr: write", EIO);
		buf += n;
		len -= (size_t)n;
	}
}

int main(int argc, char **argv)
{
	uint64_t total = 1 << 20, count = 0, wsize = 4096;
	enum pattern pat = PAT_OUT;
	int single = 0, newlines = 1, opt;

	while ((opt = getopt(argc, argv, "t:n:w:p:1Nh")) != -1) {
		switch (opt) {
		case 't':
			if ((total = parse_size(optarg)) == 0)
				usage();
			break;
		case 'n':
			if ((count = parse_size(optarg)) == 0)
				usage();
			break;
		case 'w':
			if ((wsize = parse_size(optarg)) == 0)
				usage();
			break;
		case 'p':
			if (strcmp(optarg, "out") == 0)
				pat = PAT_OUT;
			else if (strcmp(optarg, "err") == 0)
				pat = PAT_ERR;
			else if (strcmp(optarg, "alt") == 0)
				pat = PAT_ALT;
			else
				usage();
			break;
		case '1':
			single = 1;
			break;
		case 'N':
			newlines = 0;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (count != 0)
		total = count * wsize;
	if (single)
		wsize = total;
	if ((uint64_t)(size_t)wsize != wsize)
		die("write size", EOVERFLOW);

	/* One buffer per stream used, so the stamp is the only per-write work. */
	char *buf[2] = { NULL, NULL };
	for (int s = 0; s < 2; s++) {
		if ((s == 0 && pat == PAT_ERR) || (s == 1 && pat == PAT_OUT))
			continue;
		buf[s] = malloc(wsize);
		if (buf[s] == NULL)
			die("malloc", errno);
		fill(buf[s], wsize, s == 0 ? 'o' : 'e', newlines);
	}

	uint64_t seq = 0;
	for (uint64_t done = 0; done < total; seq++) {
		size_t len = total - done < wsize ? (size_t)(total - done) : (size_t)wsize;
		int s = pat == PAT_OUT ? 0 : pat == PAT_ERR ? 1 : (int)(seq & 1);

		stamp(buf[s], len, seq);
		write_all(s + 1, buf[s], len);
		done += len;
	}
	return 0;
}
