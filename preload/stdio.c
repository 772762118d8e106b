/*
 * The stdio entry points.  glibc's stdio writes through its hidden internal
 * __write, which the write() hook never sees: a 1 MB fwrite() on a datagram
 * socket would fail inside stdio, return 0 and drop the data.
 *
 * How glibc writes a FILE (libio, _IO_new_file_xsputn): data that fits goes
 * into the buffer; otherwise the buffer is flushed (one write of at most
 * the buffer's size) and the rest written directly, as one write of up to
 * all of it.  So no write stdio makes is larger than the FILE's buffer or
 * than the largest single piece of data it was handed.  The buffer is
 * st_blksize (4 KiB on a socket) unless setvbuf() gave another, and
 * setvbuf() below keeps it at most a piece on our sockets.
 *
 * fwrite/fputs/puts of more than a piece (fdtype.c: min(64 KiB, the fd's
 * first chunk)) on a FILE whose fd is one of our sockets: the real unlocked
 * function is given the data a piece at a time, under the FILE's lock, so
 * glibc itself keeps the buffer, error flag and orientation exactly as
 * usual, while no single write it makes is larger than a piece.  Everything
 * else: the real call.
 *
 * The printf family cannot know its size in advance.  On one of our FILEs
 * (cached per fd: no system call per printf) it first reads the format and
 * the arguments for an upper bound of the output (output_bound); when that
 * is at most a piece, the real vfprintf is all it takes.  Otherwise it
 * formats with vsnprintf (the __*_chk variants with __vsnprintf_chk and the
 * same flag, so %n and FORTIFY checks are unchanged) into a stack buffer,
 * and writes that with the fwrite above; a result larger than the stack
 * buffer but at most a piece is left to the real vfprintf (formatted a
 * second time), and only a larger one is formatted into an mmap()ed buffer
 * (never malloc) and written in pieces.
 */
/* Under optimisation glibc's <stdio.h> defines vprintf as an extern inline;
 * this file defines the real one. */
#include <features.h>
#undef __USE_EXTERN_INLINES

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <wchar.h>

#include "dtee-preload.h"

/* bits/stdio.h may define these as macros; we define the functions. */
#undef fwrite_unlocked
#undef fputs_unlocked

#define FORMAT_STACK 1024
#define NOT_CHK (-1)
#define UNKNOWN_SIZE SIZE_MAX

int __printf_chk(int flag, const char *fmt, ...);
int __vprintf_chk(int flag, const char *fmt, va_list ap);
int __fprintf_chk(FILE *fp, int flag, const char *fmt, ...);
int __vfprintf_chk(FILE *fp, int flag, const char *fmt, va_list ap);
int __dprintf_chk(int fd, int flag, const char *fmt, ...);
int __vdprintf_chk(int fd, int flag, const char *fmt, va_list ap);
int __vsnprintf_chk(char *s, size_t max, int flag, size_t slen, const char *fmt, va_list ap);
int register_printf_specifier(int spec, void *render, void *arginfo);
int register_printf_function(int spec, void *render, void *arginfo);

/* Set once the program registers its own conversions, which may redefine
 * any letter: output_bound() then cannot tell. */
static _Atomic int custom_conversions;

/* Which real function a call maps to: fwrite or fwrite_unlocked, ... */
enum stdio_locking { STDIO_LOCKED, STDIO_UNLOCKED };

static size_t real_fwrite_as(enum stdio_locking l, const void *p, size_t size, size_t n,
			     FILE *fp)
{
	if (l == STDIO_LOCKED)
		return real_fwrite(p, size, n, fp);
	return real_fwrite_unlocked(p, size, n, fp);
}

static int real_fputs_as(enum stdio_locking l, const char *s, FILE *fp)
{
	if (l == STDIO_LOCKED)
		return real_fputs(s, fp);
	return real_fputs_unlocked(s, fp);
}

/*
 * Taking turns with split writes (split.c): stdio writes through glibc's
 * hidden __write, which our write() never sees, so a stdio call that may
 * write to one of our sockets while a split is being sent holds the FILE
 * lock and then the split lock around the real call (always in that order;
 * a split lock holder takes no FILE lock), both released if the thread is
 * cancelled inside it.  fp may be NULL (dprintf: an fd, no FILE).
 */
struct turn {
	FILE *fp;
	struct dtee_hold hold;
};

static void turn_begin(struct turn *t, FILE *fp, int fd)
{
	t->fp = fp;
	if (fp != NULL)
		flockfile(fp);
	dtee_split_lock(&t->hold, fd);
}

static void turn_end(void *arg)
{
	struct turn *t = arg;

	dtee_split_unlock(&t->hold);
	if (t->fp != NULL)
		funlockfile(t->fp);
}

/* A call made in turn: op(args) between turn_begin and turn_end. */
static long in_turn(FILE *fp, int fd, long (*op)(void *), void *args)
{
	struct turn t;
	long r;

	turn_begin(&t, fp, fd);
	pthread_cleanup_push(turn_end, &t);
	r = op(args);
	pthread_cleanup_pop(1);
	return r;
}

/* Must this call on fp wait for a split being sent?  Only when one is, and
 * fp writes to one of our sockets. */
static int file_waits_turn(FILE *fp)
{
	return dtee_unlikely(dtee_splitting()) && dtee_file_piece(fp) != 0;
}

struct pieces {
	const char *p;
	size_t len, piece;
	FILE *fp;
};

/* Feed len bytes to the real fwrite_unlocked a piece at a time, in turn.
 * Returns the bytes stdio accepted. */
static long write_pieces_op(void *arg)
{
	struct pieces *w = arg;
	size_t done = 0;

	while (done < w->len) {
		size_t n = w->len - done < w->piece ? w->len - done : w->piece;
		size_t k = real_fwrite_unlocked(w->p + done, 1, n, w->fp);

		done += k;
		if (k < n)
			break;
	}
	return (long)done;
}

static size_t write_pieces(const char *p, size_t len, size_t piece, FILE *fp)
{
	struct pieces w = { p, len, piece, fp };

	return (size_t)in_turn(fp, fp->_fileno, write_pieces_op, &w);
}

/* The piece to feed len bytes in, or 0 when the real call will do. */
static size_t pieces_for(size_t len, FILE *fp)
{
	size_t piece;

	if (len <= DTEE_STDIO_SMALL)
		return 0;
	piece = dtee_file_piece(fp);
	return len > piece ? piece : 0;
}

struct fwrite_args {
	enum stdio_locking l;
	const void *p;
	size_t size, n;
	FILE *fp;
};

static long fwrite_op(void *arg)
{
	struct fwrite_args *a = arg;

	return (long)real_fwrite_as(a->l, a->p, a->size, a->n, a->fp);
}

DTEE_COLD static size_t dtee_fwrite_careful(const void *p, size_t size, size_t n, FILE *fp,
					    enum stdio_locking l)
{
	size_t total, done, piece;

	if (__builtin_mul_overflow(size, n, &total) || (piece = pieces_for(total, fp)) == 0) {
		struct fwrite_args a = { l, p, size, n, fp };

		if (file_waits_turn(fp))
			return (size_t)in_turn(fp, fp->_fileno, fwrite_op, &a);
		return real_fwrite_as(l, p, size, n, fp);
	}
	done = write_pieces(p, total, piece, fp);
	return done == total ? n : done / size;
}

/* Up to DTEE_STDIO_SMALL bytes stdio never writes more than its buffer:
 * unless a split is being sent, straight to the real call, as a tail
 * call. */
static inline size_t dtee_fwrite(const void *p, size_t size, size_t n, FILE *fp,
				 enum stdio_locking l)
{
	size_t total;

	if (!__builtin_mul_overflow(size, n, &total) && total <= DTEE_STDIO_SMALL &&
	    !dtee_splitting())
		return real_fwrite_as(l, p, size, n, fp);
	return dtee_fwrite_careful(p, size, n, fp, l);
}

struct fputs_args {
	enum stdio_locking l;
	const char *s;
	FILE *fp;
};

static long fputs_op(void *arg)
{
	struct fputs_args *a = arg;

	return real_fputs_as(a->l, a->s, a->fp);
}

static int dtee_fputs(const char *s, FILE *fp, enum stdio_locking l)
{
	size_t len, done, piece;

	if (dtee_file_piece(fp) == 0)
		return real_fputs_as(l, s, fp);
	if ((piece = pieces_for(len = strlen(s), fp)) == 0) {
		struct fputs_args a = { l, s, fp };

		if (file_waits_turn(fp))
			return (int)in_turn(fp, fp->_fileno, fputs_op, &a);
		return real_fputs_as(l, s, fp);
	}
	done = write_pieces(s, len, piece, fp);
	return done == len ? 1 : EOF;	/* glibc's fputs returns 1 */
}

/* puts of more than a piece: the pieces, then the newline; returns the
 * length, or -1 when any of it was refused. */
static long puts_pieces_op(void *arg)
{
	struct pieces *w = arg;

	if ((size_t)write_pieces_op(w) != w->len || putc_unlocked('\n', w->fp) == EOF)
		return -1;
	return (long)w->len;
}

static long puts_op(void *arg)
{
	return real_puts(arg);
}

static int dtee_puts(const char *s)
{
	FILE *fp = stdout;
	size_t len, piece;
	int r = EOF;

	if (dtee_file_piece(fp) == 0)
		return real_puts(s);
	if ((piece = pieces_for(len = strlen(s), fp)) == 0) {
		if (file_waits_turn(fp))
			return (int)in_turn(fp, fp->_fileno, puts_op, (void *)s);
		return real_puts(s);
	}
	/* The line and its newline in one turn, as glibc's puts holds the
	 * FILE lock for both. */
	{
		struct pieces w = { s, len, piece, fp };

		if (in_turn(fp, fp->_fileno, puts_pieces_op, &w) == (long)len)
			r = len >= INT_MAX ? INT_MAX : (int)len + 1;
	}
	return r;
}

/* printf family ------------------------------------------------------------ */

/* Bytes a double conversion may make besides width and precision (%f of
 * DBL_MAX has 309 digits), and an integer or pointer (%b of 2^64 - 1 has
 * 64 digits, and a sign or a prefix). */
#define FLOAT_DIGITS 330u
#define INT_DIGITS 70u

/* A number in a format (a width or precision), saturated above limit. */
static size_t format_number(const char **p, size_t limit)
{
	size_t v = 0;

	while (**p >= '0' && **p <= '9') {
		if (v <= limit)
			v = v * 10 + (size_t)(**p - '0');
		++*p;
	}
	return v;
}

/*
 * An upper bound on the bytes vfprintf(fmt, ap) makes, if it is at most
 * limit and cheap to tell; otherwise more than limit.  Reads the arguments
 * (a copy of ap) as vfprintf does, to measure %s strings (at most limit + 1
 * bytes of each) and to take * widths.  Unknown: positional arguments
 * (%1$s), %m, long double, wide strings without a precision, the ' and I
 * flags (locale digits and grouping), conversions the program registered
 * (register_printf_specifier), and anything else this does not know.
 * Widths and precisions are at most limit, so the sum cannot overflow.
 */
static size_t output_bound(const char *fmt, va_list ap, size_t limit)
{
	size_t total = 0;
	const char *p = fmt;
	va_list a;

	if (atomic_load_explicit(&custom_conversions, memory_order_relaxed))
		return UNKNOWN_SIZE;
	va_copy(a, ap);
	for (;;) {
		size_t width = 0, prec = UNKNOWN_SIZE;
		enum { L_INT, L_LONG, L_LLONG, L_LDOUBLE, L_MAX, L_SIZE, L_PTRDIFF } len = L_INT;
		char c = *p++;

		if (c != '%') {
			if (c == '\0')
				break;
			total++;
			continue;
		}
		while (*p == '-' || *p == '+' || *p == ' ' || *p == '#' || *p == '0')
			p++;
		if (*p == '*') {
			int w = va_arg(a, int);

			width = w < 0 ? -(size_t)w : (size_t)w;
			p++;
		} else if (*p >= '1' && *p <= '9') {
			width = format_number(&p, limit);
		}
		if (*p == '.') {
			p++;
			if (*p == '*') {
				int q = va_arg(a, int);

				prec = q < 0 ? UNKNOWN_SIZE : (size_t)q;
				p++;
			} else {
				prec = format_number(&p, limit);
			}
		}
		for (;; p++) {
			switch (*p) {
			case 'h': continue;
			case 'l': len = len == L_LONG ? L_LLONG : L_LONG; continue;
			case 'q': len = L_LLONG; continue;
			case 'L': len = L_LDOUBLE; continue;	/* also long long for integers */
			case 'j': len = L_MAX; continue;
			case 'z': case 'Z': len = L_SIZE; continue;
			case 't': len = L_PTRDIFF; continue;
			}
			break;
		}
		if (width > limit || (prec != UNKNOWN_SIZE && prec > limit)) {
			total = UNKNOWN_SIZE;
			break;
		}
		total += width;
		switch (*p++) {
		case 'd': case 'i': case 'u': case 'o': case 'x': case 'X': case 'b': case 'B':
			switch (len) {
			case L_INT: (void)va_arg(a, int); break;
			case L_LONG: (void)va_arg(a, long); break;
			case L_LLONG: case L_LDOUBLE: (void)va_arg(a, long long); break;
			case L_MAX: (void)va_arg(a, intmax_t); break;
			case L_SIZE: (void)va_arg(a, size_t); break;
			case L_PTRDIFF: (void)va_arg(a, ptrdiff_t); break;
			}
			total += (prec == UNKNOWN_SIZE ? 0 : prec) + INT_DIGITS;
			break;
		case 's':
			if (len != L_LONG) {
				const char *s = va_arg(a, const char *);

				total += s == NULL ? 6 : strnlen(s, prec <= limit ? prec : limit + 1);
				break;
			}
			__attribute__((fallthrough));	/* %ls */
		case 'S':
			(void)va_arg(a, const wchar_t *);
			total = prec == UNKNOWN_SIZE ? UNKNOWN_SIZE : total + prec;
			break;
		case 'c':
			if (len == L_LONG)
				(void)va_arg(a, wint_t);
			else
				(void)va_arg(a, int);
			total += MB_LEN_MAX;
			break;
		case 'C':
			(void)va_arg(a, wint_t);
			total += MB_LEN_MAX;
			break;
		case 'p':
			(void)va_arg(a, void *);
			total += INT_DIGITS;
			break;
		case 'n':
			(void)va_arg(a, void *);
			break;
		case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case 'a': case 'A':
			if (len == L_LDOUBLE) {
				total = UNKNOWN_SIZE;	/* %Lf: up to 4933 digits */
				break;
			}
			(void)va_arg(a, double);
			total += (prec == UNKNOWN_SIZE ? 6 : prec) + FLOAT_DIGITS;
			break;
		case '%':
			total++;
			break;
		default:
			total = UNKNOWN_SIZE;
			break;
		}
		if (total > limit)
			break;
	}
	va_end(a);
	return total;
}

struct formatted {
	char *s;
	size_t mapped;		/* bytes mmap()ed at s, or 0 */
	int n;
};

static int vformat(char *buf, size_t size, int flag, const char *fmt, va_list ap)
{
	if (flag == NOT_CHK)
		return vsnprintf(buf, size, fmt, ap);
	return __vsnprintf_chk(buf, size, flag, size, fmt, ap);
}

/* Format into stack (FORMAT_STACK bytes), or, above a piece, into an
 * mmap()ed buffer.  Returns 0, or -1 (errno unchanged) if the caller should
 * use the real function: the result is between the stack and a piece (the
 * real function cannot make a datagram larger than a piece then), or an
 * error that the real function will report itself. */
static int format(struct formatted *f, char *stack, size_t piece, int flag,
		  const char *fmt, va_list ap)
{
	int saved = errno, n;
	size_t size;
	va_list copy;
	void *m;

	va_copy(copy, ap);
	n = vformat(stack, FORMAT_STACK, flag, fmt, copy);
	va_end(copy);
	f->s = stack;
	f->mapped = 0;
	f->n = n;
	errno = saved;
	if (n < 0)
		return -1;
	if (n < FORMAT_STACK)
		return 0;
	if ((size_t)n <= piece)
		return -1;
	size = (size_t)n + 1;
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		errno = saved;
		return -1;
	}
	va_copy(copy, ap);
	n = vformat(m, size, flag, fmt, copy);	/* same arguments, same result */
	va_end(copy);
	errno = saved;
	f->s = m;
	f->mapped = size;
	if (n < 0 || (size_t)n >= size) {
		munmap(m, size);
		errno = saved;
		return -1;
	}
	f->n = n;
	return 0;
}

static void release(struct formatted *f)
{
	int saved = errno;

	if (f->mapped)
		munmap(f->s, f->mapped);
	errno = saved;
}

static int real_vfprintf_any(FILE *fp, int flag, const char *fmt, va_list ap)
{
	if (flag == NOT_CHK)
		return real_vfprintf(fp, fmt, ap);
	return real___vfprintf_chk(fp, flag, fmt, ap);
}

static int real_vdprintf_any(int fd, int flag, const char *fmt, va_list ap)
{
	if (flag == NOT_CHK)
		return real_vdprintf(fd, fmt, ap);
	return real___vdprintf_chk(fd, flag, fmt, ap);
}

/* The real vfprintf (fp) or vdprintf (fd, fp NULL), for in_turn(). */
struct printf_args {
	FILE *fp;
	int fd, flag;
	const char *fmt;
	va_list ap;
};

static long printf_op(void *arg)
{
	struct printf_args *a = arg;

	if (a->fp != NULL)
		return real_vfprintf_any(a->fp, a->flag, a->fmt, a->ap);
	return real_vdprintf_any(a->fd, a->flag, a->fmt, a->ap);
}

static int printf_in_turn(FILE *fp, int fd, int flag, const char *fmt, va_list ap)
{
	struct printf_args a = { .fp = fp, .fd = fd, .flag = flag, .fmt = fmt };
	int r;

	va_copy(a.ap, ap);
	r = (int)in_turn(fp, fd, printf_op, &a);
	va_end(a.ap);
	return r;
}

/* The real vfprintf, on a FILE of ours: in turn while a split is sent. */
static int vfprintf_ours(FILE *fp, int flag, const char *fmt, va_list ap)
{
	if (dtee_unlikely(dtee_splitting()))
		return printf_in_turn(fp, fp->_fileno, flag, fmt, ap);
	return real_vfprintf_any(fp, flag, fmt, ap);
}

static int vdprintf_ours(int fd, int flag, const char *fmt, va_list ap)
{
	if (dtee_unlikely(dtee_splitting()))
		return printf_in_turn(NULL, fd, flag, fmt, ap);
	return real_vdprintf_any(fd, flag, fmt, ap);
}

/* Kept out of dtee_vfprintf so that its fast path has no stack buffer. */
__attribute__((noinline))
static int vfprintf_formatted(FILE *fp, size_t piece, int flag, const char *fmt, va_list ap)
{
	char stack[FORMAT_STACK];
	struct formatted f;
	size_t done;
	int r;

	if (format(&f, stack, piece, flag, fmt, ap) != 0)
		return vfprintf_ours(fp, flag, fmt, ap);
	if ((size_t)f.n <= piece) {
		r = dtee_fwrite(f.s, 1, (size_t)f.n, fp, STDIO_LOCKED) == (size_t)f.n ? f.n : -1;
	} else {
		done = write_pieces(f.s, (size_t)f.n, piece, fp);
		r = done == (size_t)f.n ? f.n : -1;
	}
	release(&f);
	return r;
}

static int dtee_vfprintf(FILE *fp, int flag, const char *fmt, va_list ap)
{
	size_t piece = dtee_file_piece(fp);

	if (piece == 0)
		return real_vfprintf_any(fp, flag, fmt, ap);
	if (output_bound(fmt, ap, piece) <= piece)
		return vfprintf_ours(fp, flag, fmt, ap);
	return vfprintf_formatted(fp, piece, flag, fmt, ap);
}

__attribute__((noinline))
static int vdprintf_formatted(int fd, size_t piece, int flag, const char *fmt, va_list ap)
{
	char stack[FORMAT_STACK];
	struct formatted f;
	size_t done = 0;
	int r;

	if (format(&f, stack, piece, flag, fmt, ap) != 0)
		return vdprintf_ours(fd, flag, fmt, ap);
	r = f.n;
	while (done < (size_t)f.n) {
		ssize_t w = dtee_write(fd, f.s + done, (size_t)f.n - done);

		if (w < 0) {
			r = -1;
			break;
		}
		done += (size_t)w;
	}
	release(&f);
	return r;
}

static int dtee_vdprintf(int fd, int flag, const char *fmt, va_list ap)
{
	size_t piece = dtee_fd_piece(fd);

	if (piece == 0)
		return real_vdprintf_any(fd, flag, fmt, ap);
	if (output_bound(fmt, ap, piece) <= piece)
		return vdprintf_ours(fd, flag, fmt, ap);
	return vdprintf_formatted(fd, piece, flag, fmt, ap);
}

/* Exported: forwarders only. ------------------------------------------------ */

DTEE_EXPORT size_t fwrite(const void *p, size_t size, size_t n, FILE *fp)
{
	return dtee_fwrite(p, size, n, fp, STDIO_LOCKED);
}

DTEE_EXPORT size_t fwrite_unlocked(const void *p, size_t size, size_t n, FILE *fp)
{
	return dtee_fwrite(p, size, n, fp, STDIO_UNLOCKED);
}

DTEE_EXPORT int fputs(const char *s, FILE *fp)
{
	return dtee_fputs(s, fp, STDIO_LOCKED);
}

DTEE_EXPORT int fputs_unlocked(const char *s, FILE *fp)
{
	return dtee_fputs(s, fp, STDIO_UNLOCKED);
}

DTEE_EXPORT int puts(const char *s)
{
	return dtee_puts(s);
}

DTEE_EXPORT int vfprintf(FILE *fp, const char *fmt, va_list ap)
{
	return dtee_vfprintf(fp, NOT_CHK, fmt, ap);
}

DTEE_EXPORT int vprintf(const char *fmt, va_list ap)
{
	return dtee_vfprintf(stdout, NOT_CHK, fmt, ap);
}

DTEE_EXPORT int fprintf(FILE *fp, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = dtee_vfprintf(fp, NOT_CHK, fmt, ap);
	va_end(ap);
	return r;
}

DTEE_EXPORT int printf(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = dtee_vfprintf(stdout, NOT_CHK, fmt, ap);
	va_end(ap);
	return r;
}

DTEE_EXPORT int vdprintf(int fd, const char *fmt, va_list ap)
{
	return dtee_vdprintf(fd, NOT_CHK, fmt, ap);
}

DTEE_EXPORT int dprintf(int fd, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = dtee_vdprintf(fd, NOT_CHK, fmt, ap);
	va_end(ap);
	return r;
}

DTEE_EXPORT int __vfprintf_chk(FILE *fp, int flag, const char *fmt, va_list ap)
{
	return dtee_vfprintf(fp, flag, fmt, ap);
}

DTEE_EXPORT int __vprintf_chk(int flag, const char *fmt, va_list ap)
{
	return dtee_vfprintf(stdout, flag, fmt, ap);
}

DTEE_EXPORT int __fprintf_chk(FILE *fp, int flag, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = dtee_vfprintf(fp, flag, fmt, ap);
	va_end(ap);
	return r;
}

DTEE_EXPORT int __printf_chk(int flag, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = dtee_vfprintf(stdout, flag, fmt, ap);
	va_end(ap);
	return r;
}

DTEE_EXPORT int __vdprintf_chk(int fd, int flag, const char *fmt, va_list ap)
{
	return dtee_vdprintf(fd, flag, fmt, ap);
}

DTEE_EXPORT int __dprintf_chk(int fd, int flag, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = dtee_vdprintf(fd, flag, fmt, ap);
	va_end(ap);
	return r;
}

/* A buffer larger than a piece would be flushed as one oversized datagram. */
DTEE_EXPORT int setvbuf(FILE *fp, char *buf, int mode, size_t size)
{
	size_t piece;

	if (buf != NULL && mode != _IONBF && (piece = pieces_for(size, fp)) != 0)
		size = piece;
	return real_setvbuf(fp, buf, mode, size);
}

/* Conversions of the program's own: output_bound() can no longer tell. */
DTEE_EXPORT int register_printf_specifier(int spec, void *render, void *arginfo)
{
	atomic_store(&custom_conversions, 1);
	return real_register_printf_specifier(spec, render, arginfo);
}

DTEE_EXPORT int register_printf_function(int spec, void *render, void *arginfo)
{
	atomic_store(&custom_conversions, 1);
	return real_register_printf_function(spec, render, arginfo);
}

/* Streams that close or change their fd: the fd cache forgets it. */
DTEE_EXPORT int fclose(FILE *fp)
{
	int fd = fp->_fileno, r = real_fclose(fp);

	dtee_fd_forget(fd);
	return r;
}

/* freopen: the stream's old fd is closed, and its new one may be any fd. */
static FILE *reopened(int old_fd, FILE *r)
{
	dtee_fd_forget(old_fd);
	if (r != NULL)
		dtee_fd_forget(r->_fileno);
	return r;
}

DTEE_EXPORT FILE *freopen(const char *path, const char *mode, FILE *fp)
{
	int fd = fp->_fileno;

	return reopened(fd, real_freopen(path, mode, fp));
}

DTEE_EXPORT FILE *freopen64(const char *path, const char *mode, FILE *fp)
{
	int fd = fp->_fileno;

	return reopened(fd, real_freopen64(path, mode, fp));
}

DTEE_EXPORT int pclose(FILE *fp)
{
	int fd = fp->_fileno, r = real_pclose(fp);

	dtee_fd_forget(fd);
	return r;
}

DTEE_EXPORT int fcloseall(void)
{
	int r = real_fcloseall();

	dtee_fd_forget_all();
	return r;
}
