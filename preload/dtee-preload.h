/*
 * libdtee.so internals, shared by the files of preload/ and nothing else.
 *
 * Layers (one name per layer, so a reader knows where a line lives):
 *   write()        exported, only forwards           (io.c, stdio.c)
 *   dtee_write()   the logic                          (io.c, split.c, stdio.c)
 *   real_write()   the next definition in the chain  (real.c)
 *
 * Linux and glibc only: datagram sockets, futexes, tgkill, glibc's FILE.
 */
#ifndef DTEE_PRELOAD_H
#define DTEE_PRELOAD_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

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
	X(int, fclose, (FILE *f), (f))                                           \
	X(FILE *, freopen, (const char *p, const char *m, FILE *f), (p, m, f))   \
	X(FILE *, freopen64, (const char *p, const char *m, FILE *f), (p, m, f)) \
	X(int, pclose, (FILE *f), (f))                                           \
	X(int, fcloseall, (void), ())                                            \
	X(int, register_printf_specifier, (int c, void *f, void *a), (c, f, a))  \
	X(int, register_printf_function, (int c, void *f, void *a), (c, f, a))

/* real_NAME(): inline, so the fast path is one load, one test and an
 * indirect call; dtee_resolve_NAME() runs only while the slot is empty. */
#define DTEE_DECLARE_REAL(ret, name, params, args)                              \
	extern __attribute__((visibility("hidden"))) void *_Atomic dtee_slot_##name; \
	void *dtee_resolve_##name(void) __attribute__((noinline, cold));     \
	static inline ret real_##name params                                 \
	{                                                                    \
		void *fn_ = atomic_load_explicit(&dtee_slot_##name, memory_order_relaxed); \
		if (dtee_unlikely(fn_ == NULL))                              \
			fn_ = dtee_resolve_##name();                         \
		return ((ret (*) params)fn_) args;                           \
	}
DTEE_REAL_FUNCS(DTEE_DECLARE_REAL)
#undef DTEE_DECLARE_REAL

/* fdtype.c: which descriptors are ours (the AF_UNIX datagram sockets the
 * process got as fds 1 and 2; see there).  errno kept by all. */
int dtee_is_unix_dgram(int fd);          /* asks the kernel */
void dtee_fd_record_outputs(void);       /* constructor: note fds 1 and 2 */
int dtee_fd_ours(int fd);                /* asks the kernel */
size_t dtee_first_chunk(int fd);         /* min(DTEE_CHUNK_MAX, SO_SNDBUF / 2) */
/* Largest write stdio may be given at once on fd: min(DTEE_STDIO_PIECE,
 * the first chunk), or 0 when fd is not ours.  Cached per fd. */
size_t dtee_fd_piece(int fd);
size_t dtee_file_piece(FILE *fp);        /* dtee_fd_piece(fileno) */
void dtee_fd_forget(int fd);             /* the fd now names something else */
void dtee_fd_forget_range(unsigned lo, unsigned hi);
void dtee_fd_forget_all(void);
/* Output sockets reported to the program as SOCK_STREAM (getsockopt): on
 * those, EAGAIN is waited out for write/writev (what libuv uses), so the
 * program sees a blocking stream. */
void dtee_fd_adopt(int fd);
int dtee_fd_adopted(int fd);
extern _Atomic unsigned dtee_adopted;	/* which of fds 1 and 2 (bits) */

/*
 * A write this small is never refused as too big: the kernel keeps a
 * socket's send buffer at SOCK_MIN_SNDBUF (over 4 KiB) at least, so every
 * datagram socket takes 2 KiB in one datagram.  Unless an fd has been
 * adopted (EAGAIN waited out), such writes go straight to the real call as
 * a tail call: no errno save, no frame (about 8% of a 16-byte write() to
 * /dev/null otherwise).
 */
#define DTEE_ALWAYS_FITS 2048u
static inline int dtee_quick(size_t n)
{
	return n <= DTEE_ALWAYS_FITS &&
	       atomic_load_explicit(&dtee_adopted, memory_order_relaxed) == 0;
}

/* split.c: send iov as consecutive datagrams that fit.  how selects the
 * real call used per datagram: write/writev, or send with flags. */
enum dtee_how { DTEE_BY_WRITE, DTEE_BY_SEND };
ssize_t dtee_send_split(int fd, const struct iovec *iov, int cnt,
			enum dtee_how how, int flags, int first_errno);
void dtee_split_after_fork(void);

/* io.c */
ssize_t dtee_write(int fd, const void *buf, size_t n);

#endif
