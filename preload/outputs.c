/* outputs.c: which descriptors are ours: the AF_UNIX datagram sockets the
 * process got as its stdout and stderr.
 *
 * A program's own datagram sockets are not ours: one send() there is one
 * message, and a too-big one must fail with EMSGSIZE as it always did.  The
 * constructor records the identity (st_dev, st_ino) of fds 1 and 2 when
 * they are AF_UNIX datagram sockets; an fd is ours if it is an AF_UNIX
 * datagram socket and either is fd 1 or 2 now (a program or launcher that
 * installs one later, or calls us before our constructor) or names one of
 * those recorded sockets (dup(1) as fd 5, a child that inherited them).
 *
 * write() and friends ask here (the kernel) only after the real call
 * failed: nothing on the fast path.  The printf family and stdio ask the
 * fd cache (fdcache.c), which asks here once per fd. */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "dtee-preload.h"
#include "sockname.h"

/* The sockets given as fds 1 and 2, set once by the constructor. */
static struct {
	dev_t dev;
	ino_t ino;
} recorded[2];
static _Atomic int nrecorded;

bool dtee_is_unix_dgram(int fd)
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

bool dtee_fd_ours(int fd)
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

bool dtee_fd_from_dtee(int fd)
{
	return dtee_socket_name(fd);
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

bool dtee_fd_is_stdout_socket(void)
{
	int saved = errno, yes;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	yes = dtee_is_unix_dgram(1) && getpeername(1, (struct sockaddr *)&ss, &len) == 0;
	errno = saved;
	return yes;
}
