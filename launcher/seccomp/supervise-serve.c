/* supervise-serve.c: the thread in dtee that answers the stopped calls, and
 * its workers. Linux only.
 *
 * For each stopped call the thread checks with kcmp() which of dtee's
 * sockets the fd is (another file: the call runs on, untouched, with
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE), has the data relayed on the same
 * socket (supervise-relay.c), so the collector sees the right stream; then
 * it answers with the byte count. The stopped thread waits for the answer, so
 * the order of its writes is kept, and with WAIT_KILLABLE_RECV a signal
 * can no longer restart a call that dtee has taken: nothing is sent twice.
 *
 * A datagram socket that is not dtee's own (the sockets of a dtee started
 * inside the command, whose own filter the kernel refuses with EBUSY) is
 * fetched with pidfd_getfd() and served by a worker thread, every datagram
 * carrying the writer's identity, never dtee's (supervise-relay.c). */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "dtee.h"
#include "kernel/fdcmp.h"
#include "iov.h"
#include "sinks/sink.h"
#include "kernel/sendas.h"
#include "supervise-private.h"

/* Linux 6.6: wake the supervisor and the stopped thread on the same CPU, in
 * turn, instead of through the scheduler: trapped calls cost less. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

void job_free(struct job *job)
{
	if (job) {
		free(job->resp);
		free(job->buf);
		free(job);
	}
}

struct job *job_new(struct supervisor *sv)
{
	struct job *job = calloc(1, sizeof *job);
	size_t rsize = sv->sizes.seccomp_notif_resp;

	if (!job)
		return NULL;
	job->sv = sv;
	job->owned = -1;
	job->slot = -1;
	job->resp = calloc(1, rsize > sizeof *job->resp ? rsize : sizeof *job->resp);
	job->buf = malloc(RELAY_CHUNK);
	if (!job->resp || !job->buf) {
		job_free(job);
		return NULL;
	}
	return job;
}

bool still_valid(int listener, uint64_t id)
{
	return ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

void count_unreadable(struct supervisor *sv)
{
	__atomic_add_fetch(&sv->unreadable, 1, __ATOMIC_RELAXED);
}

/* The command's socket is still connected to dtee's input: the command
 * may have connected it elsewhere, and then it is a socket like any of its
 * own. */
static bool still_to_us(const struct supervisor *sv, int sock)
{
	struct sockaddr_un a;
	socklen_t len = sizeof a;

	return getpeername(sock, (struct sockaddr *)&a, &len) == 0 &&
	       len == sv->sk->addr_len[SOCK_IN] &&
	       memcmp(a.sun_path, sv->sk->addr[SOCK_IN].sun_path,
		      len - offsetof(struct sockaddr_un, sun_path)) == 0;
}

/* Which of dtee's sockets the command's fd is: dtee's copy of it, or -1
 * with errno 0 (another file), EPERM (cannot look: not dumpable), or why
 * not. */
static int command_socket(struct supervisor *sv, pid_t pid, int fd)
{
	int r = same_open_file(pid, fd, sv->self, sv->sk->out);

	if (r == 1)
		return sv->sk->out;
	if (r == 0 && (r = same_open_file(pid, fd, sv->self, sv->sk->err)) == 1)
		return sv->sk->err;
	if (r == 0)
		errno = 0;
	return -1;
}

/* Where to send what the command writes on fd: the supervisor's own socket
 * for the same stream, if fd is one of dtee's sockets still connected to
 * dtee; else -1, with errno as command_socket() sets it (0 for a socket the
 * command connected elsewhere: a socket like any of its own). Never the
 * command's socket itself: the command could connect it elsewhere between
 * a check and the send, and dtee would send there as itself; on the
 * supervisor's socket a late reconnect only means the data reaches dtee's
 * outputs. */
static int our_socket(struct supervisor *sv, pid_t pid, int fd)
{
	int sock = command_socket(sv, pid, fd);

	if (sock < 0)
		return -1;
	if (!still_to_us(sv, sock)) {
		errno = 0;
		return -1;
	}
	return sock == sv->sk->out ? sv->sk->relay_out : sv->sk->relay_err;
}

/* A copy of the command's fd if it is a Unix datagram socket (a dtee inside
 * the command), else -1. cred: the writer's identity, which every datagram
 * sent on the copy must carry. */
static int foreign_socket(struct supervisor *sv, const struct job *job, int fd, struct ucred *cred)
{
	pid_t tgid = thread_identity(job->pid, cred) ? cred->pid : -1;
	int pidfd = tgid > 0 ? (int)syscall(SYS_pidfd_open, tgid, 0) : -1;
	int copy = pidfd >= 0 ? (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0) : -1;
	int type = 0;
	struct sockaddr_storage a;
	socklen_t len = sizeof type, alen = sizeof a;

	if (pidfd >= 0)
		close(pidfd);
	/* The pid could have been reused, had the call been ended. */
	if (copy >= 0 && still_valid(sv->listener, job->id) &&
	    getsockopt(copy, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM &&
	    getsockname(copy, (struct sockaddr *)&a, &alen) == 0 && a.ss_family == AF_UNIX)
		return copy;
	if (copy >= 0)
		close(copy);
	return -1;
}

static void respond(struct job *job, struct outcome o)
{
	struct seccomp_notif_resp *resp = job->resp;

	memset(resp, 0, job->sv->sizes.seccomp_notif_resp);
	resp->id = job->id;
	if (o.run_in_process)
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else if (o.err)
		resp->error = -o.err;
	else
		resp->val = o.ret;
	/* ENOENT: the stopped thread was killed meanwhile. */
	(void)ioctl(job->sv->listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
}

/* Record, for the heir, that the job's call is held unanswered, nothing of
 * it sent yet. */
static void hold(struct held_call *h, struct job *job, bool ours, bool sigpipe)
{
	h->id = job->id;
	h->tid = job->pid;
	h->ours = ours;
	h->sigpipe = sigpipe;
	__atomic_store_n(&h->done, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&h->busy, 1, __ATOMIC_RELEASE);
	job->held = h;
}

static void release(struct job *job)
{
	if (job->held)
		__atomic_store_n(&job->held->busy, 0, __ATOMIC_RELEASE);
	job->held = NULL;
}

/* A foreign socket's reader may itself be waiting for this supervisor (a
 * dtee inside the command: its collector writes to our socket, and its
 * writev() stops here), so its writes are served in threads of their own
 * while this one goes on. */
static void *foreign_worker(void *arg)
{
	struct job *job = arg;
	struct supervisor *sv = job->sv;

	respond(job, serve_job(job));
	release(job);
	close(job->owned);
	job_free(job);
	__atomic_sub_fetch(&sv->workers, 1, __ATOMIC_RELAXED);
	return NULL;
}

/* The serving thread's job, on the foreign socket copy, to a new worker. */
static bool hand_over(struct supervisor *sv, int copy)
{
	struct job *job;
	pthread_t thread;

	if (__atomic_load_n(&sv->workers, __ATOMIC_RELAXED) >= MAX_WORKERS || !(job = job_new(sv)))
		return false;
	struct seccomp_notif_resp *resp = job->resp;
	char *buf = job->buf;
	*job = *sv->job;
	job->resp = resp;
	job->buf = buf;
	job->sock = job->owned = copy;
	job->claim = true;
	job->slot = -1;
	job->held = NULL;
	/* Fewer than MAX_WORKERS workers: a slot is free. Only this thread
	 * takes slots, so none is taken twice. */
	for (int i = 0; sv->held && i < MAX_WORKERS; i++)
		if (!__atomic_load_n(&sv->held->worker[i].busy, __ATOMIC_ACQUIRE)) {
			job->slot = i;
			hold(&sv->held->worker[i], job, false, false);
			break;
		}
	__atomic_add_fetch(&sv->workers, 1, __ATOMIC_RELAXED);
	if (pthread_create(&thread, NULL, foreign_worker, job) != 0) {
		__atomic_sub_fetch(&sv->workers, 1, __ATOMIC_RELAXED);
		release(job);
		job_free(job);
		return false;
	}
	pthread_detach(thread);
	return true;
}

/* Whether the kernel can send the job's write (each message, for
 * sendmmsg) on the command's own socket sock whole, as one datagram: if it
 * is no larger than the socket's send buffer less 32 bytes, nor than the
 * largest block the kernel allocates for a datagram (PAGE_SIZE <<
 * MAX_PAGE_ORDER, 1024 pages as usually built: larger ones fail with
 * ENOBUFS). Then it runs in the process, and the command's reader gets it
 * as the command meant, one message, not in pieces. */
static bool fits_in_one_datagram(const struct job *job, int sock)
{
	int sndbuf = 0;
	socklen_t len = sizeof sndbuf;
	size_t largest = job->mmsg_cnt > 0 ? job->mmsg_largest : job->total;
	size_t kernel_max = 1024 * (size_t)sysconf(_SC_PAGESIZE);

	return getsockopt(sock, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) == 0 && sndbuf > 32 &&
	       largest <= (size_t)sndbuf - 32 && largest <= kernel_max;
}

/* Name the writer of the datagrams dtee is about to relay on its own
 * sockets, where the sinks show writers: on relay_who, ahead of them in
 * the one receive queue, so the collector credits them to the writer (its
 * process, as the kernel would name it: SCM_CREDENTIALS) instead of dtee,
 * and the line assembler does not cut the line where relaying starts.
 * Named again only when it changes; 0 where it cannot be read (then the
 * kernel's, dtee's, stands). */
static void announce_writer(struct supervisor *sv, pid_t tid)
{
	struct ucred cred;
	pid_t pid;

	if (!(sv->sk->needs & SINK_PID) || sv->sk->relay_who < 0)
		return;
	pid = thread_identity(tid, &cred) ? cred.pid : 0;
	if (pid == sv->announced)
		return;
	while (send(sv->sk->relay_who, &pid, sizeof pid, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return;
	sv->announced = pid;
}

/* A stopped write: how much, to which socket; then relay and answer (or
 * let a worker thread do both). */
static void serve_write(struct supervisor *sv, const struct seccomp_notif *req)
{
	struct job *job = sv->job;
	int fd = call_fd(req), copy;

	job->id = req->id;
	job->claim = false;
	job->held = NULL;
	if (req->pid == 0 || !call_read(job, req)) {	/* pid 0: not in our namespace */
		respond(job, run_in_process());
		return;
	}
	job->sock = our_socket(sv, job->pid, fd);
	if (job->sock >= 0) {
		announce_writer(sv, job->pid);
		if (sv->held)
			hold(&sv->held->serving, job, true, call_wants_sigpipe(req));
		respond(job, serve_job(job));
		release(job);
		return;
	}
	if (errno == EPERM) {
		count_unreadable(sv);
	} else if (errno == 0 && (copy = foreign_socket(sv, job, fd, &job->cred)) >= 0) {
		if (!fits_in_one_datagram(job, copy) && hand_over(sv, copy))
			return;
		close(copy);
	}
	/* Another file, fd not open, a write the socket takes whole, or too
	 * busy: the call runs as it is. */
	respond(job, run_in_process());
}

/* setsockopt(fd, SOL_SOCKET, SO_SNDBUF or SO_SNDBUFFORCE, &v, len) on one of
 * our sockets with v below limit: the filter lets writes up to limit past,
 * so the buffer must stay large enough for them. Give it limit instead. */
static struct outcome serve_setsockopt(struct supervisor *sv, const struct seccomp_notif *req)
{
	pid_t pid = (pid_t)req->pid;
	int v = 0, want = (int)sv->limit;
	struct iovec local = { &v, sizeof v }, remote = { (void *)(uintptr_t)req->data.args[3], sizeof v };
	int sock;

	if (pid == 0 || (int)(uint32_t)req->data.args[4] < (int)sizeof v ||
	    process_vm_readv(pid, &local, 1, &remote, 1, 0) != sizeof v || v < 0 || v >= want)
		return run_in_process();
	sock = command_socket(sv, pid, call_fd(req));
	if (sock < 0 || !still_valid(sv->listener, req->id))
		return run_in_process();
	if (setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &want, sizeof want) < 0)
		return fails_with(errno);
	return returns(0);
}

void serve_stop(struct supervisor *sv)
{
	/* The workers' calls are theirs to answer: wait for them (rare, and
	 * short: each ends with its relay). */
	while (__atomic_load_n(&sv->workers, __ATOMIC_RELAXED) > 0)
		usleep(1000);
	/* The heir lets the stopped calls run from now on, and answers for
	 * dtee once dtee has gone (when life closes). */
	if (sv->life >= 0)
		(void)write(sv->life, "S", 1);
	close(sv->listener);
	sv->listener = -1;
}

static void *serve(void *arg)
{
	struct supervisor *sv = arg;
	struct seccomp_notif *req = sv->req;

	for (;;) {
		memset(req, 0, sv->sizes.seccomp_notif);
		if (ioctl(sv->listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			msg("--seccomp: %s; writes too large for a datagram will fail", strerror(errno));
			serve_stop(sv);
			return NULL;
		}
		if (sv->held) {
			__atomic_store_n(&sv->held->last_id, req->id, __ATOMIC_RELAXED);
			__atomic_store_n(&sv->held->have_last, 1, __ATOMIC_RELEASE);
		}
		if (req->data.nr == __NR_setsockopt) {
			sv->job->id = req->id;
			respond(sv->job, serve_setsockopt(sv, req));
		} else {
			serve_write(sv, req);
		}
	}
}

bool serve_start(struct supervisor *sv)
{
	pthread_t thread;
	int err;

	/* Older kernels refuse it (EINVAL): they serve as well, more slowly. */
	(void)ioctl(sv->listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	/* Every signal is blocked here, and stays blocked in the thread: the
	 * collector's handlers run in the main thread only. */
	err = pthread_create(&thread, NULL, serve, sv);
	if (err != 0) {
		msg("--seccomp: cannot start the supervisor: %s; writes too large for a datagram will fail",
		    strerror(err));
		return false;
	}
	pthread_detach(thread);
	return true;
}
