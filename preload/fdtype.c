/*
 * Which descriptors are ours: the AF_UNIX datagram sockets the process got
 * as its stdout and stderr.
 *
 * A program's own datagram sockets are not ours: one send() there is one
 * message, and a too-big one must fail with EMSGSIZE as it always did.  The
 * constructor records the identity (st_dev, st_ino) of fds 1 and 2 when
 * they are AF_UNIX datagram sockets; an fd is ours if it is an AF_UNIX
 * datagram socket and either is fd 1 or 2 now (a program or launcher that
 * installs one later, or calls us before our constructor) or names one of
 * those recorded sockets (dup(1) as fd 5, a child that inherited them).
 *
 * write() and friends ask the kernel, and only after the real call failed
 * with EMSGSIZE/ENOBUFS: nothing on the fast path.  The printf family and
 * large stdio writes cannot wait for an error (the data would be lost
 * inside stdio), so they ask dtee_fd_piece(), which caches the answer per
 * fd: a few system calls per fd the first time, then a load.
 *
 * Cache entry: generation << 32 | piece << 2 | state.  Forgetting an fd
 * (close, closefrom, dup2, dup3, close_range, fclose, freopen, pclose,
 * fcloseall) bumps the generation; a lookup stores its answer only if the
 * generation is still the one it read before asking the kernel, so a racing
 * close cannot leave a stale answer behind.  All lock-free and
 * async-signal-safe.  A stale "ours" answer costs a little (the careful
 * path is also correct on any fd); a stale "not ours" (an fd closed behind
 * our back, e.g. by a raw system call, then reused for one of our sockets)
 * only loses the split for printf and large stdio writes.
 *
 * Descriptors from CACHE_FDS up are never ours for printf and stdio: no
 * system call per printf to a high fd.  write() and friends still split
 * on them, since their check runs only after an error.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "dtee-preload.h"

#define CACHE_FDS 4096
enum { UNKNOWN = 0, OURS = 1, OTHER = 2 };
#define STATE_BITS 3u
#define GEN_ONE ((uint64_t)1 << 32)

static _Atomic uint64_t cache[CACHE_FDS];

/* The sockets given as fds 1 and 2, set once by the constructor. */
static struct {
	dev_t dev;
	ino_t ino;
} recorded[2];
static _Atomic int nrecorded;

int dtee_is_unix_dgram(int fd)
{
	int saved = errno, type = 0, yes = 0;
	socklen_t len = sizeof(type);
	struct sockaddr_storage ss;

	if (real_getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
	    type == SOCK_DGRAM) {
		len = sizeof(ss);
		ss.ss_family = AF_UNSPEC;
		yes = getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
		      ss.ss_family == AF_UNIX;
	}
	errno = saved;
	return yes;
}

void dtee_fd_record_outputs(void)
{
	int saved = errno, n = 0;

	for (int fd = 1; fd <= 2; fd++) {
		struct stat st;

		if (dtee_is_unix_dgram(fd) && fstat(fd, &st) == 0) {
			recorded[n].dev = st.st_dev;
			recorded[n].ino = st.st_ino;
			n++;
		}
	}
	atomic_store_explicit(&nrecorded, n, memory_order_release);
	errno = saved;
}

int dtee_fd_ours(int fd)
{
	int saved = errno, n, yes = 0;
	struct stat st;

	if (fd < 0 || !dtee_is_unix_dgram(fd))
		return 0;
	if (fd == 1 || fd == 2)
		return 1;
	n = atomic_load_explicit(&nrecorded, memory_order_acquire);
	if (n > 0 && fstat(fd, &st) == 0)
		for (int i = 0; i < n; i++)
			yes |= st.st_dev == recorded[i].dev && st.st_ino == recorded[i].ino;
	errno = saved;
	return yes;
}

size_t dtee_first_chunk(int fd)
{
	int saved = errno, sndbuf = 0;
	socklen_t len = sizeof(sndbuf);
	size_t chunk = DTEE_CHUNK_MAX;

	if (real_getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) == 0 &&
	    sndbuf > 0 && (size_t)sndbuf / 2 < chunk)
		chunk = (size_t)sndbuf / 2;
	errno = saved;
	return chunk < DTEE_CHUNK_MIN ? DTEE_CHUNK_MIN : chunk;
}

size_t dtee_fd_piece(int fd)
{
	uint64_t e;
	size_t piece = 0;

	if (fd < 0 || fd >= CACHE_FDS)
		return 0;
	e = atomic_load_explicit(&cache[fd], memory_order_acquire);
	if ((e & STATE_BITS) != UNKNOWN)
		return (size_t)(uint32_t)e >> 2;	/* 0 when OTHER */
	if (dtee_fd_ours(fd)) {
		piece = dtee_first_chunk(fd);
		if (piece > DTEE_STDIO_PIECE)
			piece = DTEE_STDIO_PIECE;
	}
	atomic_compare_exchange_strong(&cache[fd], &e,
		(e & ~(GEN_ONE - 1)) | (uint64_t)piece << 2 | (piece ? OURS : OTHER));
	return piece;
}

size_t dtee_file_piece(FILE *fp)
{
	/* glibc's FILE: _fileno is -1 for memory and cookie streams; reading
	 * it directly avoids fileno()'s EBADF on those. */
	return dtee_fd_piece(fp->_fileno);
}

void dtee_fd_forget(int fd)
{
	if (fd < 0)
		return;
	if (fd == 1 || fd == 2)
		atomic_fetch_and(&dtee_detour, ~DETOUR_STREAM(fd));
	if (fd < CACHE_FDS) {
		uint64_t e = atomic_load_explicit(&cache[fd], memory_order_relaxed);

		/* next generation, state UNKNOWN */
		while (!atomic_compare_exchange_weak(&cache[fd], &e,
						     (e & ~(GEN_ONE - 1)) + GEN_ONE))
			;
	}
}

void dtee_fd_forget_range(unsigned lo, unsigned hi)
{
	for (unsigned fd = lo; fd <= hi && fd < CACHE_FDS; fd++)
		dtee_fd_forget((int)fd);
}

void dtee_fd_forget_all(void)
{
	dtee_fd_forget_range(0, CACHE_FDS - 1);
}

int dtee_fd_is_output(int fd)
{
	if (fd >= 0 && fd < CACHE_FDS)
		return dtee_fd_piece(fd) != 0;
	return dtee_fd_ours(fd);
}

void dtee_fd_mark_stream(int fd)
{
	if (fd == 1 || fd == 2)
		atomic_fetch_or(&dtee_detour, DETOUR_STREAM(fd));
}

int dtee_fd_shown_as_stream(int fd)
{
	return (fd == 1 || fd == 2) &&
	       (atomic_load_explicit(&dtee_detour, memory_order_relaxed) & DETOUR_STREAM(fd));
}
