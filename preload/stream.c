/* stream.c: output sockets shown to the program as streams.
 *
 * libuv (Node.js) asks getsockopt(SO_TYPE) what fds 1 and 2 are, and
 * silently discards everything written to a datagram socket.  For those two
 * fds only, and only when they are connected AF_UNIX datagram sockets (an
 * output socket of dtee or a similar launcher), say SOCK_STREAM: libuv then
 * treats them as a pipe.  It also makes them non-blocking, so on such an fd
 * EAGAIN from write/writev is waited out (split.c): node's writes stay in
 * order across stdout and stderr, as they would if the fds were blocking.
 * send/sendto (MSG_DONTWAIT, Python's socket objects) keep their EAGAIN.
 * The mark is a DETOUR_STREAM bit, so small writes to a marked fd take the
 * careful path; the fd cache clears it when the fd changes. */
#include <errno.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "dtee-preload.h"

void dtee_fd_mark_stream(int fd)
{
	if (fd == 1 || fd == 2)
		atomic_fetch_or(&dtee_detour, DETOUR_STREAM(fd));
}

bool dtee_fd_shown_as_stream(int fd)
{
	return (fd == 1 || fd == 2) &&
	       (atomic_load_explicit(&dtee_detour, memory_order_relaxed) & DETOUR_STREAM(fd));
}

DTEE_COLD static void disguise_as_stream(int fd, int *type)
{
	int saved = errno;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (dtee_is_unix_dgram(fd) &&
	    getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
		*type = SOCK_STREAM;
		dtee_fd_mark_stream(fd);
	}
	errno = saved;
}

static int dtee_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	int r = real_getsockopt(fd, level, name, val, len);

	if (r == 0 && level == SOL_SOCKET && name == SO_TYPE &&
	    (fd == 1 || fd == 2) && val != NULL && len != NULL &&
	    *len >= sizeof(int) && *(int *)val == SOCK_DGRAM)
		disguise_as_stream(fd, val);
	return r;
}

DTEE_EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	return dtee_getsockopt(fd, level, name, val, len);
}
