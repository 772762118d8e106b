/* dtee-preload.h: libdtee.so internals, shared by the files of preload/ and
 * nothing else.
 *
 * Layers (one name per layer, so a reader knows where a line lives):
 *   write()        exported, only forwards           (io.c, stdio.c, ...)
 *   dtee_write()   the logic                          (io.c, split.c, stdio.c, ...)
 *   real_write()   the next definition in the chain  (real.c)
 *
 * Files: real.c (the real functions, the constructor), outputs.c (which
 * fds are ours), fdcache.c (the per-fd cache and the hooks that keep it
 * true), stream.c (fds 1 and 2 shown as streams), io.c (write, writev,
 * send, sendmsg, pwritev2, ...), transfer.c (sendfile, splice), split.c
 * (splitting and the split lock), sigpipe.c (once dtee has gone), stdio.c
 * (fwrite, fputs, puts, fflush, setvbuf, line buffering), printf.c
 * and printf-bound.c (the printf family), libc.c (which libc the program
 * runs on), stdio-api.c (stdio on any other libc, through its public API
 * only).  docs/libdtee.md tells the whole.
 *
 * Linux only: datagram sockets, futexes, tgkill.  Built with glibc (the
 * usual build) or with musl (make musl): see libc.c. */
#ifndef DTEE_PRELOAD_H
#define DTEE_PRELOAD_H

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Built with musl (make musl): its headers make the *64 names macros for
 * the plain ones, declare neither pwritev2 nor close_range, and give
 * sendmmsg unsigned flags.  The *64 symbols are defined all the same (a
 * program linked against an older musl calls them). */
#ifndef __GLIBC__
#include <fcntl.h>
#undef freopen64
#undef sendfile64
FILE *freopen64(const char *path, const char *mode, FILE *fp);
ssize_t sendfile64(int out, int in, off_t *off, size_t count);
ssize_t pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags);
ssize_t pwritev64v2(int fd, const struct iovec *iov, int cnt, off_t off, int flags);
int close_range(unsigned lo, unsigned hi, int flags);
void closefrom(int lo);
int fcloseall(void);
#define DTEE_MMSG_FLAGS unsigned
#else
#define DTEE_MMSG_FLAGS int
#endif

#define DTEE_EXPORT __attribute__((visibility("default")))
#define DTEE_COLD __attribute__((noinline, cold))
#define dtee_unlikely(x) __builtin_expect(!!(x), 0)

/*
 * Largest datagram the splitter sends: modest, because the collector's
 * memory and the kernel's (linear, physically contiguous) allocation for
 * one datagram both grow with it.  Halved on EMSGSIZE/ENOBUFS down to
 * DTEE_CHUNK_MIN.  Large stdio writes are fed to glibc in pieces of at
 * most DTEE_STDIO_PIECE bytes, and no more than the fd's first chunk, so no
 * datagram glibc makes is larger than that (or than the FILE's buffer,
 * which setvbuf() keeps at most that size).  Below DTEE_STDIO_SMALL (the
 * size of stdio's own buffer on a socket) nothing is checked.
 */
#define DTEE_CHUNK_MAX   (128u * 1024u)
#define DTEE_CHUNK_MIN   256u
#define DTEE_STDIO_PIECE (64u * 1024u)
#define DTEE_STDIO_SMALL 4096u

/* real.c: the next definition of each interposed function, resolved with
 * dlsym(RTLD_NEXT) in the constructor (lazily before it), falling back to
 * the raw system call when a symbol cannot be found. */
#define DTEE_REAL_FUNCS(X)                                                      \
	X(ssize_t, write, (int fd, const void *buf, size_t n), (fd, buf, n))     \
	X(ssize_t, writev, (int fd, const struct iovec *iov, int cnt), (fd, iov, cnt)) \
	X(ssize_t, send, (int fd, const void *buf, size_t n, int fl), (fd, buf, n, fl)) \
	X(ssize_t, sendto, (int fd, const void *buf, size_t n, int fl,           \
			    const struct sockaddr *a, socklen_t al), (fd, buf, n, fl, a, al)) \
	X(ssize_t, sendmsg, (int fd, const struct msghdr *m, int fl), (fd, m, fl)) \
	X(int, sendmmsg, (int fd, struct mmsghdr *v, unsigned n, int fl), (fd, v, n, fl)) \
	X(ssize_t, pwritev2, (int fd, const struct iovec *iov, int cnt, off_t off, int fl), \
	  (fd, iov, cnt, off, fl))                                               \
	X(ssize_t, pwritev64v2, (int fd, const struct iovec *iov, int cnt, off64_t off, int fl), \
	  (fd, iov, cnt, off, fl))                                               \
	X(ssize_t, splice, (int i, loff_t *oi, int o, loff_t *oo, size_t n, unsigned fl), \
	  (i, oi, o, oo, n, fl))                                                 \
	X(ssize_t, sendfile, (int o, int i, off_t *off, size_t n), (o, i, off, n)) \
	X(ssize_t, sendfile64, (int o, int i, off64_t *off, size_t n), (o, i, off, n)) \
	X(int, getsockopt, (int fd, int lv, int nm, void *v, socklen_t *l), (fd, lv, nm, v, l)) \
	X(int, close, (int fd), (fd))                                            \
	X(int, dup2, (int o, int n), (o, n))                                     \
	X(int, dup3, (int o, int n, int fl), (o, n, fl))                         \
	X(int, close_range, (unsigned lo, unsigned hi, int fl), (lo, hi, fl))    \
	X(void, closefrom, (int lo), (lo))                                       \
	X(size_t, fwrite, (const void *p, size_t s, size_t n, FILE *f), (p, s, n, f)) \
	X(size_t, fwrite_unlocked, (const void *p, size_t s, size_t n, FILE *f), (p, s, n, f)) \
	X(int, fputs, (const char *s, FILE *f), (s, f))                          \
	X(int, fputs_unlocked, (const char *s, FILE *f), (s, f))                 \
	X(int, puts, (const char *s), (s))                                       \
	X(int, vfprintf, (FILE *f, const char *fmt, va_list ap), (f, fmt, ap))   \
	X(int, __vfprintf_chk, (FILE *f, int fl, const char *fmt, va_list ap), (f, fl, fmt, ap)) \
	X(int, vdprintf, (int fd, const char *fmt, va_list ap), (fd, fmt, ap))   \
	X(int, __vdprintf_chk, (int fd, int fl, const char *fmt, va_list ap), (fd, fl, fmt, ap)) \
	X(int, setvbuf, (FILE *f, char *b, int m, size_t n), (f, b, m, n))       \
	X(void, setbuffer, (FILE *f, char *b, size_t n), (f, b, n))              \
	X(void, setbuf, (FILE *f, char *b), (f, b))                              \
	X(int, fflush, (FILE *f), (f))                                           \
	X(void, clearerr, (FILE *f), (f))                                        \
	X(void, clearerr_unlocked, (FILE *f), (f))                               \
	X(int, fflush_unlocked, (FILE *f), (f))                                  \
	X(int, __overflow, (FILE *f, int c), (f, c))                             \
	X(int, fclose, (FILE *f), (f))                                           \
	X(FILE *, freopen, (const char *p, const char *m, FILE *f), (p, m, f))   \
	X(FILE *, freopen64, (const char *p, const char *m, FILE *f), (p, m, f)) \
	X(int, pclose, (FILE *f), (f))                                           \
	X(int, fcloseall, (void), ())                                            \
	X(int, register_printf_specifier, (int c, void *f, void *a), (c, f, a))  \
	X(int, register_printf_function, (int c, void *f, void *a), (c, f, a))

/* real_NAME(): inline, so the fast path is one load and an indirect call.
 * The slot starts out holding first_NAME (real.c), which resolves the
 * slot and makes the call: no test for an empty slot on the fast path, and
 * no arguments to keep across a resolution. */
#define DTEE_DECLARE_REAL(ret, name, params, args)                              \
	extern __attribute__((visibility("hidden"))) void *_Atomic dtee_slot_##name; \
	static inline ret real_##name params                                 \
	{                                                                    \
		return ((ret (*) params)atomic_load_explicit(&dtee_slot_##name, \
							   memory_order_relaxed)) args; \
	}
DTEE_REAL_FUNCS(DTEE_DECLARE_REAL)
#undef DTEE_DECLARE_REAL

/* libc.c: which libc the program runs on, told once (in the constructor,
 * or by the first stdio call before it). */
enum { DTEE_LIBC_UNKNOWN, DTEE_LIBC_GLIBC, DTEE_LIBC_OTHER };
extern __attribute__((visibility("hidden"))) _Atomic int dtee_libc;
int dtee_libc_detect(void) DTEE_COLD;
/* glibc's FILE may be read: this library was built with glibc and the
 * program runs on it.  Elsewhere stdio goes through stdio-api.c. */
static inline bool dtee_libc_is_glibc(void)
{
#ifdef __GLIBC__
	int libc = atomic_load_explicit(&dtee_libc, memory_order_relaxed);

	if (dtee_unlikely(libc != DTEE_LIBC_GLIBC))
		return libc == DTEE_LIBC_UNKNOWN && dtee_libc_detect() == DTEE_LIBC_GLIBC;
	return 1;
#else
	return 0;
#endif
}
/* op(arg), then done(hold), which also runs if the thread is cancelled in
 * op: pthread_cleanup_push of whatever libc the program has. */
long dtee_with_cleanup(long (*op)(void *), void *arg, void (*done)(void *), void *hold);
/* prepare runs before fork, child in the child after it (pthread_atfork);
 * either may be NULL. */
void dtee_at_fork(void (*prepare)(void), void (*child)(void));
/* fp's fd, or -1 (memory and cookie streams); errno kept.  glibc's FILE
 * is read directly (no EBADF from fileno on those streams). */
int dtee_fileno_api(FILE *fp);
static inline int dtee_fileno(FILE *fp)
{
#ifdef __GLIBC__
	if (dtee_libc_is_glibc())
		return fp->_fileno;
#endif
	return dtee_fileno_api(fp);
}

/* outputs.c: which descriptors are ours (the AF_UNIX datagram sockets the
 * process got as fds 1 and 2; see there).  All ask the kernel; errno kept
 * by all. */
bool dtee_is_unix_dgram(int fd);
void dtee_fd_record_outputs(void);       /* constructor: note fds 1 and 2 */
bool dtee_fd_ours(int fd);
bool dtee_fd_from_dtee(int fd);           /* bound as a dtee binds its command's */
bool dtee_fd_is_stdout_socket(void);      /* fd 1: a connected one */
size_t dtee_first_chunk(int fd);         /* min(DTEE_CHUNK_MAX, SO_SNDBUF / 2) */

/* fdcache.c: the same answers, cached per fd below its CACHE_FDS. */
/* Largest write stdio may be given at once on fd: min(DTEE_STDIO_PIECE,
 * the first chunk), or 0 when fd is not ours. */
size_t dtee_fd_piece(int fd);
size_t dtee_file_piece(FILE *fp);        /* dtee_fd_piece(fileno) */
bool dtee_fd_is_output(int fd);           /* ours (cached where it can be) */
void dtee_fd_forget(int fd);             /* the fd now names something else */
void dtee_fd_forget_range(unsigned lo, unsigned hi);
void dtee_fd_forget_all(void);

/* stream.c: fds 1 and 2 shown to the program as SOCK_STREAM (getsockopt):
 * on those, EAGAIN is waited out for write/writev (what libuv uses), so
 * the program sees a blocking stream. */
void dtee_fd_mark_stream(int fd);
bool dtee_fd_shown_as_stream(int fd);

/*
 * Reasons a small write cannot go straight to the real call: 0 almost
 * always, so the fast path costs one load and one comparison.
 *   DETOUR_SPLIT       a split write (or a large stdio write fed in pieces)
 *                      is being sent: writes to our sockets wait their turn
 *                      (split.c), so that it stays contiguous;
 *   DETOUR_STREAM(fd)  fd 1 or 2 was reported as a stream: its EAGAIN is
 *                      waited out, which needs the careful path.
 */
extern __attribute__((visibility("hidden"))) _Atomic unsigned dtee_detour;
#define DETOUR_SPLIT 1u
#define DETOUR_STREAM(fd) (1u << (fd))

/*
 * A write this small is never refused as too big: the kernel keeps a
 * socket's send buffer at SOCK_MIN_SNDBUF (over 4 KiB) at least, so every
 * datagram socket takes 2 KiB in one datagram.  Unless there is a detour,
 * such writes go straight to the real call: no errno save, no lookup.
 */
#define DTEE_ALWAYS_FITS 2048u
static inline bool dtee_quick(size_t n)
{
	return n <= DTEE_ALWAYS_FITS &&
	       atomic_load_explicit(&dtee_detour, memory_order_relaxed) == 0;
}

/* A split write is being sent by some thread (maybe this one). */
static inline bool dtee_splitting(void)
{
	return atomic_load_explicit(&dtee_detour, memory_order_relaxed) & DETOUR_SPLIT;
}

/* The errors of a datagram too big for the socket. */
static inline bool dtee_too_big(int err)
{
	return err == EMSGSIZE || err == ENOBUFS;
}

/* split.c: send iov as consecutive datagrams that fit.  how selects the
 * real call used per datagram; flags are its flags (send, sendmsg,
 * pwritev2). */
enum dtee_how { DTEE_BY_WRITE, DTEE_BY_SEND, DTEE_BY_SENDMSG, DTEE_BY_PWRITEV2 };
/* After the real call failed as too big (or with EAGAIN on a stream fd). */
ssize_t dtee_send_split(int fd, const struct iovec *iov, int cnt,
			enum dtee_how how, int flags, int saved_errno);
/* While a split is being sent: wait for it, then the real call, split if
 * too big, all under the split lock. */
ssize_t dtee_send_in_turn(int fd, const struct iovec *iov, int cnt,
			  enum dtee_how how, int flags, int saved_errno);
/* op(arg) under the split lock (released if the thread is cancelled in
 * op); errno as op left it. */
long dtee_call_in_turn(int fd, long (*op)(void *), void *arg);
/* The split lock itself, for stdio's large writes fed in pieces (taken
 * with the FILE locked: always FILE lock first, then the split lock). */
struct dtee_hold {
	int tid;
	int taken;
};
void dtee_split_lock(struct dtee_hold *h, int fd);
void dtee_split_unlock(void *hold);
void dtee_split_after_fork(void);

/* sigpipe.c: after a call on fd (or fp) failed, with errno set: if fd is
 * ours and its reader has gone, SIGPIPE (unless MSG_NOSIGNAL is in flags)
 * and errno EPIPE, as on a pipe; errno untouched otherwise. */
void dtee_reader_gone(int fd, int flags) DTEE_COLD;
void dtee_file_reader_gone(FILE *fp) DTEE_COLD;
/* fp's error flag is set: if an earlier failure was its reader going,
 * SIGPIPE and errno EPIPE, and 1. */
bool dtee_file_failed_before(FILE *fp) DTEE_COLD;
/* The next failure fflush sees on fp (or on fd) is a new one: its error
 * flag was cleared, or the fd closed or replaced. */
void dtee_file_unreport(FILE *fp);
void dtee_fd_unreport(int fd);

/* r, the result of a call on fd, with the check above when it failed. */
static inline ssize_t dtee_checked(ssize_t r, int fd, int flags)
{
	if (dtee_unlikely(r < 0))
		dtee_reader_gone(fd, flags);
	return r;
}

/* stdio.c: feeding stdio, and taking turns with split writes for the
 * stdio calls (printf.c too).  Which real function a call maps to: the
 * locking one (fwrite) or the _unlocked one. */
enum dtee_stdio_locking { STDIO_LOCKED, STDIO_UNLOCKED };
/* fwrite in turn, split into pieces as needed, but unchecked: the caller
 * makes the reader-gone check once for its own call. */
size_t dtee_fwrite(const void *p, size_t size, size_t n, FILE *fp, enum dtee_stdio_locking l);
/* op(arg) with fp locked (unless NULL) and then the split lock for fd
 * (stdio-api.c: the public API only, for every libc). */
long dtee_file_in_turn(FILE *fp, int fd, long (*op)(void *), void *arg);
/* Must a call on fp wait for a split being sent? */
bool dtee_file_waits_turn(FILE *fp);
/* len bytes fed to stdio a piece at a time, in turn; the bytes accepted. */
size_t dtee_file_write_pieces(const char *p, size_t len, size_t piece, FILE *fp);
/* The piece to feed len bytes to fp in, or 0 when the real call will do. */
size_t dtee_stdio_pieces_for(size_t len, FILE *fp);

/* stdio-api.c: the stdio hooks on another libc than glibc, through its
 * public API (the glibc build's hooks forward here there). */
size_t dtee_api_fwrite(const void *p, size_t size, size_t n, FILE *fp);
int dtee_api_fputs(const char *s, FILE *fp);
int dtee_api_puts(const char *s);
int dtee_api_vfprintf(FILE *fp, const char *fmt, va_list ap);
int dtee_api_vdprintf(int fd, const char *fmt, va_list ap);
int dtee_api_setvbuf(FILE *fp, char *buf, int mode, size_t size);
void dtee_api_setbuffer(FILE *fp, char *buf, size_t size);
void dtee_api_setbuf(FILE *fp, char *buf);

/* io.c: write in turn, split as needed, but unchecked (as dtee_fwrite). */
ssize_t dtee_write(int fd, const void *buf, size_t n);
/* Another thread's split write is being sent to our sockets: a write to
 * fd, however small, waits until it is whole. */
static inline bool dtee_wait_turn(int fd)
{
	return dtee_unlikely(dtee_splitting()) && dtee_fd_is_output(fd);
}

/* order.c: stdout flushed before stderr (_DTEE_STDOUT=F).  dtee_order_fd
 * is 2 in that mode, else -1; dtee_order_raw_fd the same, for writes to
 * the descriptor itself, but only where a signal handler's write can be
 * told from one made inside a stdio call on stdout (glibc), else -1. */
extern __attribute__((visibility("hidden"))) int dtee_order_fd;
extern __attribute__((visibility("hidden"))) int dtee_order_raw_fd;
void dtee_order_flush(void);
void dtee_order_start(void);		/* constructor: the mode, the environment */
/* Before a write to fd: flush stdout if it goes to stderr. */
static inline void dtee_order_before(int fd)
{
	if (dtee_unlikely(fd == dtee_order_raw_fd))
		dtee_order_flush();
}
/* Before a stdio call on fp. */
static inline void dtee_order_before_file(FILE *fp)
{
	if (dtee_unlikely(dtee_order_fd >= 0) && fp == stderr)
		dtee_order_flush();
}

#endif
