/* supervise-handshake.c: the start-up handshake between dtee and its child.
 * Linux only.
 *
 * The child, once fds 1 and 2 are the sockets, installs the filter and
 * sends dtee a hello over a socket pair made before fork: the listener (as
 * SCM_RIGHTS), or the errno of its failure. It then closes its copy of the
 * listener and waits: it execs the command only once dtee has the serving
 * thread and the heir in place and closes its end of the pair. Killed a
 * moment later, dtee must already have an heir to answer the stopped
 * calls. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "supervise-private.h"
#include "supervise.h"

/* What the child says: err 0 and the listener as SCM_RIGHTS, or the errno
 * of the failure. */
struct hello {
	int err;
};

union fd_cmsg {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

static void say_hello(int fd, int err, int listener)
{
	struct hello h = { err };
	struct iovec iov = { &h, sizeof h };
	union fd_cmsg u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (listener >= 0) {
		memset(&u, 0, sizeof u);
		m.msg_control = u.buf;
		m.msg_controllen = sizeof u.buf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &listener, sizeof(int));
	}
	while (sendmsg(fd, &m, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

void supervise_child(struct supervisor *sv)
{
	const unsigned flags = SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	int listener;
	char go;

	close(sv->pair[0]);
	/* Without CAP_SYS_ADMIN the kernel wants no_new_privs first, so that
	 * a filter cannot fool a set-user-ID program. */
	listener = (int)seccomp_call(SECCOMP_SET_MODE_FILTER, flags, &sv->prog);
	if (listener < 0 && errno == EACCES && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
		listener = (int)seccomp_call(SECCOMP_SET_MODE_FILTER, flags, &sv->prog);
	if (listener >= 0)
		setenv(ENV_SUPERVISED, "1", 1);
	say_hello(sv->pair[1], listener < 0 ? errno : 0, listener);
	/* The child must not keep the listener: were dtee to die, the
	 * command's stopped writes would wait for an answer for ever. */
	if (listener >= 0)
		close(listener);
	/* dtee closes its end once it is ready (handshake_release_child). */
	while (read(sv->pair[1], &go, 1) < 0 && errno == EINTR)
		;
	close(sv->pair[1]);
}

int handshake_take_listener(struct supervisor *sv)
{
	struct hello h = { 0 };
	struct iovec iov = { &h, sizeof h };
	union fd_cmsg u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof u.buf };
	ssize_t n;
	int fd = -1;

	close(sv->pair[1]);
	sv->pair[1] = -1;
	while ((n = recvmsg(sv->pair[0], &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(c), sizeof fd);
	if (n != sizeof h || h.err != 0 || fd < 0) {
		if (fd >= 0)
			close(fd);
		/* No answer at all: the child died before it could say. */
		errno = n == 0 ? ECHILD : h.err ? h.err : EPROTO;
		return -1;
	}
	return fd;
}

void handshake_release_child(struct supervisor *sv)
{
	if (sv->pair[0] >= 0) {
		close(sv->pair[0]);
		sv->pair[0] = -1;
	}
}
