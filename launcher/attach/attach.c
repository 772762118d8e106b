/* attach.c: dtee's side of --attach (attach.h): the process checked and
 * its fds taken (attach-check.c), the helper started (attach-helper.c),
 * asked to hold the process and put its fds back, and replaced when it
 * has been killed. Linux-only. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "attach-helper.h"
#include "attach.h"
#include "dtee.h"
#include "ptrace.h"

struct attach {
	pid_t pid;
	int pidfd;		/* the process */
	int ctl;		/* dtee's end of the pair the helper reads, or -1 */
	int orig[2];		/* the process's own fds 1 and 2 (the caller's to close) */
	int sock[2];		/* dtee's sockets, for a new helper */
};

int attach_prepare(pid_t pid, bool force, struct attach **a, int *orig_out, int *orig_err)
{
	int pidfd, rc = attach_check(pid, force, &pidfd, orig_out, orig_err);

	if (rc == 0 && (rc = attach_check_sockets(pid, *orig_out, *orig_err)) != 0) {
		close(pidfd);
		if (*orig_out >= 0)
			close(*orig_out);
		if (*orig_err >= 0)
			close(*orig_err);
	}
	if (rc != 0)
		return rc;
	*a = malloc(sizeof **a);
	if (!*a) {
		msg("--attach=%d: %s", (int)pid, strerror(errno));
		close(pidfd);
		if (*orig_out >= 0)
			close(*orig_out);
		if (*orig_err >= 0)
			close(*orig_err);
		return EX_OSERR;
	}
	**a = (struct attach){ pid, pidfd, -1, { *orig_out, *orig_err }, { -1, -1 } };
	/* A closed fd stays closed; the pass-through writes nothing there. */
	for (int i = 0; i < 2; i++) {
		int *caller = i == 0 ? orig_out : orig_err;
		if (*caller < 0 && (*caller = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0) {
			msg("--attach=%d: /dev/null: %s", (int)pid, strerror(errno));
			attach_finish(*a);
			if (i == 1)
				close(*orig_out);
			else if (*orig_err >= 0)
				close(*orig_err);
			return EX_OSERR;
		}
	}
	return 0;
}

static bool ended(int pidfd)
{
	struct pollfd p = { pidfd, POLLIN, 0 };

	return poll(&p, 1, 0) > 0;
}

/* Start a helper for a (attached: dtee's sockets are on the process's fds
 * already, as when the first helper has been killed); r is its first word. */
static int new_helper(struct attach *a, bool attached, struct attach_reply *r)
{
	struct helper h = {
		.pid = a->pid, .dtee = getpid(), .attached = attached, .pidfd = a->pidfd,
		.sock = { a->sock[0], a->sock[1] }, .orig = { a->orig[0], a->orig[1] },
	};

	return start_helper(&h, &a->ctl, r);
}

int attach_start(struct attach *a, int out_sock, int err_sock)
{
	struct attach_reply r;
	int rc = 0;

	/* Kept for a helper that would replace a killed one. */
	a->sock[0] = fcntl(out_sock, F_DUPFD_CLOEXEC, 3);
	a->sock[1] = fcntl(err_sock, F_DUPFD_CLOEXEC, 3);
	if (a->sock[0] < 0 || a->sock[1] < 0 || new_helper(a, false, &r) < 0) {
		msg("--attach=%d: cannot start the helper: %s", (int)a->pid, strerror(errno));
		rc = EX_OSERR;
	} else if (r.step != STEP_OK && ended(a->pidfd)) {
		msg("--attach=%d: it ended", (int)a->pid);
		rc = EX_NOINPUT;
	} else if (r.step != STEP_OK) {
		rc = attach_report(a->pid, &r, false);
	}
	if (rc != 0)
		attach_finish(a);
	return rc;
}

int attach_pidfd(const struct attach *a)
{
	return a->pidfd;
}

static void lose_helper(struct attach *a)
{
	if (a->ctl >= 0)
		close(a->ctl);
	a->ctl = -1;
}

/* The helper's reply; STEP_NO_HELPER if it has gone. */
static struct attach_reply reply(struct attach *a)
{
	struct attach_reply r;
	ssize_t n;

	while ((n = recv(a->ctl, &r, sizeof r, 0)) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof r) {
		lose_helper(a);
		r = (struct attach_reply){ STEP_NO_HELPER, 0, n < 0 ? errno : EPIPE };
	}
	return r;
}

static struct attach_reply ask(struct attach *a, const char *cmd)
{
	if (a->ctl < 0 || send(a->ctl, cmd, 1, MSG_NOSIGNAL) != 1) {
		int e = a->ctl < 0 ? EPIPE : errno;
		lose_helper(a);
		return (struct attach_reply){ STEP_NO_HELPER, 0, e };
	}
	return reply(a);
}

int attach_hold(struct attach *a)
{
	struct attach_reply r = ask(a, "D");

	/* The helper was killed: another takes its place. */
	if (r.step == STEP_NO_HELPER && new_helper(a, true, &r) == 0 && r.step == STEP_OK)
		r = ask(a, "D");
	if (r.step == STEP_OK)
		return 0;
	/* It ended just now: nothing to put back. */
	if (r.step == STEP_SEIZE && r.sub == SEIZE_GONE && ended(a->pidfd)) {
		lose_helper(a);
		return 1;
	}
	if (r.step == STEP_NO_HELPER) {
		(void)attach_report(a->pid, &r, true);
		return -2;
	}
	attach_report_retry(a->pid, &r);
	return -1;
}

int attach_held(struct attach *a)
{
	struct pollfd p = { a->ctl, POLLIN, 0 };

	if (a->ctl < 0 || poll(&p, 1, 0) <= 0)
		return 0;
	struct attach_reply r = reply(a);
	/* The helper was killed while it tried: another takes its place. */
	if (r.step == STEP_NO_HELPER)
		return attach_hold(a) == 0;
	return r.step == STEP_OK;
}

int attach_detach(struct attach *a)
{
	struct attach_reply r = ask(a, "R");

	if (r.step == STEP_OK || r.step == STEP_CHANGED || (r.step == STEP_LOST && r.err == ESRCH)) {
		lose_helper(a);
		return r.step == STEP_CHANGED ? attach_report(a->pid, &r, true) : 0;
	}
	if (r.step == STEP_NO_HELPER) {
		(void)attach_report(a->pid, &r, true);
		return -2;
	}
	attach_report_retry(a->pid, &r);
	return -1;
}

void attach_finish(struct attach *a)
{
	if (a->ctl >= 0) {
		(void)send(a->ctl, "Q", 1, MSG_NOSIGNAL);
		close(a->ctl);
	}
	for (int i = 0; i < 2; i++)
		if (a->sock[i] >= 0)
			close(a->sock[i]);
	close(a->pidfd);
	free(a);
}
