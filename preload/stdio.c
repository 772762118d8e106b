/* stdio.c: feeding stdio: fwrite, fputs, puts, fflush, __overflow,
 * clearerr; setvbuf, setbuffer, setbuf and line buffering at start are in
 * stdio-buffer.c. glibc's stdio writes through its hidden internal __write,
 * which the write() hook never sees: a 1 MB fwrite() on a datagram socket
 * would fail inside stdio, return 0 and drop the data.
 *
 * How glibc writes a FILE (libio, _IO_new_file_xsputn): data that fits goes
 * into the buffer; otherwise the buffer is flushed (one write of at most
 * the buffer's size) and the rest written directly, as one write of up to
 * all of it.  So no write stdio makes is larger than the FILE's buffer or
 * than the largest single piece of data it was handed.  The buffer is
 * st_blksize (4 KiB on a socket) unless setvbuf() gave another, and
 * setvbuf(), setbuffer() and setbuf() (stdio-buffer.c) keep it at most a
 * piece on our sockets.
 *
 * fwrite/fputs/puts of more than a piece (fdcache.c: min(64 KiB, the fd's
 * first chunk)) on a FILE whose fd is one of our sockets: the real unlocked
 * function is given the data a piece at a time, with the FILE locked, so
 * glibc itself keeps the buffer, error flag and orientation exactly as
 * usual, while no single write it makes is larger than a piece.  Everything
 * else: the real call.  The printf family is in printf.c.
 *
 * Taking turns with split writes (split.c): while a split is being sent,
 * a stdio call on one of our FILEs holds the FILE lock and then the split
 * lock around the real call (always in that order; a holder of the split
 * lock takes no FILE lock), both released if the thread is cancelled in
 * it.  Large writes fed in pieces always do, so they stay contiguous.
 *
 * A call that failed because dtee has gone gets what a pipe gives
 * (sigpipe.c).  fflush and __overflow are hooked for that alone: a shell's
 * echo learns of the error in fflush (its putchar failed, the FILE's error
 * flag is set), a loop of inline putc_unlocked in __overflow; clearerr so
 * that fflush reports each failure once (sigpipe.c).
 *
 * Line buffering (stdio-buffer.c): when the launcher asks for it
 * (_DTEE_STDOUT=L in the environment) and fd 1 is our stdout socket,
 * stdout is made line-buffered at start, as on a terminal, so that what a
 * program prints on stdout and stderr arrives in the order it printed it.
 * A program that calls setvbuf itself later keeps its own choice. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dtee-preload.h"

/* glibc's FILE: built with another libc, stdio-api.c has the hooks. */
#ifdef __GLIBC__

/* bits/stdio.h may define these as macros; we define the functions. */
#undef fwrite_unlocked
#undef fputs_unlocked

int __overflow(FILE *fp, int c);

static inline size_t real_fwrite_as(enum dtee_stdio_locking l, const void *p, size_t size,
			     size_t n, FILE *fp)
{
	if (l == STDIO_LOCKED)
		return real_fwrite(p, size, n, fp);
	return real_fwrite_unlocked(p, size, n, fp);
}

static int real_fputs_as(enum dtee_stdio_locking l, const char *s, FILE *fp)
{
	if (l == STDIO_LOCKED)
		return real_fputs(s, fp);
	return real_fputs_unlocked(s, fp);
}

/* Turns (dtee_file_in_turn is stdio-api.c's) ------------------------------ */

bool dtee_file_waits_turn(FILE *fp)
{
	return dtee_unlikely(dtee_splitting()) && dtee_file_piece(fp) != 0;
}

/* Pieces ------------------------------------------------------------------ */

struct pieces {
	const char *p;
	size_t len, piece;
	FILE *fp;
};

/* Feed len bytes to the real fwrite_unlocked a piece at a time.  Returns
 * the bytes stdio accepted. */
static size_t feed_pieces(const struct pieces *w)
{
	size_t done = 0;

	while (done < w->len) {
		size_t n = w->len - done < w->piece ? w->len - done : w->piece;
		size_t k = real_fwrite_unlocked(w->p + done, 1, n, w->fp);

		done += k;
		if (k < n)
			break;
	}
	return done;
}

/* The pieces, and then what stdio kept of them in its buffer (the tail
 * after its last whole block), so that the whole write leaves in one turn:
 * contiguous, even if another thread writes to the other stream before
 * this FILE is next flushed.  A failed flush sets the FILE's error flag,
 * as it would have later. */
static long write_pieces_op(void *arg)
{
	struct pieces *w = arg;
	size_t done = feed_pieces(w);

	if (done == w->len)
		real_fflush_unlocked(w->fp);
	return (long)done;
}

size_t dtee_file_write_pieces(const char *p, size_t len, size_t piece, FILE *fp)
{
	struct pieces w = { p, len, piece, fp };

	return (size_t)dtee_file_in_turn(fp, fp->_fileno, write_pieces_op, &w);
}

/* The piece to feed len bytes in, or 0 when the real call will do. */
size_t dtee_stdio_pieces_for(size_t len, FILE *fp)
{
	size_t piece;

	if (len <= DTEE_STDIO_SMALL)
		return 0;
	piece = dtee_file_piece(fp);
	return len > piece ? piece : 0;
}

/* fwrite ------------------------------------------------------------------ */

struct fwrite_args {
	enum dtee_stdio_locking l;
	const void *p;
	size_t size, n;
	FILE *fp;
};

static long fwrite_op(void *arg)
{
	struct fwrite_args *a = arg;

	return (long)real_fwrite_as(a->l, a->p, a->size, a->n, a->fp);
}

static size_t fwrite_now(const void *p, size_t size, size_t n, FILE *fp,
			 enum dtee_stdio_locking l)
{
	size_t total, done, piece;

	if (__builtin_mul_overflow(size, n, &total) || (piece = dtee_stdio_pieces_for(total, fp)) == 0) {
		struct fwrite_args a = { l, p, size, n, fp };

		if (dtee_file_waits_turn(fp))
			return (size_t)dtee_file_in_turn(fp, fp->_fileno, fwrite_op, &a);
		return real_fwrite_as(l, p, size, n, fp);
	}
	done = dtee_file_write_pieces(p, total, piece, fp);
	return done == total ? n : done / size;
}

/* A short count from fwrite: an error, which set the FILE's error flag
 * (not when size is 0: glibc returns 0 then, and sets nothing). */
DTEE_COLD static size_t fwrite_short(size_t r, FILE *fp)
{
	if (ferror_unlocked(fp))
		dtee_file_reader_gone(fp);
	return r;
}

DTEE_COLD static size_t fwrite_careful(const void *p, size_t size, size_t n, FILE *fp,
				       enum dtee_stdio_locking l)
{
	size_t r = fwrite_now(p, size, n, fp, l);

	return r < n ? fwrite_short(r, fp) : r;
}

/* Up to DTEE_STDIO_SMALL bytes stdio never writes more than its buffer:
 * unless a split is being sent, straight to the real call.  Inlined into
 * fwrite() and fwrite_unlocked(), each with its own real function. */
static inline __attribute__((always_inline)) size_t
fwrite_fast(const void *p, size_t size, size_t n, FILE *fp, enum dtee_stdio_locking l)
{
	size_t total, r;

	if (dtee_unlikely(__builtin_mul_overflow(size, n, &total) || total > DTEE_STDIO_SMALL ||
			  dtee_splitting()))
		return fwrite_careful(p, size, n, fp, l);
	r = real_fwrite_as(l, p, size, n, fp);
	if (dtee_unlikely(r < n))
		return fwrite_short(r, fp);
	return r;
}

size_t dtee_fwrite(const void *p, size_t size, size_t n, FILE *fp, enum dtee_stdio_locking l)
{
	return fwrite_now(p, size, n, fp, l);
}

/* fputs, puts ------------------------------------------------------------- */

struct fputs_args {
	enum dtee_stdio_locking l;
	const char *s;
	FILE *fp;
};

static long fputs_op(void *arg)
{
	struct fputs_args *a = arg;

	return real_fputs_as(a->l, a->s, a->fp);
}

static int fputs_now(const char *s, FILE *fp, enum dtee_stdio_locking l)
{
	size_t len, done, piece;

	if (dtee_file_piece(fp) == 0)
		return real_fputs_as(l, s, fp);
	if ((piece = dtee_stdio_pieces_for(len = strlen(s), fp)) == 0) {
		struct fputs_args a = { l, s, fp };

		if (dtee_file_waits_turn(fp))
			return (int)dtee_file_in_turn(fp, fp->_fileno, fputs_op, &a);
		return real_fputs_as(l, s, fp);
	}
	done = dtee_file_write_pieces(s, len, piece, fp);
	return done == len ? 1 : EOF;	/* glibc's fputs returns 1 */
}

/* r from a call that returns EOF on failure, checked. */
static int file_checked(int r, FILE *fp)
{
	if (dtee_unlikely(r == EOF))
		dtee_file_reader_gone(fp);
	return r;
}

static int dtee_fputs(const char *s, FILE *fp, enum dtee_stdio_locking l)
{
	return file_checked(fputs_now(s, fp, l), fp);
}

/* puts of more than a piece: the pieces, then the newline; returns the
 * length, or -1 when any of it was refused.  Real calls only (putc could
 * reach the __overflow hook): puts checks its result once. */
static long puts_pieces_op(void *arg)
{
	struct pieces *w = arg;

	if (feed_pieces(w) != w->len || real_fwrite_unlocked("\n", 1, 1, w->fp) != 1)
		return -1;
	real_fflush_unlocked(w->fp);
	return (long)w->len;
}

static long puts_op(void *arg)
{
	return real_puts(arg);
}

static int puts_now(const char *s, FILE *fp)
{
	size_t len, piece;
	struct pieces w;

	if (dtee_file_piece(fp) == 0)
		return real_puts(s);
	if ((piece = dtee_stdio_pieces_for(len = strlen(s), fp)) == 0) {
		if (dtee_file_waits_turn(fp))
			return (int)dtee_file_in_turn(fp, fp->_fileno, puts_op, (void *)s);
		return real_puts(s);
	}
	/* The line and its newline in one turn, as glibc's puts holds the
	 * FILE lock for both. */
	w = (struct pieces){ s, len, piece, fp };
	if (dtee_file_in_turn(fp, fp->_fileno, puts_pieces_op, &w) != (long)len)
		return EOF;
	return len >= INT_MAX ? INT_MAX : (int)len + 1;
}

static int dtee_puts(const char *s)
{
	FILE *fp = stdout;

	return file_checked(puts_now(s, fp), fp);
}

/* __overflow is what glibc's inline putc_unlocked and putchar_unlocked
 * call when the buffer is full: the real call, and the check on failure. */
static int dtee___overflow(FILE *fp, int c)
{
	return file_checked(real___overflow(fp, c), fp);
}

/* fflush, also where a failure of the putc family shows: those are not
 * hooked (a hook would cost every character about 7 instructions, a third
 * of a putc), and a putc that flushed a line and failed leaves the FILE's
 * error flag set and nothing to flush (a shell's echo: putchar('\n') on a
 * line-buffered stdout, then fflush and ferror). */
static int flush_checked(int r, FILE *fp)
{
	if (dtee_unlikely(r == EOF))
		dtee_file_reader_gone(fp);
	else if (dtee_unlikely(ferror_unlocked(fp)) && dtee_file_failed_before(fp))
		r = EOF;
	return r;
}

static int dtee_fflush_unlocked(FILE *fp)
{
	return flush_checked(real_fflush_unlocked(fp), fp);
}

/* fflush(NULL) flushes every stream: no one FILE to check. */
static int dtee_fflush(FILE *fp)
{
	int r = real_fflush(fp);

	return fp != NULL ? flush_checked(r, fp) : r;
}

/* clearerr: a failure after it is a new one for fflush to report. */
static void dtee_clearerr(FILE *fp)
{
	dtee_file_unreport(fp);
	real_clearerr(fp);
}

static void dtee_clearerr_unlocked(FILE *fp)
{
	dtee_file_unreport(fp);
	real_clearerr_unlocked(fp);
}

/* Exported: forwarders only (fwrite's fast path is inlined into it); on
 * another libc than glibc, to stdio-api.c or the real call (libc.c) ------- */

DTEE_EXPORT size_t fwrite(const void *p, size_t size, size_t n, FILE *fp)
{
	if (!dtee_libc_is_glibc())
		return dtee_api_fwrite(p, size, n, fp);
	dtee_order_before_file(fp);
	return fwrite_fast(p, size, n, fp, STDIO_LOCKED);
}

DTEE_EXPORT size_t fwrite_unlocked(const void *p, size_t size, size_t n, FILE *fp)
{
	if (!dtee_libc_is_glibc())
		return dtee_api_fwrite(p, size, n, fp);
	dtee_order_before_file(fp);
	return fwrite_fast(p, size, n, fp, STDIO_UNLOCKED);
}

DTEE_EXPORT int fputs(const char *s, FILE *fp)
{
	if (!dtee_libc_is_glibc())
		return dtee_api_fputs(s, fp);
	dtee_order_before_file(fp);
	return dtee_fputs(s, fp, STDIO_LOCKED);
}

DTEE_EXPORT int fputs_unlocked(const char *s, FILE *fp)
{
	if (!dtee_libc_is_glibc())
		return dtee_api_fputs(s, fp);
	dtee_order_before_file(fp);
	return dtee_fputs(s, fp, STDIO_UNLOCKED);
}

DTEE_EXPORT int puts(const char *s)
{
	if (!dtee_libc_is_glibc())
		return dtee_api_puts(s);
	return dtee_puts(s);
}

DTEE_EXPORT int __overflow(FILE *fp, int c)
{
	if (!dtee_libc_is_glibc())
		return real___overflow(fp, c);
	dtee_order_before_file(fp);
	return dtee___overflow(fp, c);
}

DTEE_EXPORT int fflush(FILE *fp)
{
	if (!dtee_libc_is_glibc())
		return real_fflush(fp);
	return dtee_fflush(fp);
}

DTEE_EXPORT int fflush_unlocked(FILE *fp)
{
	if (!dtee_libc_is_glibc())
		return real_fflush_unlocked(fp);
	return dtee_fflush_unlocked(fp);
}

DTEE_EXPORT void clearerr(FILE *fp)
{
	if (!dtee_libc_is_glibc())
		real_clearerr(fp);
	else
		dtee_clearerr(fp);
}

DTEE_EXPORT void clearerr_unlocked(FILE *fp)
{
	if (!dtee_libc_is_glibc())
		real_clearerr_unlocked(fp);
	else
		dtee_clearerr_unlocked(fp);
}

#endif
