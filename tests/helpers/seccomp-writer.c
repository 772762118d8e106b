/*
 * seccomp-writer: large writes that only the seccomp supervisor can split.
 * Built twice: $(B)/tests/seccomp-writer and, with -static (no libdtee.so
 * can reach it), $(B)/tests/seccomp-writer-static.
 *
 *   seccomp-writer [-s SIZE] [-m OPS] [-a | -A] [-t THREADS -n BLOCKS] [-D] [-v]
 *
 * -m OPS     the large operations, in order, one letter each (default "wvf"):
 *            w write(1), v writev(1), f fwrite(stdout), e write(2),
 *            x writev(2), s sendmsg(1), t sendto(1), m sendmmsg(1) (three
 *            messages: a head, the data in two parts, a tail), p
 *            pwritev2(1) at offset -1, P pwritev2(1) at offset 0 (which
 *            a socket refuses: ESPIPE). Where fd 1 is no socket (the
 *            reference run, to a file) the send calls fall back to
 *            writev(). Before, between and after them small marker lines
 *            go to stdout and stderr alternately, so a combined file shows
 *            whether the order was kept.
 * -s SIZE    bytes per large operation (K, M suffixes; default 1M). The
 *            data is a pseudo-random sequence that differs per operation, so
 *            a byte lost, doubled or moved changes the file's checksum.
 * -a / -A    a signal storm: SIGALRM every millisecond (setitimer) with a
 *            handler installed with SA_RESTART (-a) or without it (-A);
 *            interrupted calls are retried, short writes completed.
 * -t -n      THREADS threads each write BLOCKS blocks of SIZE bytes to
 *            stdout with write(): text lines "tTT bBBBBB ...", so that
 *            `uniq | wc -l` counts THREADS*BLOCKS runs if no block was cut.
 * -D         make the process non-dumpable first (prctl PR_SET_DUMPABLE 0).
 * -v         at the end, say on stderr how many signals arrived.
 * -N         make fds 1 and 2 non-blocking (O_NONBLOCK, as node does):
 *            EAGAIN waits for room with poll(); at the end, say on stderr
 *            "short: N", the number of large writes answered with less
 *            than asked (a supervisor that cut one would let another
 *            writer's data in between).
 * -Q         no marker lines: the large operations only.
 * -b BYTES   first set SO_SNDBUF of fd 1 to BYTES (as a command might).
 * -W FILE    first read FILE to its end (a fifo: wait for the test's go).
 * -R LIST    instead of all else: one call per item of LIST, comma-separated
 *            letter and size ("w1M,v300K": write(1) of 1 MiB, writev(1) of
 *            300 KiB in two parts), each call's outcome ("w1M: Connection
 *            refused" or "w1M: 1048576", and " +SIGPIPE" if the call
 *            raised SIGPIPE, which is caught) on a line of the file given
 *            with -o FILE (stdout may be a dead socket by then).
 *
 * Any failure prints "seccomp-writer: what: strerror" on stderr, exit 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#define TEST_PROG "seccomp-writer"
#include "iov.h"
#include "musl-compat.h"
#include "test.h"

static volatile sig_atomic_t signals_seen;
static int nonblocking, short_writes;
static size_t size = 1 << 20;
static int blocks = 1;
static int quiet;

static size_t parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	switch (*end) {
	case 'M': case 'm': v <<= 10; /* fall through */
	case 'K': case 'k': v <<= 10; break;
	case '\0': break;
	default: fprintf(stderr, "seccomp-writer: bad size %s\n", s); exit(2);
	}
	return (size_t)v;
}

/* A different byte sequence for every operation. */
static void fill(unsigned char *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (unsigned char)x;
	}
}

/* A call failed with errno: retry it (true), or give up. EAGAIN (with -N)
 * first waits for room. */
static int again(void)
{
	if (errno == EAGAIN && nonblocking) {
		struct pollfd p[2] = { { 1, POLLOUT, 0 }, { 2, POLLOUT, 0 } };
		poll(p, 2, -1);
		return 1;
	}
	return errno == EINTR;
}

/* write() until all is written; EINTR (and EAGAIN with -N) retried, short
 * counts counted. */
static void write_counted(int fd, const void *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && again())
			continue;
		if (n < 0)
			die("write");
		if ((size_t)n < len)
			short_writes++;
		p = (const char *)p + n;
		len -= (size_t)n;
	}
}

static void writev_all(int fd, struct iovec *iov, int cnt)
{
	while (cnt > 0) {
		ssize_t n = writev(fd, iov, cnt);
		if (n < 0 && again())
			continue;
		if (n < 0)
			die("writev");
		if ((size_t)n < iov_total(iov, cnt))
			short_writes++;
		while (cnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
}

/* sendmsg() of the whole vector, or writev() where fd is no socket. */
static void sendmsg_all(int fd, struct iovec *iov, int cnt)
{
	while (cnt > 0) {
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)cnt };
		ssize_t n = sendmsg(fd, &m, 0);
		if (n < 0 && errno == ENOTSOCK) {
			writev_all(fd, iov, cnt);
			return;
		}
		if (n < 0 && again())
			continue;
		if (n < 0)
			die("sendmsg");
		if ((size_t)n != iov_total(iov, cnt)) {
			errno = EMSGSIZE;
			die("sendmsg (short)");
		}
		return;
	}
}

static void sendto_all(int fd, const void *p, size_t len)
{
	for (;;) {
		ssize_t n = sendto(fd, p, len, 0, NULL, 0);
		if (n < 0 && errno == ENOTSOCK) {
			write_counted(fd, p, len);
			return;
		}
		if (n < 0 && again())
			continue;
		if (n < 0)
			die("sendto");
		if ((size_t)n != len) {
			errno = EMSGSIZE;
			die("sendto (short)");
		}
		return;
	}
}

/* sendmmsg() of three messages (head, two parts of the data, tail). */
static void sendmmsg_all(int fd, struct iovec *head, struct iovec *data, struct iovec *tail)
{
	struct mmsghdr mm[3] = {
		{ .msg_hdr = { .msg_iov = head, .msg_iovlen = 1 } },
		{ .msg_hdr = { .msg_iov = data, .msg_iovlen = 2 } },
		{ .msg_hdr = { .msg_iov = tail, .msg_iovlen = 1 } },
	};
	int done = 0;

	while (done < 3) {
		int n = sendmmsg(fd, mm + done, (unsigned)(3 - done), 0);
		if (n < 0 && errno == ENOTSOCK) {
			for (; done < 3; done++)
				writev_all(fd, mm[done].msg_hdr.msg_iov, (int)mm[done].msg_hdr.msg_iovlen);
			return;
		}
		if (n < 0 && again())
			continue;
		if (n < 0)
			die("sendmmsg");
		for (int i = done; i < done + n; i++)
			if (mm[i].msg_len != iov_total(mm[i].msg_hdr.msg_iov, (int)mm[i].msg_hdr.msg_iovlen)) {
				errno = EMSGSIZE;
				die("sendmmsg (short)");
			}
		done += n;
	}
}

static void pwritev2_all(int fd, struct iovec *iov, int cnt, off_t at)
{
	while (cnt > 0) {
		ssize_t n = pwritev2(fd, iov, cnt, at, 0);
		if (n < 0 && again())
			continue;
		if (n < 0)
			die("pwritev2");
		while (cnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
}

static void marker(int fd, const char *what, int i)
{
	char line[64];
	int n = snprintf(line, sizeof line, "%s %d on fd %d\n", what, i, fd);

	if (!quiet)
		write_counted(fd, line, (size_t)n);
}

static void large(char op, unsigned char *buf, int i)
{
	/* writev: a small head, the data in three uneven parts, a tail. */
	char head[32], tail[32];
	size_t a = size / 3, b = size / 5;
	int hn = snprintf(head, sizeof head, "<writev %d>", i);
	int tn = snprintf(tail, sizeof tail, "</writev %d>\n", i);
	struct iovec iov[] = {
		{ head, (size_t)hn }, { buf, a }, { buf + a, b }, { NULL, 0 },
		{ buf + a + b, size - a - b }, { tail, (size_t)tn },
	};

	fill(buf, size, (uint64_t)i * 256 + (unsigned char)op);
	switch (op) {
	case 'w': write_counted(1, buf, size); break;
	case 'e': write_counted(2, buf, size); break;
	case 'v': writev_all(1, iov, 6); break;
	case 'x': writev_all(2, iov, 6); break;
	case 's': sendmsg_all(1, iov, 6); break;
	case 't': sendto_all(1, buf, size); break;
	case 'p': pwritev2_all(1, iov, 6, -1); break;
	case 'P': pwritev2_all(1, iov, 6, 0); break;
	case 'm': sendmmsg_all(1, &iov[0], &iov[1], &iov[5]); break;
	case 'f':
		if (fwrite(buf, 1, size, stdout) != size || fflush(stdout) != 0)
			die("fwrite");
		break;
	default:
		fprintf(stderr, "seccomp-writer: unknown operation %c\n", op);
		exit(2);
	}
}

static void *thread_main(void *arg)
{
	int t = (int)(intptr_t)arg;
	char *buf = malloc(size);

	if (!buf)
		die("malloc");
	for (int b = 0; b < blocks; b++) {
		char line[64];
		int n = snprintf(line, sizeof line, "t%02d b%05d ", t, b);
		for (size_t i = 0; i < size; i++)
			buf[i] = i % 64 == 63 ? '\n' : i % 64 < (size_t)n ? line[i % 64] : 'x';
		write_counted(1, buf, size);
	}
	free(buf);
	return NULL;
}

static volatile sig_atomic_t sigpipe_seen;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipe_seen = 1;
}

static void on_alarm(int sig)
{
	(void)sig;
	signals_seen++;
}

static void storm(int restart)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = restart ? SA_RESTART : 0 };
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0 || setitimer(ITIMER_REAL, &it, NULL) < 0)
		die("setitimer");
}

static void wait_for(const char *path)
{
	char c[64];
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		die(path);
	while (read(fd, c, sizeof c) > 0)
		;
	close(fd);
}

/* -R: one call per item, its outcome reported, nothing retried. */
static int report(const char *list, const char *out)
{
	FILE *f = fopen(out, "w");
	char *items = strdup(list), *save = NULL;

	if (!f || !items)
		die(out);
	signal(SIGPIPE, on_sigpipe);
	for (char *it = strtok_r(items, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
		size_t n = parse_size(it + 1);
		char *buf = calloc(1, n ? n : 1);
		struct iovec iov[2] = { { buf, n / 2 }, { buf + n / 2, n - n / 2 } };
		ssize_t r;

		if (!buf)
			die("malloc");
		sigpipe_seen = 0;
		r = it[0] == 'v' ? writev(1, iov, 2) : write(1, buf, n);
		if (r < 0)
			fprintf(f, "%s: %s%s\n", it, strerror(errno), sigpipe_seen ? " +SIGPIPE" : "");
		else
			fprintf(f, "%s: %zd%s\n", it, r, sigpipe_seen ? " +SIGPIPE" : "");
		free(buf);
	}
	free(items);
	return fclose(f) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *ops = "wvf", *list = NULL, *out = NULL;
	int threads = 0, verbose = 0, c;

	while ((c = getopt(argc, argv, "s:m:aAt:n:DvNQb:W:R:o:")) != -1) {
		switch (c) {
		case 's': size = parse_size(optarg); break;
		case 'm': ops = optarg; break;
		case 'a': storm(1); break;
		case 'A': storm(0); break;
		case 't': threads = atoi(optarg); break;
		case 'n': blocks = atoi(optarg); break;
		case 'D': if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) die("prctl"); break;
		case 'v': verbose = 1; break;
		case 'Q': quiet = 1; break;
		case 'N':
			nonblocking = 1;
			if (fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK) < 0 ||
			    fcntl(2, F_SETFL, fcntl(2, F_GETFL) | O_NONBLOCK) < 0)
				die("fcntl");
			break;
		case 'b': {
			int v = (int)parse_size(optarg);
			if (setsockopt(1, SOL_SOCKET, SO_SNDBUF, &v, sizeof v) < 0)
				die("setsockopt");
			break;
		}
		case 'W': wait_for(optarg); break;
		case 'R': list = optarg; break;
		case 'o': out = optarg; break;
		default: return 2;
		}
	}
	if (list)
		return report(list, out ? out : "/dev/stderr");
	if (threads > 0) {
		pthread_t tid[64];
		if (threads > 64)
			threads = 64;
		for (int t = 0; t < threads; t++)
			if ((errno = pthread_create(&tid[t], NULL, thread_main, (void *)(intptr_t)t)) != 0)
				die("pthread_create");
		for (int t = 0; t < threads; t++)
			pthread_join(tid[t], NULL);
		return 0;
	}

	unsigned char *buf = malloc(size ? size : 1);
	if (!buf)
		die("malloc");
	marker(1, "start", 0);
	for (int i = 0; ops[i]; i++) {
		marker(2, "before", i);
		large(ops[i], buf, i);
		marker(1, "after", i);
	}
	marker(2, "end", 0);
	if (nonblocking) {
		/* Not stdio: fd 2 is non-blocking, and a full queue would lose
		 * the line. */
		char line[64];
		int n = snprintf(line, sizeof line, "short: %d\n", short_writes);
		write_counted(2, line, (size_t)n);
	}
	if (verbose) {
		struct itimerval off = { { 0, 0 }, { 0, 0 } };
		setitimer(ITIMER_REAL, &off, NULL);
		fprintf(stderr, "signals: %d\n", (int)signals_seen);
	}
	free(buf);
	return 0;
}
