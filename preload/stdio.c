/*
 * The stdio entry points.  glibc's stdio writes through its hidden internal
 * __write, which the write() hook never sees: a 1 MB fwrite() on a datagram
 * socket would fail inside stdio, return 0 and drop the data.
 *
 * fwrite/fputs/puts of more than DTEE_STDIO_PIECE bytes on a FILE whose fd
 * is a datagram socket: the real unlocked function is given the data in
 * pieces of DTEE_STDIO_PIECE, under the FILE's lock, so glibc itself keeps
 * the buffer, error flag and orientation exactly as usual, while no single
 * write it makes is larger than a piece.  Everything else: the real call.
 *
 * The printf family cannot know its size in advance.  On a datagram FILE
 * (cached per fd, fdtype.c: no system call per printf) it formats with
 * vsnprintf (the __*_chk variants with __vsnprintf_chk and the same flag,
 * so %n and FORTIFY checks are unchanged) into a stack buffer, or for a
 * large result into an mmap()ed one (never malloc), then writes it with the
 * fwrite above.  On any other FILE: the real vfprintf/__vfprintf_chk.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>

#include "dtee-preload.h"

/* bits/stdio.h may define these as macros; we define the functions. */
#undef fwrite_unlocked
#undef fputs_unlocked

#define FORMAT_STACK 1024
#define NOT_CHK (-1)

int __printf_chk(int flag, const char *fmt, ...);
int __vprintf_chk(int flag, const char *fmt, va_list ap);
int __fprintf_chk(FILE *fp, int flag, const char *fmt, ...);
int __vfprintf_chk(FILE *fp, int flag, const char *fmt, va_list ap);
int __dprintf_chk(int fd, int flag, const char *fmt, ...);
int __vdprintf_chk(int fd, int flag, const char *fmt, va_list ap);
int __vsnprintf_chk(char *s, size_t max, int flag, size_t slen, const char *fmt, va_list ap);

/* Feed len bytes to the real fwrite_unlocked a piece at a time; the caller
 * holds the FILE lock.  Returns the bytes stdio accepted. */
static size_t write_pieces(const char *p, size_t len, FILE *fp)
{
	size_t done = 0;

	while (done < len) {
		size_t n = len - done < DTEE_STDIO_PIECE ? len - done : DTEE_STDIO_PIECE;
		size_t w = real_fwrite_unlocked(p + done, 1, n, fp);

		done += w;
		if (w < n)
			break;
	}
	return done;
}

static int needs_pieces(size_t len, FILE *fp)
{
	return len > DTEE_STDIO_PIECE && dtee_file_is_dgram(fp);
}

static size_t dtee_fwrite(const void *p, size_t size, size_t n, FILE *fp, int lock)
{
	size_t total, done;

	if (__builtin_mul_overflow(size, n, &total) || !needs_pieces(total, fp))
		return lock ? real_fwrite(p, size, n, fp) : real_fwrite_unlocked(p, size, n, fp);
	if (lock)
		flockfile(fp);
	done = write_pieces(p, total, fp);
	if (lock)
		funlockfile(fp);
	return done == total ? n : done / size;
}

static int dtee_fputs(const char *s, FILE *fp, int lock)
{
	size_t len = strlen(s), done;

	if (!needs_pieces(len, fp))
		return lock ? real_fputs(s, fp) : real_fputs_unlocked(s, fp);
	if (lock)
		flockfile(fp);
	done = write_pieces(s, len, fp);
	if (lock)
		funlockfile(fp);
	return done == len ? 1 : EOF;	/* glibc's fputs returns 1 */
}

static int dtee_puts(const char *s)
{
	FILE *fp = stdout;
	size_t len = strlen(s);
	int r = EOF;

	if (!needs_pieces(len, fp))
		return real_puts(s);
	flockfile(fp);
	if (write_pieces(s, len, fp) == len && putc_unlocked('\n', fp) != EOF)
		r = len >= INT_MAX ? INT_MAX : (int)len + 1;
	funlockfile(fp);
	return r;
}

/* printf family ------------------------------------------------------------ */

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

/* Format into stack (FORMAT_STACK bytes) or an mmap()ed buffer.  Returns 0,
 * or -1 (errno unchanged) if the caller should use the real function. */
static int format(struct formatted *f, char *stack, int flag, const char *fmt, va_list ap)
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

static int dtee_vfprintf(FILE *fp, int flag, const char *fmt, va_list ap)
{
	char stack[FORMAT_STACK];
	struct formatted f;
	int r;

	if (!dtee_file_is_dgram(fp) || format(&f, stack, flag, fmt, ap) != 0)
		return real_vfprintf_any(fp, flag, fmt, ap);
	r = dtee_fwrite(f.s, 1, (size_t)f.n, fp, 1) == (size_t)f.n ? f.n : -1;
	release(&f);
	return r;
}

static int dtee_vdprintf(int fd, int flag, const char *fmt, va_list ap)
{
	char stack[FORMAT_STACK];
	struct formatted f;
	size_t done = 0;
	int r;

	if (!dtee_fd_is_dgram(fd) || format(&f, stack, flag, fmt, ap) != 0) {
		if (flag == NOT_CHK)
			return real_vdprintf(fd, fmt, ap);
		return real___vdprintf_chk(fd, flag, fmt, ap);
	}
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

/* Exported: forwarders only. ------------------------------------------------ */

DTEE_EXPORT size_t fwrite(const void *p, size_t size, size_t n, FILE *fp)
{
	return dtee_fwrite(p, size, n, fp, 1);
}

DTEE_EXPORT size_t fwrite_unlocked(const void *p, size_t size, size_t n, FILE *fp)
{
	return dtee_fwrite(p, size, n, fp, 0);
}

DTEE_EXPORT int fputs(const char *s, FILE *fp)
{
	return dtee_fputs(s, fp, 1);
}

DTEE_EXPORT int fputs_unlocked(const char *s, FILE *fp)
{
	return dtee_fputs(s, fp, 0);
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
	if (buf != NULL && mode != _IONBF && needs_pieces(size, fp))
		size = DTEE_STDIO_PIECE;
	return real_setvbuf(fp, buf, mode, size);
}

/* Streams that close or change their fd: the fd cache forgets it. */
DTEE_EXPORT int fclose(FILE *fp)
{
	int fd = fp->_fileno, r = real_fclose(fp);

	dtee_fd_forget(fd);
	return r;
}

DTEE_EXPORT FILE *freopen(const char *path, const char *mode, FILE *fp)
{
	int fd = fp->_fileno;
	FILE *r = real_freopen(path, mode, fp);

	dtee_fd_forget(fd);
	if (r != NULL)
		dtee_fd_forget(r->_fileno);
	return r;
}

DTEE_EXPORT FILE *freopen64(const char *path, const char *mode, FILE *fp)
{
	int fd = fp->_fileno;
	FILE *r = real_freopen64(path, mode, fp);

	dtee_fd_forget(fd);
	if (r != NULL)
		dtee_fd_forget(r->_fileno);
	return r;
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
