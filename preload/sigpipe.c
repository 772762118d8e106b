/*
 * Once dtee has gone: what a pipe gives.
 *
 * A connected datagram socket whose reader has closed fails a send with
 * ECONNREFUSED (once: the kernel then disconnects it) and with ENOTCONN
 * after that; one that dtee hung up on its way out (shutdown for writing)
 * fails with EPIPE, but the kernel raises no SIGPIPE for a datagram
 * socket.  A pipe whose reader has gone sends SIGPIPE to the writing
 * thread and fails the write with EPIPE, and programs rely on that to stop
 * (`yes | head -1`, a shell loop that echoes).  On our sockets the library
 * gives the pipe's answer: SIGPIPE to the calling thread with tgkill (so a
 * blocked SIGPIPE stays pending and an ignored one is discarded, as the
 * kernel's would be), then errno EPIPE.  With MSG_NOSIGNAL (send, sendto,
 * sendmsg, sendmmsg) only EPIPE, as on a stream socket.
 *
 * Asked only after a real call failed, so it costs the fast path nothing
 * but the test of the result.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dtee-preload.h"

static int reader_gone(int err)
{
	return err == ECONNREFUSED || err == ENOTCONN || err == EPIPE;
}

/* dtee hung the socket up: shut for writing as it was for reading, so the
 * kernel reports a hang-up. */
static int hung_up(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLHUP);
}

static void raise_sigpipe(void)
{
	syscall(SYS_tgkill, (pid_t)syscall(SYS_getpid), (pid_t)syscall(SYS_gettid), SIGPIPE);
}

void dtee_reader_gone(int fd, int flags)
{
	int err = errno;

	if (!reader_gone(err) || !dtee_fd_ours(fd)) {
		errno = err;
		return;
	}
	if (!(flags & MSG_NOSIGNAL))
		raise_sigpipe();
	errno = EPIPE;
}

/* The FILE's error flag is set by an earlier failure we did not see (a
 * putc that flushed): a socket of ours whose reader has gone was
 * disconnected by the kernel at that failure, so getpeername says
 * ENOTCONN, or was hung up by dtee; a live one answers and is not hung
 * up. */
int dtee_file_failed_before(FILE *fp)
{
	int saved = errno, fd = fp->_fileno;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (dtee_file_piece(fp) == 0 ||
	    (getpeername(fd, (struct sockaddr *)&ss, &len) == 0 ? !hung_up(fd) : errno != ENOTCONN)) {
		errno = saved;
		return 0;
	}
	raise_sigpipe();
	errno = EPIPE;
	return 1;
}

void dtee_file_reader_gone(FILE *fp)
{
	int err = errno;

	if (!reader_gone(err) || dtee_file_piece(fp) == 0) {
		errno = err;
		return;
	}
	raise_sigpipe();
	errno = EPIPE;
}
