/* libc.c: which libc the program runs on, and the libc entry points that
 * differ.
 *
 * libdtee.so is preloaded into every dynamically linked program a dtee
 * runs, whatever its libc: the glibc build into a musl program too, and
 * the musl build (make musl) into a glibc program.  musl's loader refuses
 * to start a program when a preloaded library has an undefined symbol it
 * cannot resolve, so the glibc build references no glibc-only symbol
 * strongly: glibc's cancellation cleanup (__pthread_register_cancel, ...),
 * __register_atfork (behind glibc's pthread_atfork) and __vsnprintf_chk
 * are weak and used only when present.  The musl build is linked against
 * no libc at all (it resolves against the program's), and finds the few
 * calls that differ at run time.  tests/musl.bats checks the glibc build's
 * undefined symbols against musl's libc.so.
 *
 * The libc is told once, by the symbol only glibc defines
 * (gnu_get_libc_version), in the constructor or at the first call that
 * needs it.  Built with glibc and on glibc, the stdio hooks work on glibc's
 * FILE (stdio.c, printf.c); anywhere else they go through the public stdio
 * API only (stdio-api.c).  write, writev, send*, sendfile and splice are
 * split the same way on every libc: they only need the system calls. */
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

/*
 * Cleanup on cancellation in a libc this library was not built for: its
 * _pthread_cleanup_push and _pthread_cleanup_pop, found at run time.  Both
 * musl (frame {f, x, next}, what its pthread_cleanup_push uses) and glibc
 * (frame {routine, arg, canceltype, prev}, its old interface, which its
 * unwinder still runs) take (frame, routine, arg) and (frame, execute):
 * one frame large enough for either.
 */
struct cleanup_frame {
	void *slot[8];
};
typedef void cleanup_push_fn(struct cleanup_frame *, void (*)(void *), void *);
typedef void cleanup_pop_fn(struct cleanup_frame *, int);
static cleanup_push_fn *_Atomic cleanup_push;
static cleanup_pop_fn *_Atomic cleanup_pop;

static void find_cleanup(void)
{
	cleanup_pop_fn *pop = (cleanup_pop_fn *)dlsym(RTLD_DEFAULT, "_pthread_cleanup_pop");
	cleanup_push_fn *push = (cleanup_push_fn *)dlsym(RTLD_DEFAULT, "_pthread_cleanup_push");

	if (push != NULL && pop != NULL) {
		atomic_store(&cleanup_pop, pop);
		atomic_store(&cleanup_push, push);
	}
}

int dtee_libc_detect(void)
{
	int libc = dlsym(RTLD_DEFAULT, "gnu_get_libc_version") != NULL ? DTEE_LIBC_GLIBC
									 : DTEE_LIBC_OTHER;

	find_cleanup();
	atomic_store_explicit(&dtee_libc, libc, memory_order_relaxed);
	return libc;
}

static long with_found_cleanup(long (*op)(void *), void *arg, void (*done)(void *), void *hold)
{
	cleanup_push_fn *push;
	struct cleanup_frame frame;
	long r;

	if (atomic_load_explicit(&dtee_libc, memory_order_relaxed) == DTEE_LIBC_UNKNOWN)
		dtee_libc_detect();
	push = atomic_load(&cleanup_push);
	if (push == NULL) {	/* no cleanup this library knows: none */
		r = op(arg);
		done(hold);
		return r;
	}
	push(&frame, done, hold);
	r = op(arg);
	atomic_load(&cleanup_pop)(&frame, 1);
	return r;
}

/* The fork handler in a libc this library was not built for: its
 * pthread_atfork, else glibc's __register_atfork (what glibc's
 * pthread_atfork, linked into each program, calls). */
static void at_fork_found(void (*prepare)(void), void (*child)(void))
{
	int (*atfork)(void (*)(void), void (*)(void), void (*)(void));
	int (*reg)(void (*)(void), void (*)(void), void (*)(void), void *);

	atfork = (int (*)(void (*)(void), void (*)(void), void (*)(void)))
		dlsym(RTLD_DEFAULT, "pthread_atfork");
	if (atfork != NULL) {
		atfork(prepare, NULL, child);
		return;
	}
	reg = (int (*)(void (*)(void), void (*)(void), void (*)(void), void *))
		dlsym(RTLD_DEFAULT, "__register_atfork");
	if (reg != NULL)
		reg(prepare, NULL, child, NULL);
}

#ifdef __GLIBC__
/* The symbols behind glibc's pthread_cleanup_push and pthread_atfork:
 * weak, so that a program on another libc can load the library. */
#pragma weak __pthread_register_cancel
#pragma weak __pthread_unregister_cancel
#pragma weak __pthread_unwind_next
#ifdef __sigsetjmp_cancel	/* a macro for __sigsetjmp where no asm redirect (clang) */
#pragma weak __sigsetjmp
#else
#pragma weak __sigsetjmp_cancel
#endif
int __register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void),
		      void *dso) __attribute__((weak));
extern void *__dso_handle __attribute__((weak));

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
	if (dtee_libc_is_glibc() && __pthread_register_cancel != NULL)
		return glibc_with_cleanup(op, arg, done, hold);
	return with_found_cleanup(op, arg, done, hold);
}

void dtee_at_fork(void (*prepare)(void), void (*child)(void))
{
	if (dtee_libc_is_glibc() && __register_atfork != NULL)
		__register_atfork(prepare, NULL, child, &__dso_handle);
	else
		at_fork_found(prepare, child);
}

#else /* built with another libc (make musl), which the program may not have */

long dtee_with_cleanup(long (*op)(void *), void *arg, void (*done)(void *), void *hold)
{
	return with_found_cleanup(op, arg, done, hold);
}

void dtee_at_fork(void (*prepare)(void), void (*child)(void))
{
	at_fork_found(prepare, child);
}

#endif
