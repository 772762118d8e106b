/* sendas.c: sending with another process's identity (sendas.h). Linux
 * only. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "iov.h"
#include "procstatus.h"
#include "sendas.h"

#define SEND_PARTS 64

union cred_cmsg {
	char buf[CMSG_SPACE(sizeof(struct ucred))];
	struct cmsghdr align;
};

ssize_t send_as(int sock, const struct iovec *iov, int cnt, const struct ucred *cred, int flags)
{
	union cred_cmsg u;
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)cnt };

	memset(&u, 0, sizeof u);
	m.msg_control = u.buf;
	m.msg_controllen = sizeof u.buf;
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
	memcpy(CMSG_DATA(c), cred, sizeof *cred);
	ssize_t n = sendmsg(sock, &m, flags);
	/* The writer has ended and been reaped: its pid names no process,
	 * and the kernel refuses it. Its uid and gid still stand, with
	 * dtee's pid, so what it wrote still reaches its destination. */
	if (n < 0 && errno == ESRCH && cred->pid != getpid()) {
		struct ucred own = *cred;

		own.pid = getpid();
		memcpy(CMSG_DATA(c), &own, sizeof own);
		n = sendmsg(sock, &m, flags);
	}
	return n;
}

size_t send_as_full(int sock, const struct iovec *iov, int cnt, const struct ucred *cred)
{
	struct iov_cursor c = iov_cursor(iov, cnt);
	size_t done = 0;

	while (!iov_done(&c)) {
		struct iovec part[SEND_PARTS];
		int np = iov_take(&c, SIZE_MAX, part, SEND_PARTS);
		ssize_t n = send_as(sock, part, np, cred, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN &&
			    poll(&(struct pollfd){ sock, POLLOUT, 0 }, 1, -1) >= 0)
				continue;
			return done;
		}
		done += (size_t)n;
		iov_advance(&c, (size_t)n);
	}
	return done;
}

bool may_send_as(const struct ucred *cred)
{
	int pair[2];
	char byte = 0;
	struct iovec iov = { &byte, 1 };
	bool ok;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair) < 0)
		return false;
	ok = send_as(pair[0], &iov, 1, cred, MSG_DONTWAIT | MSG_NOSIGNAL) == 1;
	close(pair[0]);
	close(pair[1]);
	return ok;
}

bool thread_identity(pid_t tid, struct ucred *cred)
{
	struct proc_status s;

	if (!proc_status(tid, PS_TGID | PS_UID | PS_GID, &s) || s.tgid <= 0)
		return false;
	*cred = (struct ucred){ .pid = s.tgid, .uid = (uid_t)s.uid[0], .gid = (gid_t)s.gid[0] };
	return true;
}
