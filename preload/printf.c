/* printf.c: the printf family: printf, fprintf, vprintf, vfprintf, dprintf,
 * vdprintf and their FORTIFY forms (__printf_chk, ...).
 *
 * printf cannot know its size in advance, and glibc writes its output
 * through the hidden __write: a printf of more than the socket takes would
 * be lost inside stdio.  On one of our FILEs (cached per fd: no system
 * call per printf) it first reads the format and the arguments for an
 * upper bound of the output (printf-bound.c); when that is at most a
 * piece, the real vfprintf is all it takes.  Otherwise it formats with
 * vsnprintf (the __*_chk variants with __vsnprintf_chk and the same flag,
 * so %n and FORTIFY checks are unchanged) into a stack buffer, and writes
 * that with fwrite (stdio.c); a result larger than the stack buffer but at
 * most a piece is left to the real vfprintf (formatted a second time), and
 * only a larger one is formatted into an mmap()ed buffer (never malloc)
 * and written in pieces.
 *
 * While a split is being sent, a printf on one of our FILEs or fds waits
 * its turn (stdio.c), and one that failed because dtee has gone gets what
 * a pipe gives (sigpipe.c). */
/* Under optimisation glibc's <stdio.h> defines vprintf as an extern inline;
 * this file defines the real one. */
#include <features.h>
/* glibc's FILE: built with another libc, stdio-api.c has the hooks. */
#ifdef __GLIBC__
#undef __USE_EXTERN_INLINES

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "dtee-preload.h"
#include "printf-bound.h"

/* Output up to this size is formatted on the stack; more goes to the real
 * function (up to a piece) or to an mmap()ed buffer. */
#define FORMAT_STACK 1024
/* The flag argument of the plain (not FORTIFY) functions. */
#define NOT_CHK (-1)

int __printf_chk(int flag, const char *fmt, ...);
int __vprintf_chk(int flag, const char *fmt, va_list ap);
int __fprintf_chk(FILE *fp, int flag, const char *fmt, ...);
int __vfprintf_chk(FILE *fp, int flag, const char *fmt, va_list ap);
int __dprintf_chk(int fd, int flag, const char *fmt, ...);
int __vdprintf_chk(int fd, int flag, const char *fmt, va_list ap);
/* Weak: the library must load in a program on another libc too (libc.c). */
int __vsnprintf_chk(char *s, size_t max, int flag, size_t slen, const char *fmt, va_list ap)
	__attribute__((weak));
int register_printf_specifier(int spec, void *render, void *arginfo);
int register_printf_function(int spec, void *render, void *arginfo);

/* Set once the program registers its own conversions, which may redefine
 * any letter: the bound then cannot tell. */
static _Atomic int custom_conversions;

static size_t bound(const char *fmt, va_list ap, size_t limit)
{
	if (atomic_load_explicit(&custom_conversions, memory_order_relaxed))
		return DTEE_UNKNOWN_SIZE;
	return dtee_printf_bound(fmt, ap, limit);
}

struct formatted {
	char *s;
	size_t mapped;		/* bytes mmap()ed at s, or 0 */
	int n;
};

static int vformat(char *buf, size_t size, int flag, const char *fmt, va_list ap)
{
	if (flag == NOT_CHK || __vsnprintf_chk == NULL)
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
	r = (int)dtee_file_in_turn(fp, fd, printf_op, &a);
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
		done = dtee_file_write_pieces(f.s, (size_t)f.n, piece, fp);
		r = done == (size_t)f.n ? f.n : -1;
	}
	release(&f);
	return r;
}

static int dtee_vfprintf(FILE *fp, int flag, const char *fmt, va_list ap)
{
	size_t piece;
	int r;

	dtee_order_before_file(fp);
	piece = dtee_file_piece(fp);

	if (piece == 0)
		return real_vfprintf_any(fp, flag, fmt, ap);
	if (bound(fmt, ap, piece) <= piece)
		r = vfprintf_ours(fp, flag, fmt, ap);
	else
		r = vfprintf_formatted(fp, piece, flag, fmt, ap);
	if (dtee_unlikely(r < 0))
		dtee_file_reader_gone(fp);
	return r;
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
	size_t piece;
	int r;

	dtee_order_before(fd);
	piece = dtee_fd_piece(fd);

	if (piece == 0)
		return real_vdprintf_any(fd, flag, fmt, ap);
	if (bound(fmt, ap, piece) <= piece)
		r = vdprintf_ours(fd, flag, fmt, ap);
	else
		r = vdprintf_formatted(fd, piece, flag, fmt, ap);
	return (int)dtee_checked(r, fd, 0);
}

static int dtee_register_printf_specifier(int spec, void *render, void *arginfo)
{
	atomic_store(&custom_conversions, 1);
	return real_register_printf_specifier(spec, render, arginfo);
}

static int dtee_register_printf_function(int spec, void *render, void *arginfo)
{
	atomic_store(&custom_conversions, 1);
	return real_register_printf_function(spec, render, arginfo);
}

/* Exported: forwarders only (the variadic ones turn ... into a va_list); on
 * another libc than glibc, to stdio-api.c (libc.c) ------------------------ */

DTEE_EXPORT int vfprintf(FILE *fp, const char *fmt, va_list ap)
{
	if (!dtee_libc_is_glibc())
		return dtee_api_vfprintf(fp, fmt, ap);
	return dtee_vfprintf(fp, NOT_CHK, fmt, ap);
}

DTEE_EXPORT int vprintf(const char *fmt, va_list ap)
{
	if (!dtee_libc_is_glibc())
		return dtee_api_vfprintf(stdout, fmt, ap);
	return dtee_vfprintf(stdout, NOT_CHK, fmt, ap);
}

DTEE_EXPORT int fprintf(FILE *fp, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = dtee_libc_is_glibc() ? dtee_vfprintf(fp, NOT_CHK, fmt, ap)
				 : dtee_api_vfprintf(fp, fmt, ap);
	va_end(ap);
	return r;
}

DTEE_EXPORT int printf(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = dtee_libc_is_glibc() ? dtee_vfprintf(stdout, NOT_CHK, fmt, ap)
				 : dtee_api_vfprintf(stdout, fmt, ap);
	va_end(ap);
	return r;
}

DTEE_EXPORT int vdprintf(int fd, const char *fmt, va_list ap)
{
	if (!dtee_libc_is_glibc())
		return dtee_api_vdprintf(fd, fmt, ap);
	return dtee_vdprintf(fd, NOT_CHK, fmt, ap);
}

DTEE_EXPORT int dprintf(int fd, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = dtee_libc_is_glibc() ? dtee_vdprintf(fd, NOT_CHK, fmt, ap)
				 : dtee_api_vdprintf(fd, fmt, ap);
	va_end(ap);
	return r;
}

DTEE_EXPORT int __vfprintf_chk(FILE *fp, int flag, const char *fmt, va_list ap)
{
	if (!dtee_libc_is_glibc())
		return dtee_api_vfprintf(fp, fmt, ap);
	return dtee_vfprintf(fp, flag, fmt, ap);
}

DTEE_EXPORT int __vprintf_chk(int flag, const char *fmt, va_list ap)
{
	if (!dtee_libc_is_glibc())
		return dtee_api_vfprintf(stdout, fmt, ap);
	return dtee_vfprintf(stdout, flag, fmt, ap);
}

DTEE_EXPORT int __fprintf_chk(FILE *fp, int flag, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = dtee_libc_is_glibc() ? dtee_vfprintf(fp, flag, fmt, ap)
				 : dtee_api_vfprintf(fp, fmt, ap);
	va_end(ap);
	return r;
}

DTEE_EXPORT int __printf_chk(int flag, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = dtee_libc_is_glibc() ? dtee_vfprintf(stdout, flag, fmt, ap)
				 : dtee_api_vfprintf(stdout, fmt, ap);
	va_end(ap);
	return r;
}

DTEE_EXPORT int __vdprintf_chk(int fd, int flag, const char *fmt, va_list ap)
{
	if (!dtee_libc_is_glibc())
		return dtee_api_vdprintf(fd, fmt, ap);
	return dtee_vdprintf(fd, flag, fmt, ap);
}

DTEE_EXPORT int __dprintf_chk(int fd, int flag, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = dtee_libc_is_glibc() ? dtee_vdprintf(fd, flag, fmt, ap)
				 : dtee_api_vdprintf(fd, fmt, ap);
	va_end(ap);
	return r;
}

DTEE_EXPORT int register_printf_specifier(int spec, void *render, void *arginfo)
{
	return dtee_register_printf_specifier(spec, render, arginfo);
}

DTEE_EXPORT int register_printf_function(int spec, void *render, void *arginfo)
{
	return dtee_register_printf_function(spec, render, arginfo);
}

#endif
