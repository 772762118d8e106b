/* attach-socket.c: the process's own fds 1 and 2, when they are sockets.
 *
 * dtee's pass-through writes on the same open file description as the
 * process's own fd, and the process may keep a second fd on it. A Unix
 * datagram socket (or one not yet connected) it can then connect() to
 * journald or /dev/log, and what it writes to fd 1 would reach them sent
 * by dtee: with dtee's identity, root's when dtee runs as root. So, as the
 * seccomp supervisor does on a socket the command chose (docs/seccomp.md),
 * dtee sends on the process's Unix sockets with the process's own identity
 * (SCM_CREDENTIALS, sendas.h), and where it may not claim it (an
 * unprivileged dtee may claim no other pid) refuses a socket the process
 * can re-point. A socket of another family than Unix or IP is refused:
 * its readers may judge the sender by who sends. dtee's own sockets there
 * mean the process runs under dtee or is attached already: refused too.
 * Linux-only. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "attach.h"
#include "dtee.h"
#include "outlet.h"
#include "kernel/sendas.h"
#include "sockname.h"

/* The identity the pass-through claims on each fd; it outlives the
 * outlets. */
static struct ucred as_process[2];

static int check_one(pid_t pid, int fd, int i)
{
	const char *name = i == 0 ? "stdout" : "stderr";
	struct stat st;
	struct sockaddr_storage peer;
	int domain = 0, type = 0;
	socklen_t len = sizeof domain, tlen = sizeof type, plen = sizeof peer;

	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return 0;
	if (dtee_socket_name(fd)) {
		msg("--attach=%d: its %s is already a dtee's socket: it runs under dtee or another dtee is attached "
		    "to it", (int)pid, name);
		return EX_UNAVAILABLE;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0) {
		msg("--attach=%d: its %s: %s", (int)pid, name, strerror(errno));
		return EX_OSERR;
	}
	if (domain == AF_INET || domain == AF_INET6)
		return 0;
	if (domain != AF_UNIX) {
		msg("--attach=%d: its %s is a socket of address family %d, which dtee does not write on for another "
		    "process", (int)pid, name, domain);
		return EX_UNAVAILABLE;
	}
	if (!thread_identity(pid, &as_process[i])) {
		msg("--attach=%d: %s", (int)pid, strerror(ESRCH));
		return EX_NOINPUT;
	}
	if (may_send_as(&as_process[i])) {
		outlet_send_as(fd, &as_process[i]);
		return 0;
	}
	/* A connected stream keeps its peer: what dtee sends there goes
	 * where the process sent it, from its user (ptrace's check). */
	if (type != SOCK_DGRAM && getpeername(fd, (struct sockaddr *)&peer, &plen) == 0)
		return 0;
	msg("--attach=%d: its %s is a Unix socket it can point elsewhere, and dtee may not send on it as that "
	    "process; run dtee as root", (int)pid, name);
	return EX_NOPERM;
}

int attach_check_sockets(pid_t pid, int out, int err)
{
	int rc = check_one(pid, out, 0);

	return rc != 0 ? rc : check_one(pid, err, 1);
}
