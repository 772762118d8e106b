/* cron.c: the spool, going live, and the report. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cron.h"
#include "io.h"
#include "signals.h"

/* An unlinked file nobody else can open: O_TMPFILE where the file system
 * has it, else mkostemp (O_EXCL, mode 0600) and unlink at once. */
static int spool_in(const char *dir)
{
	char path[PATH_MAX];
	int fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);

	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	if (snprintf(path, sizeof path, "%s/dtee.XXXXXX", dir) >= (int)sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

void cron_open(struct cron *c, struct sinks *s)
{
	const char *tmpdir = getenv("TMPDIR");

	c->enabled = true;
	c->live = false;
	c->spool = tmpdir && *tmpdir ? spool_in(tmpdir) : -1;
	if (c->spool < 0)
		c->spool = spool_in("/tmp");
	if (c->spool < 0) {
		msg("cannot create a spool file in %s: %s",
		    tmpdir && *tmpdir ? "TMPDIR or /tmp" : "/tmp", strerror(errno));
		s->open_failed = true;
		c->live = true;
	}
}

void cron_go_live(struct cron *c, struct sinks *s)
{
	int out_failed;

	if (c->live)
		return;
	c->live = true;
	if (copy_fd(s->out.fd, c->spool, &out_failed) < 0) {
		int e = errno;
		if (out_failed)
			sink_fail(s, &s->out, e);
		else
			msg("spool: read: %s", strerror(e)), s->write_failed = true;
	}
	close(c->spool);
	c->spool = -1;
}

void cron_out(struct cron *c, struct sinks *s, struct iovec *iov, int cnt)
{
	if (c->live) {
		sink_write(s, &s->out, iov, cnt);
		return;
	}
	size_t total = 0, done;
	for (int i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	done = writev_full(c->spool, iov, cnt);
	if (done == total)
		return;
	/* The spool is full (or broken): replay what it holds, then pass the
	 * rest through. writev_full left iov at the first unwritten byte. */
	msg("spool: write: %s", strerror(errno));
	s->write_failed = true;
	cron_go_live(c, s);
	while (cnt > 0 && iov->iov_len == 0)
		iov++, cnt--;
	sink_write(s, &s->out, iov, cnt);
}

static void report(const char *command, int status)
{
	if (WIFSIGNALED(status))
		msg("%s: process terminated by signal %d: %s%s", command, WTERMSIG(status),
		    strsignal(WTERMSIG(status)), WCOREDUMP(status) ? " (core dumped)" : "");
	else
		msg("%s: exited with status %d", command, WEXITSTATUS(status));
}

void cron_finish(struct cron *c, struct sinks *s, const char *command, int status)
{
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		  !s->open_failed && !s->write_failed && !signal_stop;

	if (!c->live && ok) {
		close(c->spool);	/* silence */
		c->spool = -1;
		return;
	}
	cron_go_live(c, s);
	report(command, status);
	/* A stop signal that came once the command had ended, while the last
	 * of its output was being copied. */
	if (signal_stop)
		cron_die(c, s, signal_stop);
}

void cron_die(struct cron *c, struct sinks *s, int sig)
{
	cron_go_live(c, s);
	msg("received signal %d: %s", sig, strsignal(sig));
	sinks_close(s);
	die_by_signal(sig);
}
