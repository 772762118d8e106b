/* supervise-heir.c: the process that answers for dtee once it is gone.
 * Linux only.
 *
 * dtee can die, or exit, before the command's last process. A listener
 * that no one holds any more makes every stopped call fail with ENOSYS,
 * and one that is held but not read leaves them waiting. So a small
 * process, the heir ("dtee-supervise"), holds a copy of the listener and
 * of dtee's two sending sockets. While dtee serves it only watches; once
 * dtee is gone (a pipe whose only writer is dtee reports the hang-up) it
 * gives the command what a pipe whose reader died would:
 *   - it shuts both sockets down for writing, so that every later write on
 *     them fails with EPIPE, even the small ones the filter lets through
 *     (without, they would fail with ECONNREFUSED, then ENOTCONN); a
 *     datagram socket never raises SIGPIPE, so those get no signal;
 *   - it answers each stopped write on them with EPIPE and sends SIGPIPE to
 *     the writing thread first (unless a send asked MSG_NOSIGNAL), so that
 *     a program that relies on SIGPIPE to stop does stop;
 *   - it lets every other stopped call run (SECCOMP_USER_NOTIF_FLAG_CONTINUE).
 * Calls dtee had taken but not answered when it died are found in the page
 * it shares (struct held_calls) and answered the same way, except one
 * that dtee had sent part of: it returns what was sent (a short write, as
 * from a pipe whose reader died mid-write), so that nothing is sent twice.
 * The heir ends when no process is left under the filter (the listener
 * polls POLLHUP, Linux 5.8). It never reads the command's memory: it
 * needs no ptrace access, only kcmp()'s (read) access, so it does not
 * matter that it is no ancestor of the command (Yama). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/closefds.h"
#include "kernel/fdcmp.h"
#include "signals.h"
#include "kernel/sendas.h"
#include "supervise-private.h"

/* How many ids past the last one dtee recorded the heir lets run: the call
 * dtee was taking when it died is one of them (ids rise by one per
 * stopped call, and dtee takes them in order). */
#define SWEEP 64

/* What the heir keeps open; everything else of dtee's is closed, so that
 * no output, pipe or socket is held up by it. */
enum { KEEP_LIFE, KEEP_LISTENER, KEEP_OUT, KEEP_ERR, KEEP_N };

/* Call id fails with err, or returns val (> 0), or else runs. */
static void answer(struct supervisor *sv, uint64_t id, int err, long long val)
{
	struct seccomp_notif_resp *resp = sv->job->resp;

	memset(resp, 0, sv->sizes.seccomp_notif_resp);
	resp->id = id;
	if (err)
		resp->error = -err;
	else if (val > 0)
		resp->val = val;
	else
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	/* ENOENT: answered or gone; EINPROGRESS: not taken yet, it will be. */
	(void)ioctl(sv->listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
}

static void respond(struct supervisor *sv, uint64_t id, int err)
{
	answer(sv, id, err, 0);
}

/* Call id, a write on one of dtee's sockets by thread tid, fails with
 * EPIPE, the thread getting SIGPIPE first if sigpipe: a signal with its
 * default action then ends the process, as from a pipe. A held call can
 * still end with its thread (SIGKILL: the wait is killable), so the id is
 * checked just before the signal. Left open: the thread dying between that
 * check and tgkill(), and its tid going to a new thread in those few
 * microseconds, which would then get the SIGPIPE; pids are handed out in
 * turn, so that needs the whole pid range (pid_max) used up meanwhile. */
static void broken_pipe(struct supervisor *sv, uint64_t id, pid_t tid, bool sigpipe)
{
	struct ucred who;

	if (sigpipe && still_valid(sv->listener, id) && thread_identity(tid, &who))
		(void)syscall(SYS_tgkill, who.pid, tid, SIGPIPE);
	respond(sv, id, EPIPE);
}

/* The calls dtee took and did not answer: its held ones, then the few after
 * the last it recorded (one may have been taken, not yet recorded). */
static void sweep(struct supervisor *sv, uint64_t from)
{
	struct held_calls *h = sv->held;
	struct held_call *all[1 + MAX_WORKERS] = { &h->serving };

	for (int i = 0; i < MAX_WORKERS; i++)
		all[1 + i] = &h->worker[i];
	for (int i = 0; i < 1 + MAX_WORKERS; i++) {
		long long done;

		if (!__atomic_load_n(&all[i]->busy, __ATOMIC_ACQUIRE))
			continue;
		/* Part of it sent: it returns that, as a short write. */
		done = __atomic_load_n(&all[i]->done, __ATOMIC_ACQUIRE);
		if (done > 0)
			answer(sv, all[i]->id, 0, done);
		else if (all[i]->ours)
			broken_pipe(sv, all[i]->id, all[i]->tid, all[i]->sigpipe);
		else
			respond(sv, all[i]->id, 0);
	}
	for (uint64_t id = from; id != from + SWEEP; id++)
		respond(sv, id, 0);
}

/* A call stopped after dtee has gone. */
static void answer_for_dtee(struct supervisor *sv, const struct seccomp_notif *req, const int *keep)
{
	pid_t self = getpid();
	int fd = call_fd(req);

	if (req->data.nr != __NR_setsockopt && req->pid != 0 &&
	    (same_open_file((pid_t)req->pid, fd, self, keep[KEEP_OUT]) == 1 ||
	     same_open_file((pid_t)req->pid, fd, self, keep[KEEP_ERR]) == 1))
		broken_pipe(sv, req->id, (pid_t)req->pid, call_wants_sigpipe(req));
	else
		respond(sv, req->id, 0);	/* not ours, or cannot tell: it runs */
}

static int compare_fds(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close every fd but those in keep (and 0-2, on /dev/null). */
static void keep_only(const int *keep, int n)
{
	int sorted[KEEP_N], null = open("/dev/null", O_RDWR), from = 3;

	for (int fd = 0; fd < 3; fd++)
		if (null != fd)
			dup2(null, fd);
	if (null > 2)
		close(null);
	memcpy(sorted, keep, (size_t)n * sizeof *keep);
	qsort(sorted, (size_t)n, sizeof *sorted, compare_fds);
	for (int i = 0; i <= n; i++) {
		unsigned to = i < n ? (unsigned)sorted[i] - 1 : ~0U;

		close_fds((unsigned)from, to);
		if (i < n)
			from = sorted[i] + 1;
	}
}

/* Wait until dtee goes (true) or the command ends (false). If dtee says
 * it can no longer serve (a byte on life: its serving thread failed), the
 * stopped calls are let run meanwhile, as without the supervisor. */
static bool wait_for_dtee_to_go(struct supervisor *sv, int life)
{
	struct pollfd p[2] = { { life, POLLIN, 0 }, { sv->listener, 0, 0 } };

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == ENOMEM)
				continue;
			_exit(1);
		}
		if (p[1].revents & POLLIN) {
			memset(sv->req, 0, sv->sizes.seccomp_notif);
			if (ioctl(sv->listener, SECCOMP_IOCTL_NOTIF_RECV, sv->req) == 0)
				respond(sv, sv->req->id, 0);
		}
		if (p[1].revents & (POLLHUP | POLLERR | POLLNVAL))
			return false;
		if (p[0].revents) {
			char b;
			if (read(life, &b, 1) == 1) {
				p[1].events = POLLIN;	/* dtee stopped serving */
				continue;
			}
			return true;
		}
	}
}

static void __attribute__((noreturn)) heir(struct supervisor *sv, int life)
{
	struct held_calls *h = sv->held;
	const int keep[KEEP_N] = { life, sv->listener, sv->sk->out, sv->sk->err };
	struct pollfd p = { sv->listener, POLLIN, 0 };
	bool swept = false;

	keep_only(keep, KEEP_N);
	/* Out of the terminal's process group and session: ^C, ^Z and a
	 * hang-up reach the command and dtee, not the heir, which must serve
	 * whatever of the command goes on. A signal sent to it by pid still
	 * has its usual effect. */
	(void)setsid();
	(void)prctl(PR_SET_NAME, "dtee-supervise", 0, 0, 0);
	signals_reset_for_child();
	signal(SIGPIPE, SIG_IGN);

	if (!wait_for_dtee_to_go(sv, life))
		_exit(0);
	close(life);
	(void)shutdown(keep[KEEP_OUT], SHUT_WR);
	(void)shutdown(keep[KEEP_ERR], SHUT_WR);
	if (__atomic_load_n(&h->have_last, __ATOMIC_ACQUIRE)) {
		sweep(sv, __atomic_load_n(&h->last_id, __ATOMIC_RELAXED));
		swept = true;
	}
	for (;;) {
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == ENOMEM)
				continue;
			_exit(1);	/* stopped calls fail with ENOSYS */
		}
		if (p.revents & POLLIN) {
			memset(sv->req, 0, sv->sizes.seccomp_notif);
			if (ioctl(sv->listener, SECCOMP_IOCTL_NOTIF_RECV, sv->req) < 0) {
				if (errno == EINTR || errno == ENOENT)
					continue;
				_exit(1);
			}
			/* dtee died as it took its first call: that one is
			 * among the few before this. */
			if (!swept) {
				sweep(sv, sv->req->id - SWEEP);
				swept = true;
			}
			answer_for_dtee(sv, sv->req, keep);
		} else if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) {
			_exit(0);
		}
	}
}

bool heir_start(struct supervisor *sv)
{
	int life[2];
	pid_t pid;

	sv->held = mmap(NULL, sizeof *sv->held, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sv->held == MAP_FAILED) {
		sv->held = NULL;
		return false;
	}
	if (pipe2(life, O_CLOEXEC) < 0)
		goto fail;
	/* A grandchild that dtee does not wait for: dtee's own SIGCHLD and
	 * wait status stay the command's. */
	pid = fork();
	if (pid == 0) {
		close(life[1]);
		if (fork() == 0)
			heir(sv, life[0]);
		_exit(0);
	}
	close(life[0]);
	if (pid < 0) {
		close(life[1]);
		goto fail;
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	sv->life = life[1];
	return true;
fail:
	munmap(sv->held, sizeof *sv->held);
	sv->held = NULL;
	return false;
}
