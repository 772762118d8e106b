/* order.c: order as printed without line buffering: stdout flushed before
 * stderr.
 *
 * The launcher's private variable _DTEE_STDOUT says how stdout is to be
 * buffered when fd 1 is dtee's stdout socket: L, line-buffered from the
 * start (someone watches, or a log stamps each line); F (nobody watches
 * the output live), stdout keeps its own buffering, and the stdout buffer
 * is flushed before anything of this process goes to stderr: write, writev, send*, pwritev2 on fd 2 (io.c), fwrite, fputs,
 * __overflow on stderr (stdio.c), the printf family on stderr or fd 2
 * (printf.c), and here perror and the err/warn family, which glibc writes
 * to stderr through no hook.  What a terminal gives for free (stdout
 * line-buffered, stderr unbuffered) costs one flush per switch of streams
 * instead of one datagram per line.
 *
 * The flush never waits: another thread printing to stdout keeps its
 * buffer (the order of two threads is theirs), and so does this thread
 * when it is inside a stdio call on stdout already (a signal handler that
 * writes to fd 2), which glibc's recursive FILE lock tells, once stdout
 * is locked even in a program with one thread.
 *
 * Before fork, stdout is flushed too, so that a child does not print the
 * parent's buffer again before its own first write to stderr.
 *
 * In a process whose fd 1 is not dtee's socket (a descendant writing to
 * its own file or pipe), the constructor takes out of the environment
 * what dtee added for the runtimes (_DTEE_ADDED_PYTHONPATH,
 * _DTEE_ADDED_PERL5OPT) and the private variables, before main: such a
 * program runs as it would without dtee. */
#include <dlfcn.h>
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dtee-preload.h"
#include "envlist.h"

/* 2 in flush-before-stderr mode, else -1: one load and a comparison on
 * every write. */
int dtee_order_fd = -1;
/* The same for write, writev, send* and dprintf on fd 2: those may come
 * from a signal handler that interrupted a stdio call on stdout, which
 * only glibc's lock tells (nested()); elsewhere (musl) flushing there
 * would take over the interrupted call's FILE, so only stdio calls on
 * stderr flush stdout first. */
int dtee_order_raw_fd = -1;

#define MODE_VAR "_DTEE_STDOUT"
#define ADDED_PREFIX "_DTEE_ADDED_"

/* Is this thread inside a stdio call on stdout (the lock it just took
 * was taken already)?  glibc's recursive FILE lock counts its owner's
 * holds. */
static bool nested(FILE *out)
{
#ifdef __GLIBC__
	struct glibc_lock {
		int lock, cnt;
		void *owner;
	} *l;

	if (!dtee_libc_is_glibc())
		return 0;
	l = (struct glibc_lock *)out->_lock;
	return l != NULL && l->cnt > 1;
#else
	(void)out;
	return 0;
#endif
}

/* glibc takes FILE locks only once a second thread exists; a signal
 * handler could then not tell that it interrupted a stdio call on stdout.
 * So stdout's lock is taken always (a few instructions per call), as in a
 * threaded program. */
static void lock_always(FILE *out)
{
#ifdef __GLIBC__
	if (dtee_libc_is_glibc())
		out->_flags2 |= 128;	/* glibc's _IO_FLAGS2_NEED_LOCK */
#else
	(void)out;
#endif
}

static bool pending(FILE *out)
{
#ifdef __GLIBC__
	if (dtee_libc_is_glibc())
		return out->_IO_write_ptr > out->_IO_write_base;
	return 1;
#else
	(void)out;
	return 1;
#endif
}

void dtee_order_flush(void)
{
	FILE *out = stdout;
	int saved = errno;

	if (!pending(out) || ftrylockfile(out) != 0)
		return;
	if (!nested(out) && dtee_file_piece(out) != 0)
		real_fflush_unlocked(out);
	funlockfile(out);
	errno = saved;
}

/* Take entry, and one separator beside it, out of the variable name. */
static void take_out(const char *name, const char *entry)
{
	const char *old = getenv(name);
	size_t len = strlen(entry);
	const char *p;

	if (old == NULL || (p = envlist_find(old, entry)) == NULL)
		return;
	if (p == old && p[len] == '\0') {
		unsetenv(name);
		return;
	}
	char *value = strdup(old);
	if (value == NULL)
		return;
	size_t at = (size_t)(p - old), cut = len;
	if (p[len] != '\0')
		cut++;		/* the separator after it */
	else
		at--, cut++;	/* the separator before it */
	memmove(value + at, value + at + cut, strlen(value + at + cut) + 1);
	setenv(name, value, 1);
	free(value);
}

static void forget_added(const char *name)
{
	char var[64] = ADDED_PREFIX;
	const char *entry;

	strncat(var, name, sizeof var - sizeof ADDED_PREFIX);
	entry = getenv(var);
	if (entry != NULL)
		take_out(name, entry);
	unsetenv(var);
}

/* A child would inherit what stdout holds, and flush it before its first
 * write to stderr: a copy the program alone (ending the child with _exit)
 * never prints.  So the parent flushes first. */
static void order_before_fork(void)
{
	if (dtee_order_fd >= 0)
		dtee_order_flush();
}

void dtee_order_start(void)
{
	const char *v = getenv(MODE_VAR);
	int saved = errno;

	if (v == NULL) {
		return;
	} else if (dtee_fd_is_stdout_socket()) {
		if (strcmp(v, "L") == 0) {
			real_setvbuf(stdout, NULL, _IOLBF, 0);
		} else if (strcmp(v, "F") == 0) {
			dtee_order_fd = 2;
			if (dtee_libc_is_glibc())
				dtee_order_raw_fd = 2;
			lock_always(stdout);
			dtee_at_fork(order_before_fork, NULL);
		}
	} else {
		forget_added("PYTHONPATH");
		forget_added("PERL5OPT");
		unsetenv(MODE_VAR);
	}
	errno = saved;
}

/* perror and the err/warn family: glibc writes them through its internal
 * stdio, past every hook.  The real functions are found on first use. */

#define NEXT(type, name) \
	static _Atomic(type) next_##name; \
	type real_##name = atomic_load_explicit(&next_##name, memory_order_relaxed); \
	if (real_##name == NULL) { \
		real_##name = (type)dlsym(RTLD_NEXT, #name); \
		atomic_store_explicit(&next_##name, real_##name, memory_order_relaxed); \
	}

typedef void (*perror_fn)(const char *);
typedef void (*vwarn_fn)(const char *, va_list);
typedef void (*verr_fn)(int, const char *, va_list);

static void order_vwarn(const char *fmt, va_list ap)
{
	NEXT(vwarn_fn, vwarn)
	dtee_order_before_file(stderr);
	real_vwarn(fmt, ap);
}

static void order_vwarnx(const char *fmt, va_list ap)
{
	NEXT(vwarn_fn, vwarnx)
	dtee_order_before_file(stderr);
	real_vwarnx(fmt, ap);
}

__attribute__((noreturn)) static void order_verr(int status, const char *fmt, va_list ap)
{
	NEXT(verr_fn, verr)
	dtee_order_before_file(stderr);
	real_verr(status, fmt, ap);
	exit(status);	/* not reached */
}

__attribute__((noreturn)) static void order_verrx(int status, const char *fmt, va_list ap)
{
	NEXT(verr_fn, verrx)
	dtee_order_before_file(stderr);
	real_verrx(status, fmt, ap);
	exit(status);	/* not reached */
}

/* Exported: forwarders only ------------------------------------------------ */

DTEE_EXPORT void perror(const char *s)
{
	NEXT(perror_fn, perror)
	dtee_order_before_file(stderr);
	real_perror(s);
}

DTEE_EXPORT void vwarn(const char *fmt, va_list ap)
{
	order_vwarn(fmt, ap);
}

DTEE_EXPORT void vwarnx(const char *fmt, va_list ap)
{
	order_vwarnx(fmt, ap);
}

DTEE_EXPORT void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	order_vwarn(fmt, ap);
	va_end(ap);
}

DTEE_EXPORT void warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	order_vwarnx(fmt, ap);
	va_end(ap);
}

DTEE_EXPORT void verr(int status, const char *fmt, va_list ap)
{
	order_verr(status, fmt, ap);
}

DTEE_EXPORT void verrx(int status, const char *fmt, va_list ap)
{
	order_verrx(status, fmt, ap);
}

DTEE_EXPORT void err(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	order_verr(status, fmt, ap);
}

DTEE_EXPORT void errx(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	order_verrx(status, fmt, ap);
}
