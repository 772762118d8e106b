/* stdio-api.c: stdio on a libc whose FILE this library does not read (musl,
 * or any libc but glibc): fwrite, fputs, puts, the printf family and
 * setvbuf (with setbuffer and setbuf), through the public stdio API only.
 *
 * musl, like glibc, writes a FILE with its own system call, past the write
 * hook: a 1 MB fwrite to a datagram socket would fail inside stdio and the
 * data would be lost.  Its FILE is opaque, so the hooks work by function:
 * a write of more than DTEE_STDIO_SMALL bytes to a FILE whose fd is one of
 * our sockets locks the FILE (flockfile), flushes what it holds, and hands
 * the real fwrite the data a piece at a time (fdcache.c: min(64 KiB, the
 * fd's first chunk)), each flushed at once: musl writes what it holds plus
 * the new data in one system call, so no datagram is larger than a piece.
 * The whole write leaves in one turn with the split lock held, as in
 * stdio.c.  The printf family formats with vsnprintf (on the stack, or in
 * an mmap()ed buffer when larger) and writes the result that way.
 * setvbuf, setbuffer and setbuf keep a FILE's buffer at most a piece on
 * our sockets.
 *
 * Used by the glibc build in a program on another libc (the exported hooks
 * of stdio.c and printf.c forward here) and by a build with another libc
 * (make musl), which exports these hooks itself, below.  A failure of
 * fwrite, fputs, puts or printf because dtee has gone gets what a pipe
 * gives (sigpipe.c); one that shows only in a later fflush or putc does
 * not: telling it needs glibc's FILE. */
/* Runs where glibc's __vsnprintf_chk may not exist: never FORTIFY here
 * (a distribution's build flags turn it on; tests/musl.bats checks). */
#undef _FORTIFY_SOURCE

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dtee-preload.h"

/* Output up to this size is formatted on the stack. */
#define FORMAT_STACK 1024

/* Turns -------------------------------------------------------------------- */

struct turn {
	FILE *fp;
	struct dtee_hold hold;
};

static void turn_end(void *arg)
{
	struct turn *t = arg;

	dtee_split_unlock(&t->hold);
	if (t->fp != NULL)
		funlockfile(t->fp);
}

/* op(arg) with fp locked (unless NULL) and then the split lock for fd:
 * the public API only, so the glibc hooks (stdio.c, printf.c) take their
 * turns here too. */
long dtee_file_in_turn(FILE *fp, int fd, long (*op)(void *), void *arg)
{
	struct turn t = { fp, { 0, 0 } };

	if (fp != NULL)
		flockfile(fp);
	dtee_split_lock(&t.hold, fd);
	return dtee_with_cleanup(op, arg, turn_end, &t);
}

/* Writing ------------------------------------------------------------------ */

struct pieces {
	const char *p;
	size_t len, piece;
	FILE *fp;
	int newline;		/* puts: a newline after the data */
};

/* What fp holds, then the data a piece at a time, each flushed.  The bytes
 * of the data stdio accepted. */
static long pieces_op(void *arg)
{
	struct pieces *w = arg;
	size_t done = 0;

	if (real_fflush(w->fp) == EOF)
		return 0;
	while (done < w->len) {
		size_t n = w->len - done < w->piece ? w->len - done : w->piece;
		size_t k = real_fwrite(w->p + done, 1, n, w->fp);

		done += k;
		if (k < n || real_fflush(w->fp) == EOF)
			return (long)done;
	}
	if (w->newline && real_fwrite("\n", 1, 1, w->fp) != 1)
		return (long)done - 1;
	return (long)done;
}

/* The real call, for data within a piece (puts: the real puts, which
 * writes the line and its newline under one lock). */
static long fwrite_op(void *arg)
{
	struct pieces *w = arg;

	if (w->newline)
		return real_puts(w->p) == EOF ? -1 : (long)w->len;
	return (long)real_fwrite(w->p, 1, w->len, w->fp);
}

/* A failed write to fp: what a pipe gives if dtee has gone. */
static void write_failed(int fd)
{
	dtee_reader_gone(fd, 0);
}

/* len bytes (and a newline) to fp, whose fd is one of ours: in pieces, in
 * turn, or straight.  The bytes of the data stdio accepted. */
static size_t api_write(const char *p, size_t len, FILE *fp, int fd, size_t piece, int newline)
{
	struct pieces w = { p, len, piece, fp, newline };
	long r;

	if (len > DTEE_STDIO_SMALL && len > piece)
		r = dtee_file_in_turn(fp, fd, pieces_op, &w);
	else if (dtee_splitting())
		r = dtee_file_in_turn(fp, fd, fwrite_op, &w);
	else
		r = fwrite_op(&w);
	if (r < (long)len)
		write_failed(fd);
	return r < 0 ? 0 : (size_t)r;
}

size_t dtee_api_fwrite(const void *p, size_t size, size_t n, FILE *fp)
{
	int fd = dtee_fileno(fp);
	size_t total, done, piece = dtee_fd_piece(fd);

	dtee_order_before_file(fp);
	if (piece == 0 || __builtin_mul_overflow(size, n, &total) || total == 0)
		return real_fwrite(p, size, n, fp);
	done = api_write(p, total, fp, fd, piece, 0);
	return done == total ? n : done / size;
}

int dtee_api_fputs(const char *s, FILE *fp)
{
	int fd = dtee_fileno(fp);
	size_t len, piece = dtee_fd_piece(fd);

	dtee_order_before_file(fp);
	if (piece == 0)
		return real_fputs(s, fp);
	len = strlen(s);
	return api_write(s, len, fp, fd, piece, 0) == len ? 1 : EOF;
}

int dtee_api_puts(const char *s)
{
	int fd = dtee_fileno(stdout);
	size_t len, piece = dtee_fd_piece(fd);

	if (piece == 0)
		return real_puts(s);
	len = strlen(s);
	if (api_write(s, len, stdout, fd, piece, 1) != len)
		return EOF;
	return len >= INT_MAX ? INT_MAX : (int)len + 1;
}

/* The printf family --------------------------------------------------------- */

/* fmt's output in a buffer: stack (FORMAT_STACK bytes), or mmap()ed when
 * larger.  The length, or -1 (errno set) when it cannot be formatted. */
static int format(char **s, size_t *mapped, char *stack, const char *fmt, va_list ap)
{
	size_t size;
	va_list copy;
	void *m;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(stack, FORMAT_STACK, fmt, copy);
	va_end(copy);
	*s = stack;
	*mapped = 0;
	if (n < FORMAT_STACK)
		return n;
	size = (size_t)n + 1;
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -1;
	va_copy(copy, ap);
	n = vsnprintf(m, size, fmt, copy);	/* same arguments, same result */
	va_end(copy);
	*s = m;
	*mapped = size;
	return n;
}

static void release(char *s, size_t mapped)
{
	int saved = errno;

	if (mapped)
		munmap(s, mapped);
	errno = saved;
}

__attribute__((noinline))
static int vfprintf_formatted(FILE *fp, int fd, size_t piece, const char *fmt, va_list ap)
{
	char stack[FORMAT_STACK], *s;
	size_t mapped;
	int n = format(&s, &mapped, stack, fmt, ap);

	if (n > 0 && api_write(s, (size_t)n, fp, fd, piece, 0) != (size_t)n)
		n = -1;
	release(s, mapped);
	return n;
}

int dtee_api_vfprintf(FILE *fp, const char *fmt, va_list ap)
{
	int fd = dtee_fileno(fp);
	size_t piece = dtee_fd_piece(fd);

	dtee_order_before_file(fp);
	if (piece == 0)
		return real_vfprintf(fp, fmt, ap);
	return vfprintf_formatted(fp, fd, piece, fmt, ap);
}

__attribute__((noinline))
static int vdprintf_formatted(int fd, const char *fmt, va_list ap)
{
	char stack[FORMAT_STACK], *s;
	size_t mapped, done = 0;
	int n = format(&s, &mapped, stack, fmt, ap);

	while (n >= 0 && done < (size_t)n) {
		ssize_t w = dtee_write(fd, s + done, (size_t)n - done);

		if (w < 0) {
			dtee_reader_gone(fd, 0);
			n = -1;
		} else {
			done += (size_t)w;
		}
	}
	release(s, mapped);
	return n;
}

int dtee_api_vdprintf(int fd, const char *fmt, va_list ap)
{
	dtee_order_before(fd);
	if (dtee_fd_piece(fd) == 0)
		return real_vdprintf(fd, fmt, ap);
	return vdprintf_formatted(fd, fmt, ap);
}

/* setvbuf, setbuffer, setbuf ------------------------------------------------ */

/* A buffer larger than a piece would be flushed as one oversized datagram. */
static size_t buffer_size(size_t size, FILE *fp)
{
	size_t piece;

	if (size <= DTEE_STDIO_SMALL || (piece = dtee_fd_piece(dtee_fileno(fp))) == 0)
		return size;
	return size > piece ? piece : size;
}

int dtee_api_setvbuf(FILE *fp, char *buf, int mode, size_t size)
{
	if (buf != NULL && mode != _IONBF)
		size = buffer_size(size, fp);
	return real_setvbuf(fp, buf, mode, size);
}

void dtee_api_setbuffer(FILE *fp, char *buf, size_t size)
{
	real_setvbuf(fp, buf, buf != NULL ? _IOFBF : _IONBF, buf != NULL ? buffer_size(size, fp) : 0);
}

void dtee_api_setbuf(FILE *fp, char *buf)
{
	dtee_api_setbuffer(fp, buf, BUFSIZ);
}

#ifndef __GLIBC__
/* Built with another libc (make musl): stdio.c and printf.c are glibc's, and
 * these are the hooks. */

/* Exported: forwarders only ------------------------------------------------ */

DTEE_EXPORT size_t fwrite(const void *p, size_t size, size_t n, FILE *fp)
{
	return dtee_api_fwrite(p, size, n, fp);
}

DTEE_EXPORT size_t fwrite_unlocked(const void *p, size_t size, size_t n, FILE *fp)
{
	return dtee_api_fwrite(p, size, n, fp);
}

DTEE_EXPORT int fputs(const char *s, FILE *fp)
{
	return dtee_api_fputs(s, fp);
}

DTEE_EXPORT int fputs_unlocked(const char *s, FILE *fp)
{
	return dtee_api_fputs(s, fp);
}

DTEE_EXPORT int puts(const char *s)
{
	return dtee_api_puts(s);
}

DTEE_EXPORT int vfprintf(FILE *fp, const char *fmt, va_list ap)
{
	return dtee_api_vfprintf(fp, fmt, ap);
}

DTEE_EXPORT int vprintf(const char *fmt, va_list ap)
{
	return dtee_api_vfprintf(stdout, fmt, ap);
}

DTEE_EXPORT int fprintf(FILE *fp, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = dtee_api_vfprintf(fp, fmt, ap);
	va_end(ap);
	return r;
}

DTEE_EXPORT int printf(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = dtee_api_vfprintf(stdout, fmt, ap);
	va_end(ap);
	return r;
}

DTEE_EXPORT int vdprintf(int fd, const char *fmt, va_list ap)
{
	return dtee_api_vdprintf(fd, fmt, ap);
}

DTEE_EXPORT int dprintf(int fd, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = dtee_api_vdprintf(fd, fmt, ap);
	va_end(ap);
	return r;
}

DTEE_EXPORT int setvbuf(FILE *fp, char *buf, int mode, size_t size)
{
	return dtee_api_setvbuf(fp, buf, mode, size);
}

DTEE_EXPORT void setbuffer(FILE *fp, char *buf, size_t size)
{
	dtee_api_setbuffer(fp, buf, size);
}

DTEE_EXPORT void setbuf(FILE *fp, char *buf)
{
	dtee_api_setbuf(fp, buf);
}
#endif
