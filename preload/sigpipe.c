/* sigpipe.c: once dtee has gone: what a pipe gives.
 *
 * A connected datagram socket whose reader has closed fails a send with
 * ECONNREFUSED (once: the kernel then disconnects it) and with ENOTCONN
 * after that; one that dtee hung up on its way out (shutdown for writing)
 * fails with EPIPE, but the kernel raises no SIGPIPE for a datagram
 * socket.  A pipe whose reader has gone sends SIGPIPE to the writing
 * thread and fails the write with EPIPE, and programs rely on that to stop
 * (`yes | head -1`, a shell loop that echoes).  On a dtee's sockets (known
 * by the name dtee binds them to, so that a program's own datagram socket
 * on fd 1 keeps the kernel's answer) the library gives the pipe's answer: SIGPIPE to the calling thread with tgkill (so a
 * blocked SIGPIPE stays pending and an ignored one is discarded, as the
 * kernel's would be), then errno EPIPE.  With MSG_NOSIGNAL (send, sendto,
 * sendmsg, sendmmsg) only EPIPE, as on a stream socket.
 *
 * Asked only after a real call failed, so it costs the fast path nothing
 * but the test of the result. */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dtee-preload.h"

/* The FILE whose failure on each fd was last reported (SIGPIPE sent), so
 * that fflush, which sees only the FILE's error flag, does not report that
 * failure again: on a pipe the failed write raised SIGPIPE once, and a
 * later fflush with nothing left returns 0.  Cleared when the error flag
 * is (clearerr) and when the fd is closed or replaced.  As many fds as the
 * fd cache covers: stdio on fds above is never ours. */
#define REPORTED_FDS 4096
static FILE *_Atomic reported[REPORTED_FDS];

static bool in_range(int fd)
{
	return fd >= 0 && fd < REPORTED_FDS;
}

static void note_reported(FILE *fp)
{
	if (in_range(dtee_fileno(fp)))
		atomic_store_explicit(&reported[dtee_fileno(fp)], fp, memory_order_relaxed);
}

static bool already_reported(FILE *fp)
{
	return in_range(dtee_fileno(fp)) &&
	       atomic_load_explicit(&reported[dtee_fileno(fp)], memory_order_relaxed) == fp;
}

void dtee_file_unreport(FILE *fp)
{
	if (already_reported(fp))
		atomic_store_explicit(&reported[dtee_fileno(fp)], NULL, memory_order_relaxed);
}

void dtee_fd_unreport(int fd)
{
	if (in_range(fd))
		atomic_store_explicit(&reported[fd], NULL, memory_order_relaxed);
}

static bool reader_gone(int err)
{
	return err == ECONNREFUSED || err == ENOTCONN || err == EPIPE;
}

/* dtee hung the socket up: shut for writing as it was for reading, so the
 * kernel reports a hang-up. */
static bool hung_up(int fd)
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

	if (!reader_gone(err) || !dtee_fd_from_dtee(fd)) {
		errno = err;
		return;
	}
	if (!(flags & MSG_NOSIGNAL))
		raise_sigpipe();
	errno = EPIPE;
}

/* The FILE's error flag is set by an earlier failure we did not see (a
 * putc that flushed), unless we reported it: a socket of ours whose
 * reader has gone was disconnected by the kernel at that failure, so
 * getpeername says ENOTCONN, or was hung up by dtee; a live one answers
 * and is not hung up. */
bool dtee_file_failed_before(FILE *fp)
{
	int saved = errno, fd = dtee_fileno(fp);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (dtee_file_piece(fp) == 0 || already_reported(fp) || !dtee_fd_from_dtee(fd) ||
	    (getpeername(fd, (struct sockaddr *)&ss, &len) == 0 ? !hung_up(fd) : errno != ENOTCONN)) {
		errno = saved;
		return 0;
	}
	raise_sigpipe();
	note_reported(fp);
	errno = EPIPE;
	return 1;
}

void dtee_file_reader_gone(FILE *fp)
{
	int err = errno;

	if (!reader_gone(err) || dtee_file_piece(fp) == 0 || !dtee_fd_from_dtee(dtee_fileno(fp))) {
		errno = err;
		return;
	}
	raise_sigpipe();
	note_reported(fp);
	errno = EPIPE;
}
