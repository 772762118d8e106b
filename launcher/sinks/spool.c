/* spool.c: the cron spool.
 *
 * The spool is an unlinked 0600 file. It holds runs: a header (stream and
 * length) and that many bytes of one stream. The run being written has a
 * header whose length is filled in when the stream changes or the spool is
 * replayed, so output on one stream is one run however many writes made
 * it, and the replay (replay.c) copies it with sendfile().
 *
 * The policy (--report-on): the stderr trigger (trigger.c) releases the
 * spool as soon as it fires: replay, then pass through live. With a report
 * limit it only marks the report as due, and the output stays in the spool
 * until the end, so that the whole report is bounded. At the end the spool
 * is replayed, and how the command ended reported, when a trigger asks for
 * it or dtee itself had trouble; otherwise nothing is printed. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"
#include "outlet.h"
#include "pass.h"
#include "replay.h"
#include "signals.h"
#include "spool.h"
#include "tmpdir.h"
#include "trigger.h"

struct spool_sink {
	struct sink sink;
	struct sink *pass;
	struct outlet file;	/* the spool; fd -1 once released */
	bool live;		/* released: everything passes through */
	off_t end;		/* bytes in the spool */
	uint64_t total;		/* bytes of output in it, headers left out */
	unsigned report_on;	/* REPORT_* bits */
	struct trigger *trigger;	/* the stderr trigger, if REPORT_STDERR */
	bool due;		/* it fired: report at the end */
	uint64_t limit;		/* --report-limit, or 0 */
	struct run {
		unsigned stream;	/* the open run's stream, or 0 for none */
		off_t at;		/* where its header is */
		uint64_t len;
	} run;
};

/* An unlinked file nobody else can open: O_TMPFILE where the file system
 * has it, else mkostemp (O_EXCL, mode 0600) and unlink at once. */
static int spool_in(const char *dir, void *unused)
{
	char path[PATH_MAX];
	(void)unused;
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

/* Fill in the open run's length. */
static bool close_run(struct spool_sink *s)
{
	struct run_header h = { .stream = s->run.stream, .len = s->run.len };


	if (s->run.stream == 0)
		return true;
	s->run.stream = 0;
	return pwrite(s->file.fd, &h, sizeof h, s->run.at) == (ssize_t)sizeof h;
}

/* Replay the spool through the pass-through, then pass everything live. */
static void release(struct spool_sink *s)
{
	if (s->live)
		return;
	s->live = true;
	if (!close_run(s))
		outlet_fail(&s->file, errno);
	if (replay(s->file.fd, s->end, s->total, s->limit, s->pass) < 0)
		outlet_fail(&s->file, EIO);
	close(s->file.fd);
	s->file.fd = -1;
}

/* Append the batch: runs that end in it get their length now, the last
 * one is left open. Returns false if the spool could not take it all. */
static bool append(struct spool_sink *s, const struct batch *b)
{
	struct run_header hdr[BATCH_MAX];
	struct iovec iov[2 * BATCH_MAX];
	int cnt = 0, nh = 0, last_hdr = -1;
	off_t at = s->end;
	size_t total = 0;

	for (int j = 0; j < b->n; j++) {
		unsigned stream = b->stream[j];

		if (stream != s->run.stream) {
			if (last_hdr >= 0)
				hdr[last_hdr].len = s->run.len;
			else if (!close_run(s))
				return false;
			hdr[nh] = (struct run_header){ .stream = stream };
			iov[cnt++] = (struct iovec){ &hdr[nh], sizeof hdr[nh] };
			last_hdr = nh++;
			s->run.stream = stream;
			s->run.at = at + (off_t)total;
			s->run.len = 0;
			total += sizeof hdr[0];
		}
		if (b->data[j].iov_len > 0)
			iov[cnt++] = b->data[j];
		s->run.len += b->data[j].iov_len;
		total += b->data[j].iov_len;
	}
	if (writev_full(s->file.fd, iov, cnt) != total)
		return false;
	s->end += (off_t)total;
	s->total += total - (size_t)nh * sizeof hdr[0];
	return true;
}

/* The spool cannot take a batch (full, or broken): say so, drop what
 * of the batch got in, replay the rest, and go on live. */
static void overflow(struct spool_sink *s, off_t batch_at, const struct run *before,
		     const struct batch *b)
{
	outlet_fail(&s->file, errno);
	s->run = *before;
	if (ftruncate(s->file.fd, batch_at) == 0) {
		s->end = batch_at;
	} else {
		outlet_fail(&s->file, errno);
		s->end = 0;	/* nothing known to be whole: replay nothing */
		s->total = 0;
		s->run.stream = 0;
	}
	release(s);
	s->pass->ops->write(s->pass, b);
}

/* The stderr trigger fired: release now, or with a limit at the end. */
static void fire(struct spool_sink *s)
{
	s->due = true;
	if (s->limit == 0)
		release(s);
}

static void spool_write(struct sink *k, const struct batch *b)
{
	struct spool_sink *s = (struct spool_sink *)k;
	off_t batch_at = s->end;
	struct run before = s->run;

	if (s->live) {
		s->pass->ops->write(s->pass, b);
		return;
	}
	if (!append(s, b)) {
		overflow(s, batch_at, &before, b);
		return;
	}
	if (s->trigger && !s->due && trigger_feed(s->trigger, b))
		fire(s);
}

/* A second of silence: a stderr line without its newline is judged now. */
static void spool_idle(struct sink *k)
{
	struct spool_sink *s = (struct spool_sink *)k;

	if (!s->live && s->trigger && !s->due && trigger_cut(s->trigger))
		fire(s);
}

static void report(const struct ending *e)
{
	int st = e->status;

	if (WIFSIGNALED(st))
		msg("%s: process terminated by signal %d: %s%s", e->command, WTERMSIG(st),
		    strsignal(WTERMSIG(st)), WCOREDUMP(st) ? " (core dumped)" : "");
	else
		msg("%s: exited with status %d", e->command, WEXITSTATUS(st));
}

/* Whether the run ends silently: no trigger holds and dtee had no
 * trouble of its own. */
static bool silent(const struct spool_sink *s, const struct ending *e)
{
	bool failure = !e->ended || !WIFEXITED(e->status) || WEXITSTATUS(e->status) != 0;

	/* e->failed was taken as finishing began; a line sink finished before
	 * the spool may have failed since (its last line to the system log). */
	if (s->live || s->due || e->failed || outlets_failed() || e->signal)
		return false;
	if (s->report_on & REPORT_ALWAYS)
		return false;
	return !((s->report_on & REPORT_FAILURE) && failure);
}

static void spool_finish(struct sink *k, const struct ending *e)
{
	struct spool_sink *s = (struct spool_sink *)k;

	/* The last stderr line may have had no newline: judge it now. */
	if (!s->live && s->trigger && !s->due && trigger_cut(s->trigger))
		s->due = true;
	if (silent(s, e))
		return;
	release(s);
	if (s->pass->ops->finish)
		s->pass->ops->finish(s->pass, e);
	outlets_report();
	/* dtee's own stop signal, or a SIGPIPE from the replay itself: then
	 * dtee dies of it before it could report. */
	int sig = e->signal ? e->signal : signal_stop;
	/* A command that never ran has said why already, in its place. */
	if (e->ended && sig == e->signal && !e->exec_errno)
		report(e);
	if (sig)
		msg("received signal %d: %s", sig, strsignal(sig));
}

static void spool_close(struct sink *k)
{
	struct spool_sink *s = (struct spool_sink *)k;

	if (s->file.fd >= 0)
		close(s->file.fd);
	trigger_free(s->trigger);
	s->pass->ops->close(s->pass);
	free(s);
}

static const struct sink_ops spool_ops = {
	.write = spool_write,
	.idle = spool_idle,
	.finish = spool_finish,
	.close = spool_close,
};

struct sink *spool_open(struct sink *pass, const struct options *opts, bool *failed)
{
	struct spool_sink *s = xcalloc(1, sizeof *s, "spool");
	const char *where;
	int fd = tmpdir_try(spool_in, NULL, &where);

	s->sink.ops = &spool_ops;
	s->pass = pass;
	s->report_on = opts->report_on ? opts->report_on : REPORT_FAILURE | REPORT_STDERR;
	s->limit = opts->report_limit;
	if (s->report_on & REPORT_STDERR) {
		s->trigger = trigger_new(opts);
		s->sink.needs = trigger_needs(s->trigger);
	}
	s->file = (struct outlet){ .fd = fd, .name = "spool: write" };
	if (fd < 0) {
		/* A cron job must not be skipped for want of a spool: pass
		 * everything through live, and still report. */
		msg("cannot create a spool file in %s: %s", where, strerror(errno));
		s->live = true;
		*failed = true;
	}
	return &s->sink;
}
