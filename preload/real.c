/* real.c: finding the real functions.
 *
 * Every slot is resolved with dlsym(RTLD_NEXT) by the constructor, and
 * lazily by the first call made before it (another library's constructor
 * may write before ours runs): a slot starts out holding first_NAME, which
 * resolves it and makes the call.  No lock: two threads racing to
 * fill a slot store the same pointer.  dlsym can allocate (and a malloc can
 * write); a per-thread guard sends any call made during our own dlsym to
 * the fallback, which is the raw system call.  The stdio fallbacks exist
 * only for that guard and for a libc without the symbol; they fail with
 * ENOSYS rather than print or abort. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dtee-preload.h"

static __thread int resolving __attribute__((tls_model("initial-exec")));

static void *resolve(void *_Atomic *slot, const char *name, void *fallback)
{
	void *p;

	if (resolving)
		return fallback;
	resolving = 1;
	p = dlsym(RTLD_NEXT, name);
	resolving = 0;
	if (p == NULL)
		p = fallback;
	atomic_store_explicit(slot, p, memory_order_relaxed);
	return p;
}

/* Fallbacks: the system call itself where there is one. */
static ssize_t fallback_write(int fd, const void *buf, size_t n)
{ return syscall(SYS_write, fd, buf, n); }
static ssize_t fallback_writev(int fd, const struct iovec *iov, int cnt)
{ return syscall(SYS_writev, fd, iov, cnt); }
static ssize_t fallback_send(int fd, const void *buf, size_t n, int fl)
{ return syscall(SYS_sendto, fd, buf, n, fl, NULL, 0); }
static ssize_t fallback_sendto(int fd, const void *buf, size_t n, int fl,
			       const struct sockaddr *a, socklen_t al)
{ return syscall(SYS_sendto, fd, buf, n, fl, a, al); }
static ssize_t fallback_sendmsg(int fd, const struct msghdr *m, int fl)
{ return syscall(SYS_sendmsg, fd, m, fl); }
static int fallback_sendmmsg(int fd, struct mmsghdr *v, unsigned n, int fl)
{ return (int)syscall(SYS_sendmmsg, fd, v, n, fl); }
/* The kernel takes the offset as two longs, low and high (64-bit: the
 * high one is ignored). */
static ssize_t fallback_pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int fl)
{ return syscall(SYS_pwritev2, fd, iov, cnt, (long)off, (long)((uint64_t)off >> 32), fl); }
static ssize_t fallback_pwritev64v2(int fd, const struct iovec *iov, int cnt, off64_t off, int fl)
{ return syscall(SYS_pwritev2, fd, iov, cnt, (long)off, (long)((uint64_t)off >> 32), fl); }
static ssize_t fallback_splice(int i, loff_t *oi, int o, loff_t *oo, size_t n, unsigned fl)
{ return syscall(SYS_splice, i, oi, o, oo, n, fl); }
static ssize_t fallback_sendfile(int o, int i, off_t *off, size_t n)
{ return syscall(SYS_sendfile, o, i, off, n); }
/* SYS_sendfile takes a 64-bit offset on 64-bit targets (the only ones
 * tested); a 32-bit build would need SYS_sendfile64 here. */
static ssize_t fallback_sendfile64(int o, int i, off64_t *off, size_t n)
{ return syscall(SYS_sendfile, o, i, off, n); }
static int fallback_getsockopt(int fd, int lv, int nm, void *v, socklen_t *l)
{ return (int)syscall(SYS_getsockopt, fd, lv, nm, v, l); }
static int fallback_close(int fd)
{ return (int)syscall(SYS_close, fd); }
static int fallback_dup2(int o, int n)
{
	if (o == n)	/* dup3 refuses what dup2 allows */
		return (int)syscall(SYS_fcntl, o, F_GETFD) < 0 ? -1 : n;
	return (int)syscall(SYS_dup3, o, n, 0);
}
static int fallback_dup3(int o, int n, int fl)
{ return (int)syscall(SYS_dup3, o, n, fl); }
static int fallback_close_range(unsigned lo, unsigned hi, int fl)
{ return (int)syscall(SYS_close_range, lo, hi, fl); }
static void fallback_closefrom(int lo)
{ syscall(SYS_close_range, (unsigned)lo, ~0u, 0); }

#define NOSYS(value) { errno = ENOSYS; return value; }
static size_t fallback_fwrite(const void *p, size_t s, size_t n, FILE *f)
{ (void)p; (void)s; (void)n; (void)f; NOSYS(0) }
static size_t fallback_fwrite_unlocked(const void *p, size_t s, size_t n, FILE *f)
{ (void)p; (void)s; (void)n; (void)f; NOSYS(0) }
static int fallback_fputs(const char *s, FILE *f)
{ (void)s; (void)f; NOSYS(EOF) }
static int fallback_fputs_unlocked(const char *s, FILE *f)
{ (void)s; (void)f; NOSYS(EOF) }
static int fallback_puts(const char *s)
{ (void)s; NOSYS(EOF) }
static int fallback_vfprintf(FILE *f, const char *fmt, va_list ap)
{ (void)f; (void)fmt; (void)ap; NOSYS(-1) }
static int fallback___vfprintf_chk(FILE *f, int fl, const char *fmt, va_list ap)
{ (void)f; (void)fl; (void)fmt; (void)ap; NOSYS(-1) }
static int fallback_vdprintf(int fd, const char *fmt, va_list ap)
{ (void)fd; (void)fmt; (void)ap; NOSYS(-1) }
static int fallback___vdprintf_chk(int fd, int fl, const char *fmt, va_list ap)
{ (void)fd; (void)fl; (void)fmt; (void)ap; NOSYS(-1) }
static int fallback_setvbuf(FILE *f, char *b, int m, size_t n)
{ (void)f; (void)b; (void)m; (void)n; NOSYS(EOF) }
/* setbuffer and setbuf are setvbuf with the mode the buffer implies. */
static void fallback_setbuffer(FILE *f, char *b, size_t n)
{ real_setvbuf(f, b, b != NULL ? _IOFBF : _IONBF, n); }
static void fallback_setbuf(FILE *f, char *b)
{ real_setvbuf(f, b, b != NULL ? _IOFBF : _IONBF, BUFSIZ); }
#ifdef __GLIBC__
/* glibc's FILE: the error and end-of-file flags. */
static void fallback_clearerr(FILE *f)
{ f->_flags &= ~(_IO_ERR_SEEN | _IO_EOF_SEEN); }
static void fallback_clearerr_unlocked(FILE *f)
{ f->_flags &= ~(_IO_ERR_SEEN | _IO_EOF_SEEN); }
#else	/* not hooked there */
static void fallback_clearerr(FILE *f)
{ (void)f; }
static void fallback_clearerr_unlocked(FILE *f)
{ (void)f; }
#endif
static int fallback_fflush(FILE *f)
{ (void)f; NOSYS(EOF) }
static int fallback_fflush_unlocked(FILE *f)
{ (void)f; NOSYS(EOF) }
static int fallback___overflow(FILE *f, int c)
{ (void)f; (void)c; NOSYS(EOF) }
static int fallback_fclose(FILE *f)
{ (void)f; NOSYS(EOF) }
static FILE *fallback_freopen(const char *p, const char *m, FILE *f)
{ (void)p; (void)m; (void)f; NOSYS(NULL) }
static FILE *fallback_freopen64(const char *p, const char *m, FILE *f)
{ (void)p; (void)m; (void)f; NOSYS(NULL) }
static int fallback_pclose(FILE *f)
{ (void)f; NOSYS(-1) }
static int fallback_fcloseall(void)
{ NOSYS(EOF) }
static int fallback_register_printf_specifier(int c, void *f, void *a)
{ (void)c; (void)f; (void)a; NOSYS(-1) }
static int fallback_register_printf_function(int c, void *f, void *a)
{ (void)c; (void)f; (void)a; NOSYS(-1) }

#define DTEE_DEFINE_REAL(ret, name, params, args)                             \
	static ret first_##name params;                                       \
	void *_Atomic dtee_slot_##name = (void *)first_##name;                \
	static void *resolve_##name(void)                                     \
	{                                                                     \
		return resolve(&dtee_slot_##name, #name, (void *)fallback_##name); \
	}                                                                     \
	__attribute__((noinline, cold)) static ret first_##name params        \
	{                                                                     \
		return ((ret (*) params)resolve_##name()) args;               \
	}
DTEE_REAL_FUNCS(DTEE_DEFINE_REAL)

static void after_fork_in_child(void)
{
	dtee_split_after_fork();
}

__attribute__((constructor)) static void dtee_preload_init(void)
{
	int saved = errno;

	dtee_libc_detect();
#define DTEE_RESOLVE(ret, name, params, args)                                 \
	if (atomic_load_explicit(&dtee_slot_##name, memory_order_relaxed) ==      \
	    (void *)first_##name)                                             \
		resolve_##name();
	DTEE_REAL_FUNCS(DTEE_RESOLVE)
#undef DTEE_RESOLVE
	dtee_fd_record_outputs();
	dtee_order_start();
	/* The split lock's owner may be a thread the child does not have;
	 * split.c also detects that without this (vfork, _Fork, clone). */
	dtee_at_fork(NULL, after_fork_in_child);
	errno = saved;
}
