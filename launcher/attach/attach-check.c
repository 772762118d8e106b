/* attach-check.c: may dtee attach to this process? Everything here only
 * looks; the one-line refusals and what to do about them are worded here
 * too. Linux-only. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "dtee.h"
#include "io.h"
#include "kernel/procstatus.h"
#include "ptrace.h"

/* The fields of /proc/PID/status the checks read; true when it could be
 * read at all (a kernel without seccomp has no Seccomp line). */
static bool read_status(pid_t pid, struct proc_status *s)
{
	return proc_status(pid, PS_NAME | PS_STATE | PS_TRACER | PS_UID | PS_SECCOMP, s) || s->have != 0;
}

static int yama_scope(void)
{
	return (int)read_number("/proc/sys/kernel/yama/ptrace_scope", 0);
}

/* Why the kernel says dtee may not trace pid, in words that say what to
 * do. Never "give dtee capabilities". */
static int not_permitted(pid_t pid)
{
	struct proc_status s;
	struct stat st;
	char path[64];
	int scope = yama_scope();
	uid_t me = getuid();

	if (read_status(pid, &s) && s.tracer != 0) {
		char tn[64] = "?";
		struct proc_status ts;
		if (read_status(s.tracer, &ts))
			snprintf(tn, sizeof tn, "%s", ts.name);
		msg("--attach=%d: not permitted: it is already traced by process %d (%s); end or detach that tracer first",
		    (int)pid, (int)s.tracer, tn);
	} else if (scope == 3) {
		msg("--attach=%d: not permitted: kernel.yama.ptrace_scope is 3, no process may be traced until reboot", (int)pid);
	} else if (scope == 2) {
		msg("--attach=%d: not permitted: kernel.yama.ptrace_scope is 2, only an administrator may trace", (int)pid);
	} else if (s.uid[0] != s.uid[1] || s.uid[1] != s.uid[2]) {
		msg("--attach=%d: not permitted: it is a set-user-ID program (real uid %lu, effective uid %lu)",
		    (int)pid, s.uid[0], s.uid[1]);
	} else if (s.uid[0] != me) {
		msg("--attach=%d: not permitted: it runs as uid %lu; run dtee as that user", (int)pid, s.uid[0]);
	} else if (scope == 1) {
		msg("--attach=%d: not permitted: kernel.yama.ptrace_scope is 1, a process may trace only its descendants; "
		    "an administrator may set it to 0 (sysctl kernel.yama.ptrace_scope=0)", (int)pid);
	} else if (snprintf(path, sizeof path, "/proc/%d/status", (int)pid) > 0 && stat(path, &st) == 0 &&
		   st.st_uid != s.uid[1]) {
		msg("--attach=%d: not permitted: it is not dumpable (it changed credentials or set PR_SET_DUMPABLE to 0)",
		    (int)pid);
	} else {
		msg("--attach=%d: not permitted: %s", (int)pid, strerror(EPERM));
	}
	return EX_NOPERM;
}

/* Take the process's fd (1 or 2) for dtee; the check that dtee may trace
 * it, too (the same permission). */
static int take_fd(pid_t pid, int pidfd, int fd, int *copy)
{
	/* While another thread's execve replaces the main thread, the
	 * process is not found for a moment, though it has not ended. */
	for (int i = 0; (*copy = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0)) < 0 && errno == ESRCH && i < 100 &&
			 poll(&(struct pollfd){ pidfd, POLLIN, 0 }, 1, 0) == 0; i++)
		nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
	if (*copy >= 0)
		return 0;
	if (errno == ENOSYS) {
		msg("--attach: this kernel lacks pidfd_getfd (Linux 5.6 or later is needed): %s", strerror(errno));
		return EX_UNAVAILABLE;
	}
	if (errno == EPERM)
		return not_permitted(pid);
	if (errno == ESRCH) {
		msg("--attach=%d: %s", (int)pid, strerror(errno));
		return EX_NOINPUT;
	}
	/* Closed: the other is copied alone (*copy -1). */
	if (errno == EBADF)
		return 0;
	msg("--attach=%d: cannot take its fd %d: %s", (int)pid, fd, strerror(errno));
	return EX_UNAVAILABLE;
}

static int open_pidfd(pid_t pid, int *pidfd)
{
	*pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (*pidfd >= 0)
		return 0;
	if (errno == ESRCH) {
		msg("--attach=%d: %s", (int)pid, strerror(errno));
		return EX_NOINPUT;
	}
	if (errno == ENOSYS) {
		msg("--attach: this kernel lacks pidfd_open (Linux 5.6 or later is needed): %s", strerror(errno));
		return EX_UNAVAILABLE;
	}
	if (errno == EINVAL) {
		msg("--attach=%d: it is a thread, not a process: give its process id (Tgid in /proc/%d/status)",
		    (int)pid, (int)pid);
		usage_hint();
		return EX_USAGE;
	}
	msg("--attach=%d: pidfd_open: %s", (int)pid, strerror(errno));
	return EX_OSERR;
}

/* What only /proc/PID/status tells. */
static int check_status(pid_t pid, bool force)
{
	struct proc_status s;

	if (!read_status(pid, &s))
		return 0;	/* pidfd_getfd will tell */
	/* A main thread that another thread's execve is replacing is a
	 * zombie for a moment: look again before calling it ended. */
	for (int i = 0; i < 100 && (s.state == 'Z' || s.state == 'X'); i++) {
		nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
		if (!read_status(pid, &s))
			return 0;
	}
	if (s.tracer != 0)
		return not_permitted(pid);
	/* Calls are made in the main thread, which must be there to stop. */
	if (s.state == 'Z' || s.state == 'X') {
		msg("--attach=%d: its main thread has ended; give the process id of a process whose main thread runs",
		    (int)pid);
		return EX_UNAVAILABLE;
	}
	if (s.seccomp != 0 && !force) {
		msg("--attach=%d: it runs under a seccomp filter, which could kill it for the system calls dtee "
		    "makes inside it; --force attaches all the same", (int)pid);
		return EX_UNAVAILABLE;
	}
	return 0;
}

int attach_check(pid_t pid, bool force, int *pidfd, int *orig_out, int *orig_err)
{
	int rc;

	if (!PTRACE_SUPPORTED) {
		msg("--attach: not supported on this architecture (x86_64 and aarch64 only)");
		return EX_UNAVAILABLE;
	}
	if (pid <= 0 || pid == getpid()) {
		msg("--attach=%d: not a process dtee can attach to", (int)pid);
		usage_hint();
		return EX_USAGE;
	}
	if ((rc = open_pidfd(pid, pidfd)) != 0)
		return rc;
	if ((rc = check_status(pid, force)) == 0 && (rc = take_fd(pid, *pidfd, 1, orig_out)) == 0) {
		if ((rc = take_fd(pid, *pidfd, 2, orig_err)) == 0 && (*orig_out >= 0 || *orig_err >= 0))
			return 0;
		if (rc == 0) {
			msg("--attach=%d: its stdout and stderr (fds 1 and 2) are closed: nothing to copy", (int)pid);
			rc = EX_UNAVAILABLE;
		}
		if (*orig_out >= 0)
			close(*orig_out);
	}
	close(*pidfd);
	return rc;
}

static int seize_failed(pid_t pid, const struct attach_reply *r)
{
	switch ((enum seize_fail)r->sub) {
	case SEIZE_ATTACH:
		if (r->err == EPERM)
			return not_permitted(pid);
		break;
	case SEIZE_GONE:
		msg("--attach=%d: it ended", (int)pid);
		return EX_NOINPUT;
	case SEIZE_COMPAT:
		msg("--attach=%d: it is a 32-bit process; dtee attaches only to 64-bit ones", (int)pid);
		return EX_UNAVAILABLE;
	case SEIZE_NO_INSN:
		msg("--attach=%d: no system call instruction found in its memory", (int)pid);
		return EX_UNAVAILABLE;
	case SEIZE_ARCH:
		msg("--attach: not supported on this architecture");
		return EX_UNAVAILABLE;
	default:
		break;
	}
	msg("--attach=%d: ptrace: %s", (int)pid, strerror(r->err));
	return EX_OSERR;
}

static int inject_failed(pid_t pid, const struct attach_reply *r, const char *doing)
{
	static const char *const names[] = { "fcntl", "pidfd_open", "pidfd_getfd", "dup3" };

	if (r->sub == CALL_PIDFD_OPEN && r->err == ESRCH) {
		msg("--attach=%d: %s: it cannot see dtee's helper (another PID namespace)", (int)pid, doing);
		return EX_UNAVAILABLE;
	}
	if (r->sub == CALL_PIDFD_GETFD && r->err == EPERM) {
		msg("--attach=%d: %s: it may not take files from dtee's helper "
		    "(dtee runs as another user or with privileges it lacks); run dtee as its user", (int)pid, doing);
		return EX_NOPERM;
	}
	msg("--attach=%d: %s: %s inside it: %s", (int)pid, doing, names[r->sub], strerror(r->err));
	return EX_OSERR;
}

int attach_report(pid_t pid, const struct attach_reply *r, bool detaching)
{
	const char *doing = detaching ? "cannot put its stdout and stderr back" : "cannot attach";

	switch ((enum attach_step)r->step) {
	case STEP_OK:
		return 0;
	case STEP_CHANGED:
		msg("--attach=%d: it has put other files on its stdout and stderr since: left as they are", (int)pid);
		return 0;
	case STEP_SEIZE:
		if (detaching)
			break;
		return seize_failed(pid, r);
	case STEP_INJECT:
		return inject_failed(pid, r, doing);
	case STEP_DONOR:
		msg("--attach=%d: %s: cannot make a process with its credentials: %s", (int)pid, doing, strerror(r->err));
		return EX_OSERR;
	case STEP_NO_HELPER:
		msg("--attach=%d: %s: its helper has gone and no other could be started: %s", (int)pid, doing,
		    strerror(r->err));
		return EX_OSERR;
	case STEP_LOST:
		break;
	}
	msg("--attach=%d: %s: %s", (int)pid, doing, strerror(r->err));
	return EX_OSERR;
}

void attach_report_retry(pid_t pid, const struct attach_reply *r)
{
	static const char *const names[] = { "fcntl", "pidfd_open", "pidfd_getfd", "dup3" };
	struct proc_status s, ts;
	char why[160];

	if (r->step == STEP_SEIZE && r->err == EPERM && read_status(pid, &s) && s.tracer != 0)
		snprintf(why, sizeof why, "it is traced by process %d (%s)", (int)s.tracer,
			 read_status(s.tracer, &ts) ? ts.name : "?");
	else if (r->step == STEP_INJECT)
		snprintf(why, sizeof why, "%s inside it: %s", names[r->sub], strerror(r->err));
	else
		snprintf(why, sizeof why, "%s", strerror(r->err));
	msg("--attach=%d: cannot put its stdout and stderr back yet: %s; still copying, and trying again "
	    "(SIGKILL ends dtee and leaves that to its helper)", (int)pid, why);
}
