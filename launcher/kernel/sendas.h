/* sendas.h: send on a socket someone else chose, with that process's
 * identity rather than dtee's. A datagram carries its sender's credentials
 * (SCM_CREDENTIALS: pid, uid, gid), which a reader using SO_PASSCRED
 * (journald, /dev/log readers) trusts; where a process chose or can
 * re-point the socket, dtee claims the process's identity explicitly. The
 * kernel checks the claim (man 7 unix): only a privileged dtee may claim
 * another process (EPERM otherwise, nothing sent). Used by the seccomp
 * supervisor (foreign sockets) and by dtee --attach (the pass-through on
 * the process's own sockets). Linux only. */
#ifndef DTEE_SENDAS_H
#define DTEE_SENDAS_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

/* What a datagram the thread tid sent itself would carry as its sender
 * (SCM_CREDENTIALS): its process (thread group), real uid and gid, from
 * /proc/TID/status. False where they cannot be read. */
bool thread_identity(pid_t tid, struct ucred *cred);

/* sendmsg(sock, iov[0..cnt), flags), carrying cred as its sender. */
ssize_t send_as(int sock, const struct iovec *iov, int cnt, const struct ucred *cred, int flags);

/* All of iov[0..cnt) as cred, as writev_full() writes it: retries on EINTR
 * and short sends, waits for room. Returns the bytes sent; short of the
 * total, errno says why. */
size_t send_as_full(int sock, const struct iovec *iov, int cnt, const struct ucred *cred);

/* Whether this process may send as cred: tried on a socket pair of its
 * own, so nothing leaves it. */
bool may_send_as(const struct ucred *cred);

#endif
