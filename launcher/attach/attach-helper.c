/* attach-helper.c: the helper: what is done inside an attached process,
 * and by whom.
 *
 * dtee itself never traces the process. A helper ("dtee-attach")
 * does both jobs: it puts dtee's sockets on the process's fds 1 and 2, and
 * it puts the originals back when dtee asks, or when dtee dies (even by
 * SIGKILL). Had dtee been the tracer, dying halfway through an injection
 * would let the process run on with the registers of a call of ours.
 *
 * The process fetches the sockets itself: pidfd_open(helper) and
 * pidfd_getfd() inside it, then dup3() onto 1 and 2 keeping each fd's
 * close-on-exec flag, then close() of what it fetched. Nothing of the
 * process's memory is written, no socket path is needed (its mount or
 * network namespace may differ), and each of 1 and 2 changes in one step
 * for every thread, since threads share the fd table. Linux-only. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attach-helper.h"
#include "attach.h"
#include "kernel/closefds.h"
#include "kernel/fdcmp.h"
#include "kernel/procstatus.h"
#include "ptrace.h"

/* How often the helper tries again to put the process's fds back, while
 * something (another tracer) keeps it from holding the process. */
#define RETRY_MS 200
/* How often a hold or an attach is tried at once again when a thread's
 * execve ends it midway. */
#define MAX_TRIES 100


/* One call inside the process; a failed call is recorded in *r. */
static bool call(struct tracee *t, struct attach_reply *r, enum inject_call what,
		 long *ret, long nr, long a0, long a1, long a2)
{
	if (tracee_syscall(t, ret, nr, a0, a1, a2, 0) < 0) {
		*r = (struct attach_reply){ STEP_LOST, 0, errno };
		return false;
	}
	if (*ret < 0 && *ret > -4096) {
		*r = (struct attach_reply){ STEP_INJECT, what, (int)-*ret };
		return false;
	}
	return true;
}

static void close_in(struct tracee *t, long fd)
{
	long ret;

	if (fd >= 0)
		(void)tracee_syscall(t, &ret, SYS_close, fd, 0, 0, 0);
}

/* Fetch src[i] from the helper into the process, for each i where want[i]. */
static bool fetch(struct tracee *t, struct attach_reply *r, long pidfd, const int src[2],
		  const bool want[2], long got[2])
{
	for (int i = 0; i < 2; i++)
		if (want[i] && !call(t, r, CALL_PIDFD_GETFD, &got[i], SYS_pidfd_getfd, pidfd, src[i], 0))
			return false;
	return true;
}

/* Put src[0] on fd 1 and src[1] on fd 2 of the traced process (where
 * want[i]), as one step each; if the second fails, the first is undone
 * with undo[0]. */
static void put(struct tracee *t, struct attach_reply *r, pid_t donor, const int src[2],
		const int undo[2], const bool want[2])
{
	long pidfd = -1, got[2] = { -1, -1 }, flags[2] = { 0, 0 }, ret;

	for (int i = 0; i < 2; i++)
		if (want[i] && !call(t, r, CALL_FCNTL, &flags[i], SYS_fcntl, i + 1, F_GETFD, 0))
			return;
	if (!call(t, r, CALL_PIDFD_OPEN, &pidfd, SYS_pidfd_open, donor, 0, 0))
		return;
	if (fetch(t, r, pidfd, src, want, got)) {
		int done = 0;
		for (; done < 2; done++)
			if (want[done] && !call(t, r, CALL_DUP3, &ret, SYS_dup3, got[done], done + 1,
						flags[done] & FD_CLOEXEC ? O_CLOEXEC : 0))
				break;
		if (done == 1 && want[0]) {
			long back[2] = { -1, -1 };
			const bool first[2] = { true, false };
			struct attach_reply ignored;
			if (fetch(t, &ignored, pidfd, undo, first, back))
				(void)call(t, &ignored, CALL_DUP3, &ret, SYS_dup3, back[0], 1,
					   flags[0] & FD_CLOEXEC ? O_CLOEXEC : 0);
			close_in(t, back[0]);
		}
	}
	close_in(t, got[0]);
	close_in(t, got[1]);
	close_in(t, pidfd);
}

/* The process held still: every thread stopped, and a donor to take fds
 * from. */
struct hold {
	struct stopped p;
	pid_t donor;
	int keep;		/* the donor lives while this is open */
};

static struct attach_reply hold(struct helper *h, struct hold *k)
{
	k->keep = -1;
	k->donor = donor_start(h->pid, &k->keep);
	if (k->donor < 0)
		return (struct attach_reply){ STEP_DONOR, 0, errno };
	enum seize_fail f = process_stop(&k->p, h->pid);
	if (f != SEIZE_OK) {
		int e = errno;
		donor_end(k->donor, k->keep);
		return (struct attach_reply){ STEP_SEIZE, f, e };
	}
	return (struct attach_reply){ STEP_OK, 0, 0 };
}

/* Run put() in the held process (where want[]), then let it go. */
static struct attach_reply let_go(struct hold *k, const int src[2], const int undo[2],
				  const bool want[2])
{
	struct attach_reply r = { STEP_OK, 0, 0 };

	if (want[0] || want[1])
		put(&k->p.t[0], &r, k->donor, src, undo, want);
	if (process_release(&k->p) < 0 && r.step == STEP_OK)
		r = (struct attach_reply){ STEP_LOST, 0, errno };
	donor_end(k->donor, k->keep);
	return r;
}

/* Which of the process's fds 1 and 2 still hold our sockets: a program
 * that has put its own files there since keeps them. */
static void still_ours(struct helper *h, bool mine[2])
{
	for (int i = 0; i < 2; i++)
		mine[i] = same_open_file(h->pid, i + 1, getpid(), h->sock[i]) == 1;
}

/* The process has not ended (its pidfd is not readable). */
static bool alive(const struct helper *h)
{
	struct pollfd p = { h->pidfd, POLLIN, 0 };

	return poll(&p, 1, 0) == 0;
}

/* No other tracer holds the process. */
static bool untraced(pid_t pid)
{
	struct proc_status s;

	return proc_status(pid, PS_TRACER, &s) && s.tracer == 0;
}

/* A failure that a thread's execve causes: the threads held end midway
 * (a thread on its way out cannot be seized either: EPERM), and the
 * process goes on with another program. Worth another try. */
static bool interrupted(const struct helper *h, const struct attach_reply *r)
{
	if (!alive(h))
		return false;
	if (r->step == STEP_LOST)
		return true;
	if (r->step != STEP_SEIZE)
		return false;
	return r->sub == SEIZE_GONE || r->sub == SEIZE_STOP || r->err == ESRCH ||
	       (r->sub == SEIZE_ATTACH && r->err == EPERM && untraced(h->pid));
}

/* hold(), tried again while a thread's execve gets in the way. */
static struct attach_reply hold_still(struct helper *h, struct hold *k)
{
	struct attach_reply r;

	for (int tries = 0; (r = hold(h, k)).step != STEP_OK && tries < MAX_TRIES && interrupted(h, &r); tries++)
		;
	return r;
}

/* Put dtee's sockets on the process's fds 1 and 2, where they are not
 * yet: tried again while a thread's execve gets in the way. */
static struct attach_reply attach_now(struct helper *h)
{
	struct attach_reply r;

	for (int tries = 0;; tries++) {
		struct hold k;
		bool mine[2];
		r = hold_still(h, &k);
		if (r.step == STEP_OK) {
			still_ours(h, mine);
			const bool want[2] = { !mine[0] && h->orig[0] >= 0, !mine[1] && h->orig[1] >= 0 };
			r = let_go(&k, h->sock, h->orig, want);
		}
		if (r.step == STEP_OK || tries == MAX_TRIES || !interrupted(h, &r))
			return r;
	}
}

/* Put the originals back in the held process and let it go. */
static struct attach_reply restore(struct helper *h, struct hold *k)
{
	bool mine[2];

	still_ours(h, mine);
	struct attach_reply r = let_go(k, h->orig, h->sock, mine);
	if (r.step == STEP_OK && !mine[0] && !mine[1])
		r.step = STEP_CHANGED;
	return r;
}

/* Close every fd but those in keep[]. */
static void keep_only(const int *keep, int n)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int last = 2;

	for (int fd = 0; fd < 3; fd++)
		if (null >= 0)
			dup2(null, fd);
	for (;;) {
		int next = -1;
		for (int i = 0; i < n; i++)
			if (keep[i] > last && (next < 0 || keep[i] < next))
				next = keep[i];
		if (next < 0)
			break;
		if (next > last + 1)
			close_fds((unsigned)last + 1, (unsigned)next - 1);
		last = next;
	}
	close_fds((unsigned)last + 1, ~0U);
}

static void send_reply(int ctl, const struct attach_reply *r)
{
	(void)send(ctl, r, sizeof *r, MSG_NOSIGNAL);
}

/* The next word from dtee: 'D' detach, 'R' drained, 'Q' done; 'E' for
 * the process's end, 'T' once timeout_ms (-1: never) has passed; 0 if
 * dtee has gone (h->ctl is -1 from then on). */
static char wait_for_dtee(struct helper *h, int timeout_ms)
{
	struct pollfd p[2] = { { h->ctl, POLLIN, 0 }, { h->pidfd, POLLIN, 0 } };
	char cmd;

	for (;;) {
		int n = poll(p, 2, timeout_ms);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == ENOMEM))
			continue;
		if (n <= 0)
			return 'T';
		if (p[1].revents)
			return 'E';
		if (p[0].revents) {
			ssize_t got = recv(h->ctl, &cmd, 1, 0);
			if (got < 0 && errno == EINTR)
				continue;
			if (got == 1)
				return cmd;
			close(h->ctl);
			h->ctl = -1;
			return 0;
		}
	}
}

/* One try at putting the process's own fds back: hold it, let dtee (while
 * it is there) copy all it has written, restore. asked: dtee waits for the
 * reply to its 'D'; otherwise it is woken with SIGCHLD to read that the
 * process is held. True once done, or the process has ended. */
static bool try_detach(struct helper *h, bool asked)
{
	struct hold k;
	struct attach_reply r = hold_still(h, &k);

	if (r.step != STEP_OK) {
		if (asked)
			send_reply(h->ctl, &r);
		return !alive(h);
	}
	if (h->ctl >= 0) {
		send_reply(h->ctl, &r);
		if (!asked)
			(void)kill(h->dtee, SIGCHLD);
		(void)wait_for_dtee(h, -1);	/* 'R', or dtee has gone */
	}
	r = restore(h, &k);
	if (h->ctl >= 0)
		send_reply(h->ctl, &r);
	return r.step == STEP_OK || r.step == STEP_CHANGED || !alive(h);
}

static void __attribute__((noreturn)) helper(struct helper *h)
{
	const int keep[] = { h->pidfd, h->ctl, h->sock[0], h->sock[1], h->orig[0], h->orig[1] };
	bool retrying = false;
	sigset_t none;

	keep_only(keep, (int)(sizeof keep / sizeof keep[0]));
	/* Out of the terminal's session: ^C and a hang-up are for dtee,
	 * which asks the helper to detach. A signal sent by pid still acts. */
	(void)setsid();
	(void)prctl(PR_SET_NAME, "dtee-attach", 0, 0, 0);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* With Yama's ptrace_scope 1 the process may then take fds from us. */
	(void)prctl(PR_SET_PTRACER, h->pid, 0, 0, 0);

	struct attach_reply r = { STEP_OK, 0, 0 };
	if (!h->attached)
		r = attach_now(h);
	send_reply(h->ctl, &r);
	if (r.step != STEP_OK)
		_exit(1);

	/* Once asked to detach, or once dtee has gone (even by SIGKILL), try
	 * until the fds are back or the process has ended: a process is never
	 * left on sockets nobody reads because another tracer held it at
	 * that moment. */
	for (;;) {
		char cmd = wait_for_dtee(h, retrying || h->ctl < 0 ? RETRY_MS : -1);
		if (cmd == 'Q')
			_exit(0);
		if (cmd == 'E') {
			if (h->ctl >= 0)
				(void)kill(h->dtee, SIGCHLD);
			_exit(0);
		}
		if (cmd != 'D' && cmd != 0 && !(cmd == 'T' && (retrying || h->ctl < 0)))
			continue;
		if (try_detach(h, cmd == 'D'))
			_exit(0);
		retrying = true;
	}
}

/* Start the helper as a grandchild dtee does not wait for; it attaches at
 * once and says how that went. */
int start_helper(struct helper *h, int *ctl, struct attach_reply *r)
{
	int pair[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		return -1;
	pid_t mid = fork();
	if (mid == 0) {
		close(pair[0]);
		h->ctl = pair[1];
		if (fork() == 0)
			helper(h);
		_exit(0);
	}
	close(pair[1]);
	if (mid < 0) {
		close(pair[0]);
		return -1;
	}
	while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
		;
	*ctl = pair[0];
	ssize_t n;
	while ((n = recv(*ctl, r, sizeof *r, 0)) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof *r)
		*r = (struct attach_reply){ STEP_LOST, 0, n < 0 ? errno : EPIPE };
	return 0;
}
