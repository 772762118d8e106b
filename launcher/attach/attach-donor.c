/* attach-donor.c: a process the attached one may take fds from.
 *
 * Inside the process, pidfd_getfd() needs ptrace access to the process it
 * takes from. A process may not take from one with more privilege than its
 * own, so when dtee runs as root (as it must under Yama's ptrace_scope 1)
 * and the process does not, the process takes the fds from a donor: a child
 * of the helper that holds the same fds, with the process's real uid and gid
 * and at most its capabilities, dumpable, and that names the process as
 * its tracer for Yama. Linux-only. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attach.h"
#include "kernel/procstatus.h"

/* The real uid and gid and the permitted capabilities of pid. */
struct creds {
	uid_t uid;
	gid_t gid;
	unsigned long long cap;
};

static bool read_creds(pid_t pid, struct creds *c)
{
	struct proc_status s;

	if (!proc_status(pid, PS_UID | PS_GID | PS_CAPPRM, &s))
		return false;
	*c = (struct creds){ (uid_t)s.uid[0], (gid_t)s.gid[0], s.cap_prm };
	return true;
}

static int set_caps(unsigned long long cap)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof data);
	data[0].permitted = data[0].effective = (unsigned)cap;
	data[1].permitted = data[1].effective = (unsigned)(cap >> 32);
	return (int)syscall(SYS_capset, &hdr, data);
}

/* Become like target, say its pid on ready, then wait for the helper to
 * close hold. */
static void __attribute__((noreturn)) donor(pid_t target, const struct creds *c, int ready, int hold)
{
	pid_t ok = getpid();
	char byte;

	if (setgroups(0, NULL) < 0 || setresgid(c->gid, c->gid, c->gid) < 0 ||
	    setresuid(c->uid, c->uid, c->uid) < 0 || set_caps(c->cap) < 0 ||
	    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		_exit(1);
	(void)prctl(PR_SET_PTRACER, target, 0, 0, 0);
	if (write(ready, &ok, sizeof ok) != (ssize_t)sizeof ok)
		_exit(1);
	close(ready);
	while (read(hold, &byte, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

pid_t donor_start(pid_t target, int *hold)
{
	struct creds c;
	int ready[2], keep[2];
	pid_t ok = 0;

	/* Needed only where the helper has privilege the process lacks. */
	if (geteuid() != 0)
		return getpid();
	if (!read_creds(target, &c))
		return -1;
	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(keep, O_CLOEXEC) < 0) {
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	/* A grandchild: the helper waits for any of its tracees (ptrace.c),
	 * and must have no child of its own to wait for. */
	pid_t mid = fork();
	if (mid == 0) {
		close(ready[0]);
		close(keep[1]);
		if (fork() == 0)
			donor(target, &c, ready[1], keep[0]);
		_exit(0);
	}
	close(ready[1]);
	close(keep[0]);
	if (mid > 0)
		while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
			;
	if (mid > 0 && read(ready[0], &ok, sizeof ok) == (ssize_t)sizeof ok && ok > 0) {
		close(ready[0]);
		*hold = keep[1];
		return ok;
	}
	close(ready[0]);
	close(keep[1]);
	return -1;
}

void donor_end(pid_t pid, int hold)
{
	if (pid == getpid())
		return;
	/* It ends once hold is closed; init reaps it. */
	close(hold);
}
