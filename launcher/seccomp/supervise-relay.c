/* supervise-relay.c: a stopped write relayed: its data copied out of the
 * command's memory with process_vm_readv() a chunk at a time, each chunk
 * sent on the same socket, the progress recorded for the heir. Linux
 * only. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "iov.h"
#include "kernel/sendas.h"
#include "supervise-private.h"

static bool nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && (fl & O_NONBLOCK);
}

/* Send n bytes of the job's buffer as one datagram.
 * On a foreign socket the datagram carries the writer's identity, never
 * dtee's: its reader may trust SO_PASSCRED (journald, /dev/log readers),
 * and the command chose it. The kernel lets only a privileged dtee claim
 * another process (EPERM otherwise, with nothing sent).
 * The socket's description is the command's: if the command made it
 * non-blocking (node does), or asked MSG_DONTWAIT, the send may find no
 * room (EAGAIN). With wait_for_room (part of the write is sent already)
 * it waits for room, so that the write stays one contiguous run; without,
 * EAGAIN is returned, as the kernel answers the process's own non-blocking
 * write that has no room (nothing sent).
 * The send itself never sleeps (MSG_DONTWAIT; poll waits for room): a
 * blocked send, woken by room while SIGKILL is pending, would still send,
 * and dtee die before it records the piece for the heir (see progress). */
static ssize_t send_piece(struct job *job, size_t n, bool wait_for_room)
{
	struct iovec iov = { job->buf, n };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t s;

	for (;;) {
		s = job->claim ? send_as(job->sock, &iov, 1, &job->cred, MSG_NOSIGNAL | MSG_DONTWAIT)
			       : sendmsg(job->sock, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (s >= 0 || (errno != EINTR && errno != EAGAIN))
			return s;
		if (errno == EAGAIN && !wait_for_room && (job->dontwait || nonblocking(job->sock))) {
			errno = EAGAIN;
			return -1;
		}
		if (errno == EAGAIN)
			(void)poll(&(struct pollfd){ job->sock, POLLOUT, 0 }, 1, -1);
	}
}

/* done bytes of the call (of message mmsg_i, for sendmmsg) are sent: record
 * what the call would return now, for the heir. Were dtee to die before it
 * answers, the heir answers that (a short write, as the kernel gives), so
 * that the call never runs again whole: nothing is sent twice. */
static void progress(struct job *job, size_t done)
{
	long long ret = (long long)done;

	if (!job->held)
		return;
	if (job->mmsg_cnt > 0) {
		(void)call_write_mmsg_len(job, job->mmsg_i, (unsigned)done);
		ret = (long long)job->mmsg_i + 1;
	}
	__atomic_store_n(&job->held->done, ret, __ATOMIC_RELEASE);
}

/* Copy the job's total bytes, described by the command's vector, out of
 * its memory and send them on the job's socket, RELAY_CHUNK at a time. */
static struct outcome relay(struct job *job)
{
	struct iov_cursor at = iov_cursor(job->iov, job->cnt);
	size_t done = 0;

	while (done < job->total) {
		size_t left = job->total - done;
		int k = iov_take(&at, left < RELAY_CHUNK ? left : RELAY_CHUNK, job->part, IOV_MAX);
		size_t want = iov_total(job->part, k);
		struct iovec local = { job->buf, want };
		ssize_t n = process_vm_readv(job->pid, &local, 1, job->part, (unsigned long)k, 0);

		if (n <= 0) {
			if (done > 0)
				break;
			if (n < 0 && errno == EPERM) {
				count_unreadable(job->sv);
				return run_in_process();
			}
			return fails_with(n < 0 && errno != ESRCH ? errno : EFAULT);
		}
		/* Only now is it sure the memory was the stopped command's. */
		if (!still_valid(job->sv->listener, job->id))
			return fails_with(EINTR);
		if (send_piece(job, (size_t)n, done > 0) < 0) {
			if (done > 0)
				break;
			/* dtee may not send as the writer: as itself only
			 * where the command alone reads; else the writer
			 * sends. */
			if (errno == EPERM && job->claim) {
				if (!reader_in_command(job->sv, job->cred.pid, job->sock))
					return run_in_process();
				job->claim = false;
				continue;
			}
			return fails_with(errno);
		}
		done += (size_t)n;
		progress(job, done);
		if ((size_t)n < want)
			break;	/* the rest is not readable: a short write */
		iov_advance(&at, (size_t)n);
	}
	return returns((long long)done);
}

/* sendmmsg(): each message in turn, as sendmsg; the count of messages
 * sent, as the kernel answers, each one's msg_len set. */
static struct outcome relay_messages(struct job *job)
{
	unsigned sent = 0;

	for (unsigned i = 0; i < job->mmsg_cnt; i++) {
		struct outcome o;

		if (!call_read_mmsg(job, i))
			break;
		job->mmsg_i = i;
		if (job->total > 0) {
			o = relay(job);
		} else if (send_piece(job, 0, i > 0) < 0) {
			o = fails_with(errno);
		} else {
			o = returns(0);
			progress(job, 0);
		}
		if (o.run_in_process || o.err)
			return sent > 0 ? returns(sent) : o;
		(void)call_write_mmsg_len(job, i, (unsigned)o.ret);
		sent++;
		if ((size_t)o.ret < job->total)
			break;
	}
	return sent > 0 ? returns(sent) : run_in_process();
}

struct outcome serve_job(struct job *job)
{
	return job->mmsg_cnt > 0 ? relay_messages(job) : relay(job);
}
