/* attached.c: dtee --attach=PID from start to end: the checks, the sinks
 * (the pass-through on the process's own fds 1 and 2), the sockets, the
 * attach, the collector, then the detach or the process's end.
 * Linux-only. */
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "collector.h"
#include "dtee.h"
#include "kernel/pidfd-exit.h"
#include "options.h"
#include "outlet.h"
#include "signals.h"
#include "sinks/sink.h"
#include "sockets.h"

/* How long the attached process's parent may take to reap it. */
#define REAP_WAIT_MS 2000

/* dtee's own failure first, then the process's status when it ended and
 * the kernel told it (128+N for signal N), else 0. */
static int finish(struct sinks *sinks, int out, int err, int rc, struct ending *end)
{
	sinks_finish(sinks, end);
	sinks_close(sinks);
	close(out);
	close(err);
	if (rc != 0)
		return rc;
	if (outlets_failed())
		return EX_IOERR;
	if (!end->ended || !end->known)
		return 0;
	return WIFSIGNALED(end->status) ? 128 + WTERMSIG(end->status) : WEXITSTATUS(end->status);
}

static bool ended(int pidfd)
{
	struct pollfd p = { pidfd, POLLIN, 0 };

	return poll(&p, 1, 0) > 0;
}

/* The process is held: copy all it wrote, then have its own fds put
 * back. 0 when done; -1 if not yet (the helper tries again); -2 if it
 * cannot be. */
static int put_back(struct collector *c, struct attach *a)
{
	collector_drain(c);
	int rc = attach_detach(a);
	/* A child it started while attached may still write. */
	if (rc != -1)
		collector_drain(c);
	return rc;
}

/* Once the process has ended and all it wrote is handed on, dtee's copies
 * of its fds 1 and 2 go (each now names /dev/null): a parent that reads
 * their other end until EOF before it reaps the process gets its EOF. */
static void let_go(int out, int err)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (null < 0)
		return;
	if (out >= 0)
		(void)dup2(null, out);
	if (err >= 0 && err != out)
		(void)dup2(null, err);
	close(null);
}

/* How the attached process ended, into e, once it has: its parent reaps
 * it at once, as a rule; a status that cannot be had is said once. */
static void attached_status(const struct attach *a, struct ending *e)
{
	bool old_kernel;

	e->ended = true;
	e->known = pidfd_exit_status(attach_pidfd(a), REAP_WAIT_MS, &e->status, &old_kernel);
	if (e->known)
		return;
	if (old_kernel)
		msg("--attach: the process has ended; this kernel cannot tell how (Linux 6.15 can): exit 0");
	else
		msg("--attach: the process has ended, but its parent has not reaped it: its exit status is unknown, exit 0");
}

/* Run until the attached process ends, or a stop signal comes and the
 * process's own fds are put back (attach_detach); then copy what was
 * queued. Returns -1 if the fds could not be put back. When the process
 * ended, e->ended is set, with e->status if the kernel tells it
 * (e->known). out and err are the pass-through's copies of the process's
 * fds 1 and 2. */
static int collect_attached(const struct sockets *sk, struct sinks *sinks, struct attach *a,
			    struct ending *e, int out, int err)
{
	struct collector *c = collector_new(sk, sinks);
	bool detaching = false;
	int rc = 0;

	for (;;) {
		collector_step(c);
		/* Signalled, or an output failed under --output-error=exit:
		 * with the process held still, all it wrote is queued; hand it
		 * on before its own fds come back, so that its own destination
		 * sees the order it wrote in. Where it cannot be held or put
		 * back now, go on copying until the helper can. */
		if ((signal_stop || outlets_exit_now()) && !detaching) {
			detaching = true;
			rc = attach_hold(a);
			if (rc == 0)
				rc = put_back(c, a);
			if (rc > 0)
				collector_drain(c);	/* it ended meanwhile */
			if (rc != -1)
				break;
		}
		/* The helper sends SIGCHLD once the process has ended, or once
		 * it holds the process after all. */
		if (signal_child) {
			signal_child = 0;
			if (ended(attach_pidfd(a))) {
				collector_drain(c);
				rc = 0;
				let_go(out, err);
				attached_status(a, e);
				break;
			}
			if (detaching && attach_held(a) && (rc = put_back(c, a)) != -1)
				break;
		}
	}
	attach_finish(a);
	collector_free(c);
	return rc < 0 ? -1 : 0;
}

int run_attached(const struct options *opts)
{
	struct sinks sinks;
	struct sockets sk;
	struct attach *a;
	int out, err, rc;
	struct ending end = { .command = "--attach", .attached = true };

	rc = attach_prepare(opts->attach, opts->force, &a, &out, &err);
	if (rc != 0)
		return rc;
	sinks_open(&sinks, opts, out, err);
	if (sinks.open_failed) {
		attach_finish(a);
		return finish(&sinks, out, err, EX_CANTCREAT, &end);
	}
	if (sockets_create(&sk, sinks.needs, false) < 0) {
		attach_finish(a);
		return finish(&sinks, out, err, EX_UNAVAILABLE, &end);
	}
	/* Handlers first, every signal blocked: the helper starts with a
	 * clean mask, and a signal that comes meanwhile waits for the
	 * collector. */
	signals_setup(opts, sk.ctl);
	sinks_start(&sinks);
	rc = attach_start(a, sk.out, sk.err);
	close(sk.out);
	close(sk.err);
	if (rc != 0)
		return finish(&sinks, out, err, rc, &end);
	signals_unblock();

	rc = collect_attached(&sk, &sinks, a, &end, out, err);
	return finish(&sinks, out, err, rc < 0 ? EX_OSERR : 0, &end);
}
