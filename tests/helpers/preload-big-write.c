/*
 * preload-big-write METHOD FD SIZE [-a]
 *
 * Writes SIZE bytes of a fixed pattern to FD (1 or 2) with ONE call of
 * METHOD, and checks that call's return value (exit 3 and a message on
 * failure, for the libdtee.so tests).  -a: write "A\n" to stdout before and
 * "B\n" after (flushed), to check the order of the two streams.
 *
 * Methods: gen (the pattern through a plain write loop: the expected
 * output), write, writev (many iovecs), send, sendmsg (many iovecs),
 * sendmmsg (one message of many iovecs), pwritev2 and pwritev64v2 (offset
 * -1: the current position), sendfile, sendfile-off (with
 * an offset pointer; checks *offset and the file position), splice (from
 * a pipe a child fills, as many calls as the pipe needs), fwrite,
 * fwrite_unlocked, fputs, fputs_unlocked, puts (FD 1 only), printf
 * (fprintf on FD 2), vprintf (vfprintf on FD 2), dprintf, vdprintf,
 * setvbuf, setbuffer, setbuf (a buffer of the caller's, then small fwrites).
 * Built twice: preload-big-write-fortify has -D_FORTIFY_SOURCE=2 -O2, so
 * its printf family calls glibc's __*_chk functions.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "musl-compat.h"

static char *buf;
static size_t size;
static int fd;

static void fail(const char *what, long got)
{
	fprintf(stderr, "preload-big-write: %s returned %ld (%s)\n", what, got, strerror(errno));
	exit(3);
}

static void check(const char *what, long got, long want)
{
	if (got != want)
		fail(what, got);
}

static FILE *stream(void)
{
	return fd == 1 ? stdout : stderr;
}

static int call_vprintf(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fd == 1 ? vprintf(fmt, ap) : vfprintf(stderr, fmt, ap);
	va_end(ap);
	return r;
}

static int call_vdprintf(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vdprintf(fd, fmt, ap);
	va_end(ap);
	return r;
}

static void by_writev(void)
{
	enum { N = 1000 };
	struct iovec iov[N];
	size_t off = 0;

	/* Uneven pieces, a few empty, the rest in the last one. */
	for (int i = 0; i < N; i++) {
		size_t len = i == N - 1 ? size - off : (size_t)(i * 37 % 1000);

		if (len > size - off)
			len = size - off;
		iov[i].iov_base = buf + off;
		iov[i].iov_len = len;
		off += len;
	}
	check("writev", writev(fd, iov, N), (long)size);
}

/* Uneven iovecs over buf, as by_writev. */
static struct iovec *uneven(int *cnt)
{
	enum { N = 1000 };
	static struct iovec iov[N];
	size_t off = 0;

	for (int i = 0; i < N; i++) {
		size_t len = i == N - 1 ? size - off : (size_t)(i * 37 % 1000);

		if (len > size - off)
			len = size - off;
		iov[i].iov_base = buf + off;
		iov[i].iov_len = len;
		off += len;
	}
	*cnt = N;
	return iov;
}

static void by_sendmsg(int many)
{
	struct mmsghdr mm = { 0 };
	int cnt;

	mm.msg_hdr.msg_iov = uneven(&cnt);
	mm.msg_hdr.msg_iovlen = (size_t)cnt;
	if (!many) {
		check("sendmsg", sendmsg(fd, &mm.msg_hdr, 0), (long)size);
		return;
	}
	check("sendmmsg", sendmmsg(fd, &mm, 1, 0), 1);
	check("sendmmsg msg_len", (long)mm.msg_len, (long)size);
}

static void by_pwritev2(int is64)
{
	int cnt;
	struct iovec *iov = uneven(&cnt);

	if (is64)
		check("pwritev64v2", pwritev64v2(fd, iov, cnt, -1, 0), (long)size);
	else
		check("pwritev2", pwritev2(fd, iov, cnt, -1, 0), (long)size);
}

/* A child writes buf into a pipe; splice moves it to fd, a pipeful a call. */
static void by_splice(void)
{
	int p[2];
	size_t moved = 0;
	pid_t pid;

	if (pipe(p) != 0)
		fail("pipe", -1);
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	if ((pid = fork()) < 0)
		fail("fork", -1);
	if (pid == 0) {
		close(p[0]);
		for (size_t done = 0; done < size;) {
			ssize_t w = write(p[1], buf + done, size - done);

			if (w <= 0)
				_exit(3);
			done += (size_t)w;
		}
		_exit(0);
	}
	close(p[1]);
	for (;;) {
		ssize_t r = splice(p[0], NULL, fd, NULL, size, 0);

		if (r < 0)
			fail("splice", r);
		if (r == 0)
			break;
		moved += (size_t)r;
	}
	check("splice", (long)moved, (long)size);
}

static void by_sendfile(int with_offset)
{
	char path[] = "/tmp/preload-big-write.XXXXXX";
	const char *dir = getenv("TMPDIR");
	char tmpl[4096];
	int in;
	off_t off = 0, pos;
	ssize_t r;

	snprintf(tmpl, sizeof(tmpl), "%s/preload-big-write.XXXXXX", dir ? dir : "/tmp");
	in = mkstemp(dir ? tmpl : path);
	if (in < 0)
		fail("mkstemp", -1);
	unlink(dir ? tmpl : path);
	for (size_t done = 0; done < size;) {
		ssize_t w = write(in, buf + done, size - done);

		if (w <= 0)
			fail("write to temporary file", w);
		done += (size_t)w;
	}
	lseek(in, 0, SEEK_SET);
	r = sendfile(fd, in, with_offset ? &off : NULL, size);
	check("sendfile", r, (long)size);
	pos = lseek(in, 0, SEEK_CUR);
	if (with_offset) {
		check("sendfile *offset", off, (long)size);
		check("sendfile file position", pos, 0);
	} else {
		check("sendfile file position", pos, (long)size);
	}
}

/* The caller's own buffer of SIZE bytes (setvbuf, setbuffer) or BUFSIZ
 * (setbuf) on the FILE, then the data in small fwrites: glibc flushes the
 * full buffer with one write of its own, past the write() hook. */
static void by_own_buffer(FILE *fp, const char *how)
{
	char *b = malloc(size > BUFSIZ ? size : BUFSIZ);

	if (b == NULL)
		fail("malloc", -1);
	if (strcmp(how, "setvbuf") == 0)
		setvbuf(fp, b, _IOFBF, size);
	else if (strcmp(how, "setbuffer") == 0)
		setbuffer(fp, b, size);
	else
		setbuf(fp, b);
	for (size_t done = 0; done < size;) {
		size_t n = size - done < 100 ? size - done : 100;

		check(how, (long)fwrite(buf + done, 1, n, fp), (long)n);
		done += n;
	}
}

static void big_write(const char *m)
{
	FILE *fp = stream();
	int n = (int)size;

	if (strcmp(m, "gen") == 0) {
		for (size_t done = 0; done < size;) {
			ssize_t w = write(fd, buf + done, size - done);

			if (w <= 0)
				fail("write", w);
			done += (size_t)w;
		}
	} else if (strcmp(m, "write") == 0) {
		check("write", write(fd, buf, size), (long)size);
	} else if (strcmp(m, "writev") == 0) {
		by_writev();
	} else if (strcmp(m, "send") == 0) {
		check("send", send(fd, buf, size, 0), (long)size);
	} else if (strcmp(m, "sendmsg") == 0) {
		by_sendmsg(0);
	} else if (strcmp(m, "sendmmsg") == 0) {
		by_sendmsg(1);
	} else if (strcmp(m, "pwritev2") == 0) {
		by_pwritev2(0);
	} else if (strcmp(m, "pwritev64v2") == 0) {
		by_pwritev2(1);
	} else if (strcmp(m, "splice") == 0) {
		by_splice();
	} else if (strcmp(m, "sendfile") == 0) {
		by_sendfile(0);
	} else if (strcmp(m, "sendfile-off") == 0) {
		by_sendfile(1);
	} else if (strcmp(m, "fwrite") == 0) {
		check("fwrite", (long)fwrite(buf, 1, size, fp), (long)size);
	} else if (strcmp(m, "fwrite_unlocked") == 0) {
		check("fwrite_unlocked", (long)fwrite_unlocked(buf, 1, size, fp), (long)size);
	} else if (strcmp(m, "fputs") == 0) {
		check("fputs", fputs(buf, fp) >= 0, 1);
	} else if (strcmp(m, "fputs_unlocked") == 0) {
		check("fputs_unlocked", fputs_unlocked(buf, fp) >= 0, 1);
	} else if (strcmp(m, "puts") == 0) {
		buf[size - 1] = '\0';	/* puts adds the final newline */
		check("puts", puts(buf) >= 0, 1);
	} else if (strcmp(m, "setvbuf") == 0 || strcmp(m, "setbuffer") == 0 ||
		   strcmp(m, "setbuf") == 0) {
		by_own_buffer(fp, m);
	} else if (strcmp(m, "printf") == 0) {
		/* "%.*s" so that the compiler cannot turn it into fputs/fwrite. */
		check("printf", fd == 1 ? printf("%.*s", n, buf) : fprintf(stderr, "%.*s", n, buf), n);
	} else if (strcmp(m, "vprintf") == 0) {
		check("vprintf", call_vprintf("%.*s", n, buf), n);
	} else if (strcmp(m, "dprintf") == 0) {
		check("dprintf", dprintf(fd, "%.*s", n, buf), n);
	} else if (strcmp(m, "vdprintf") == 0) {
		check("vdprintf", call_vdprintf("%.*s", n, buf), n);
	} else {
		fprintf(stderr, "preload-big-write: unknown method %s\n", m);
		exit(64);
	}
	if (fflush(fp) != 0 || ferror(fp))
		fail("fflush", -1);
}

int main(int argc, char **argv)
{
	int around = argc > 4 && strcmp(argv[4], "-a") == 0;

	if (argc < 4)
		return 64;
	fd = atoi(argv[2]);
	size = strtoul(argv[3], NULL, 0);
	if (size < 2 || (fd != 1 && fd != 2))
		return 64;
	buf = malloc(size + 1);
	if (buf == NULL)
		return 70;
	for (size_t i = 0; i < size; i++)	/* no NUL, a line every 64 bytes */
		buf[i] = i % 64 == 63 ? '\n' : (char)('a' + (i / 64 + i) % 26);
	buf[size - 1] = '\n';
	buf[size] = '\0';

	if (around) {
		fputs("A\n", stdout);
		fflush(stdout);
	}
	big_write(argv[1]);
	if (around) {
		fputs("B\n", stdout);
		fflush(stdout);
	}
	return 0;
}
