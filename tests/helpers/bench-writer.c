/*
 * bench-writer: the program that scripts/bench runs under every command.
 *
 *   bench-writer [-t TOTAL | -n COUNT] [-w SIZE] [-s SIZE2] [-p out|err|alt]
 *                [-T THREADS] [-1] [-N]
 *
 * Writes TOTAL bytes (or COUNT writes) in write(2) calls of SIZE bytes to
 * stdout, stderr, or alternating between the two (first write to stdout).
 * -s makes every other write SIZE2 bytes long (a mix of sizes).
 * -T shares the writes among THREADS threads writing at once; the order
 * between threads is then the scheduler's, so only sizes can be compared.
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
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEST_PROG "bench-writer"
#include "test.h"

#define STAMP_LEN 16

enum pattern { PAT_OUT, PAT_ERR, PAT_ALT };

static const char *prog = TEST_PROG;

static void usage(void)
{
	fprintf(stderr, "usage: %s [-t TOTAL | -n COUNT] [-w SIZE] [-s SIZE2] [-p out|err|alt] "
		"[-T THREADS] [-1] [-N]\n", prog);
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

/* What every writing thread shares: the next write to make is taken with
 * an atomic counter, so the writes are the same whatever the threads. */
struct plan {
	uint64_t total, wsize, wsize2;
	enum pattern pat;
	char *buf[2];		/* per stream, large enough for either size */
	size_t room;
	int copies;		/* threads stamp copies of buf of their own */
	uint64_t next_seq, next_off;
	pthread_mutex_t lock;	/* hands out (seq, offset) */
};

static size_t size_of(const struct plan *p, uint64_t seq)
{
	return p->wsize2 && (seq & 1) ? (size_t)p->wsize2 : (size_t)p->wsize;
}

/* One write: the next sequence number and its length; 0 when all is done. */
static size_t take(struct plan *p, uint64_t *seq)
{
	size_t len;

	pthread_mutex_lock(&p->lock);
	uint64_t off = p->next_off;
	*seq = p->next_seq;
	len = size_of(p, *seq);
	if (off >= p->total) {
		len = 0;
	} else {
		if (p->total - off < len)
			len = (size_t)(p->total - off);
		p->next_off = off + len;
		p->next_seq = *seq + 1;
	}
	pthread_mutex_unlock(&p->lock);
	return len;
}

static void *writer(void *arg)
{
	struct plan *p = arg;
	uint64_t seq;
	size_t len;
	char *own[2] = { p->buf[0], p->buf[1] };

	for (int s = 0; s < 2 && p->copies; s++) {
		if (!own[s])
			continue;
		if ((own[s] = malloc(p->room)) == NULL)
			die("malloc");
		memcpy(own[s], p->buf[s], p->room);
	}

	while ((len = take(p, &seq)) > 0) {
		int s = p->pat == PAT_OUT ? 0 : p->pat == PAT_ERR ? 1 : (int)(seq & 1);

		stamp(own[s], len, seq);
		write_all(s + 1, own[s], len);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t total = 1 << 20, count = 0, wsize = 4096, wsize2 = 0, threads = 1;
	enum pattern pat = PAT_OUT;
	int single = 0, newlines = 1, opt;

	while ((opt = getopt(argc, argv, "t:n:w:s:p:T:1Nh")) != -1) {
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
		case 's':
			if ((wsize2 = parse_size(optarg)) == 0)
				usage();
			break;
		case 'T':
			if ((threads = parse_size(optarg)) == 0 || threads > 1024)
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
		total = wsize2 ? (count + 1) / 2 * wsize + count / 2 * wsize2 : count * wsize;
	if (single)
		wsize = total;
	if ((uint64_t)(size_t)wsize != wsize) {
		errno = EOVERFLOW;
		die("write size");
	}

	/* One buffer per stream used, so the stamp is the only per-write work. */
	char *buf[2] = { NULL, NULL };
	for (int s = 0; s < 2; s++) {
		if ((s == 0 && pat == PAT_ERR) || (s == 1 && pat == PAT_OUT))
			continue;
		size_t room = wsize2 > wsize ? wsize2 : wsize;
		buf[s] = malloc(room);
		if (buf[s] == NULL)
			die("malloc");
		fill(buf[s], room, s == 0 ? 'o' : 'e', newlines);
	}

	struct plan plan = { .total = total, .wsize = wsize, .wsize2 = wsize2, .pat = pat,
			     .buf = { buf[0], buf[1] }, .room = wsize2 > wsize ? wsize2 : wsize,
			     .copies = threads > 1, .lock = PTHREAD_MUTEX_INITIALIZER };
	if (threads == 1) {
		writer(&plan);
		return 0;
	}
	pthread_t tid[1024];
	for (uint64_t t = 0; t < threads; t++)
		if ((errno = pthread_create(&tid[t], NULL, writer, &plan)) != 0)
			die("pthread_create");
	for (uint64_t t = 0; t < threads; t++)
		pthread_join(tid[t], NULL);
	return 0;
}
