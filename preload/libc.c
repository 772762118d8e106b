/*
 * Which libc the program runs on, and the libc entry points that differ.
 *
 * libdtee.so is preloaded into every dynamically linked program a dtee
 * runs, whatever its libc: a glibc-built library in a musl program too.
 * musl's loader refuses to start a program when a preloaded library has an
 * undefined symbol it cannot resolve, so this library references no
 * glibc-only symbol strongly: glibc's cancellation cleanup
 * (__pthread_register_cancel, ...), __register_atfork (behind glibc's
 * pthread_atfork) and __vsnprintf_chk are weak here and used only when
 * present.  tests/preload-libc.bats checks the undefined symbols against
 * musl's libc.so.
 *
 * The libc is told once, by the symbol only glibc defines
 * (gnu_get_libc_version), in the constructor or at the first stdio call
 * before it.  On glibc the stdio hooks work on glibc's FILE (stdio.c,
 * printf.c); on any other libc they go through the public stdio API only
 * (stdio-api.c).  write, writev, send*, sendfile and splice are split the
 * same way on every libc: they only need the system calls.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "dtee-preload.h"

_Atomic int dtee_libc;

int dtee_fileno_api(FILE *fp)
{
	int saved = errno, fd = fileno(fp);

	errno = saved;
	return fd;
}

#ifdef __GLIBC__
/* The symbols behind glibc's pthread_cleanup_push and pthread_atfork. */
#pragma weak __pthread_register_cancel
#pragma weak __pthread_unregister_cancel
#pragma weak __pthread_unwind_next
#pragma weak __sigsetjmp_cancel
int __register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void),
		      void *dso) __attribute__((weak));
extern void *__dso_handle __attribute__((weak));

/* musl's pthread_cleanup_push, for a glibc-built library in a musl
 * program: its frame, and the two calls its macros make. */
struct musl_cleanup {
	void (*f)(void *);
	void *x;
	struct musl_cleanup *next;
};
typedef void musl_push_fn(struct musl_cleanup *, void (*)(void *), void *);
typedef void musl_pop_fn(struct musl_cleanup *, int);
static musl_push_fn *_Atomic musl_push;
static musl_pop_fn *_Atomic musl_pop;

/* Another libc's cleanup calls, when it is musl. */
static void find_musl_cleanup(void)
{
	musl_pop_fn *pop = (musl_pop_fn *)dlsym(RTLD_DEFAULT, "_pthread_cleanup_pop");
	musl_push_fn *push = (musl_push_fn *)dlsym(RTLD_DEFAULT, "_pthread_cleanup_push");

	if (push != NULL && pop != NULL) {
		atomic_store(&musl_pop, pop);
		atomic_store(&musl_push, push);
	}
}

int dtee_libc_detect(void)
{
	int libc = DTEE_LIBC_GLIBC;

	if (dlsym(RTLD_DEFAULT, "gnu_get_libc_version") == NULL) {
		libc = DTEE_LIBC_OTHER;
		find_musl_cleanup();
	}
	atomic_store_explicit(&dtee_libc, libc, memory_order_relaxed);
	return libc;
}

static long glibc_with_cleanup(long (*op)(void *), void *arg, void (*done)(void *), void *hold)
{
	long r;

	pthread_cleanup_push(done, hold);
	r = op(arg);
	pthread_cleanup_pop(1);
	return r;
}

long dtee_with_cleanup(long (*op)(void *), void *arg, void (*done)(void *), void *hold)
{
	musl_push_fn *push = atomic_load(&musl_push);
	struct musl_cleanup frame;
	long r;

	if (dtee_libc_is_glibc() && __pthread_register_cancel != NULL)
		return glibc_with_cleanup(op, arg, done, hold);
	if (push != NULL) {
		push(&frame, done, hold);
		r = op(arg);
		atomic_load(&musl_pop)(&frame, 1);
		return r;
	}
	r = op(arg);	/* no cleanup this library knows: none */
	done(hold);
	return r;
}

void dtee_at_fork(void (*child)(void))
{
	int (*atfork)(void (*)(void), void (*)(void), void (*)(void));

	if (dtee_libc_is_glibc() && __register_atfork != NULL) {
		__register_atfork(NULL, NULL, child, &__dso_handle);
		return;
	}
	atfork = (int (*)(void (*)(void), void (*)(void), void (*)(void)))
		dlsym(RTLD_DEFAULT, "pthread_atfork");
	if (atfork != NULL)
		atfork(NULL, NULL, child);
}

#else /* built with another libc (make musl): its own calls */

int dtee_libc_detect(void)
{
	atomic_store_explicit(&dtee_libc, DTEE_LIBC_OTHER, memory_order_relaxed);
	return DTEE_LIBC_OTHER;
}

long dtee_with_cleanup(long (*op)(void *), void *arg, void (*done)(void *), void *hold)
{
	long r;

	pthread_cleanup_push(done, hold);
	r = op(arg);
	pthread_cleanup_pop(1);
	return r;
}

void dtee_at_fork(void (*child)(void))
{
	pthread_atfork(NULL, NULL, child);
}

#endif
