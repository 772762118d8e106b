/*
 * Which descriptors are AF_UNIX datagram sockets.
 *
 * write() and friends ask the kernel, and only after the real call failed
 * with EMSGSIZE/ENOBUFS (or EAGAIN on an adopted fd): nothing on the fast path.
 * The printf family cannot wait for an error (the data would be lost inside
 * stdio), so it asks dtee_fd_is_dgram(), which caches the answer per fd:
 * one system call per fd the first time, then a load.
 *
 * Cache entry: generation << 2 | state.  Forgetting an fd (close, dup2,
 * dup3, close_range, fclose, freopen, pclose, fcloseall) bumps the
 * generation; a lookup stores its answer only if the generation is still
 * the one it read before asking the kernel, so a racing close cannot leave
 * a stale answer behind.  All lock-free and async-signal-safe.  A stale
 * "datagram" answer is harmless (the careful path is also correct on any fd);
 * a stale "not a datagram" (an fd closed behind our back, e.g. by a raw
 * system call, then reused for a socket) only loses the split for printf.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dtee-preload.h"

#define CACHE_FDS 4096
enum { UNKNOWN = 0, DGRAM = 1, OTHER = 2 };

static _Atomic uint32_t cache[CACHE_FDS];
static _Atomic unsigned adopted;	/* bit fd for fds 1 and 2 */

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

int dtee_fd_is_dgram(int fd)
{
	uint32_t e;
	int yes;

	if (fd < 0)
		return 0;
	if (fd >= CACHE_FDS)
		return dtee_is_unix_dgram(fd);
	e = atomic_load_explicit(&cache[fd], memory_order_acquire);
	if ((e & 3) != UNKNOWN)
		return (e & 3) == DGRAM;
	yes = dtee_is_unix_dgram(fd);
	atomic_compare_exchange_strong(&cache[fd], &e, (e & ~3u) | (yes ? DGRAM : OTHER));
	return yes;
}

int dtee_file_is_dgram(FILE *fp)
{
	/* glibc's FILE: _fileno is -1 for memory and cookie streams; reading
	 * it directly avoids fileno()'s EBADF on those. */
	return dtee_fd_is_dgram(fp->_fileno);
}

void dtee_fd_forget(int fd)
{
	if (fd < 0)
		return;
	if (fd <= 2)
		atomic_fetch_and(&adopted, ~(1u << fd));
	if (fd < CACHE_FDS) {
		uint32_t e = atomic_load_explicit(&cache[fd], memory_order_relaxed);

		while (!atomic_compare_exchange_weak(&cache[fd], &e, (e | 3u) + 1u))
			;	/* (e | 3) + 1: next generation, state UNKNOWN */
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

void dtee_fd_adopt(int fd)
{
	if (fd >= 0 && fd <= 2)
		atomic_fetch_or(&adopted, 1u << fd);
}

int dtee_fd_adopted(int fd)
{
	return fd >= 0 && fd <= 2 &&
	       (atomic_load_explicit(&adopted, memory_order_relaxed) & (1u << fd));
}
