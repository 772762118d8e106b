/* sockname.h: is a socket one of dtee's? dtee binds the command's sockets
 * to DIR/dtee.XXXXXX/o and /e (launcher/sockets.c); the name stays with
 * the socket after the path is gone. Used by libdtee.so (which splits
 * writes only on dtee's sockets) and by dtee --attach (which refuses a
 * process already attached). Header only, nothing that allocates. */
#ifndef DTEE_SOCKNAME_H
#define DTEE_SOCKNAME_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#define DTEE_DIR_PREFIX "dtee."
#define DTEE_DIR_TAIL (sizeof DTEE_DIR_PREFIX - 1 + 6 + 2)	/* "dtee.XXXXXX/o" */

/* fd is bound to a dtee socket's name; errno is kept. */
static inline bool dtee_socket_name(int fd)
{
	int saved = errno;
	bool yes = false;
	struct sockaddr_un a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len) == 0 && a.sun_family == AF_UNIX &&
	    len > offsetof(struct sockaddr_un, sun_path)) {
		const char *p = a.sun_path;
		size_t n = strnlen(p, len - offsetof(struct sockaddr_un, sun_path));

		yes = n >= DTEE_DIR_TAIL && (p[n - 1] == 'o' || p[n - 1] == 'e') && p[n - 2] == '/' &&
		      memcmp(p + n - DTEE_DIR_TAIL, DTEE_DIR_PREFIX, sizeof DTEE_DIR_PREFIX - 1) == 0 &&
		      (n == DTEE_DIR_TAIL || p[n - DTEE_DIR_TAIL - 1] == '/');
	}
	errno = saved;
	return yes;
}

#endif
