/* attached.c: dtee --attach=PID from start to end: the checks, the sinks
 * (the pass-through on the process's own fds 1 and 2), the sockets, the
 * attach, the collector, then the detach or the process's end.
 * Linux-only. */
#include <stdlib.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "collector.h"
#include "dtee.h"
#include "outlet.h"
#include "signals.h"
#include "sinks/sink.h"
#include "sockets.h"

static int finish(struct sinks *sinks, int out, int err, int rc)
{
	struct ending end = { .ended = true, .command = "--attach" };

	sinks_finish(sinks, &end);
	sinks_close(sinks);
	close(out);
	close(err);
	if (rc != 0)
		return rc;
	return outlets_failed() ? EX_IOERR : 0;
}

int run_attached(const struct options *opts)
{
	struct sinks sinks;
	struct sockets sk;
	struct attach *a;
	int out, err, rc;

	rc = attach_prepare(opts->attach, opts->force, &a, &out, &err);
	if (rc != 0)
		return rc;
	sinks_open(&sinks, opts, out, err);
	if (sinks.open_failed) {
		attach_finish(a);
		return finish(&sinks, out, err, EX_CANTCREAT);
	}
	if (sockets_create(&sk, sinks.needs, false) < 0) {
		attach_finish(a);
		return finish(&sinks, out, err, EX_UNAVAILABLE);
	}
	/* Handlers first, every signal blocked: the heir starts with a
	 * clean mask, and a signal that comes meanwhile waits for the
	 * collector. */
	signals_setup(opts, sk.ctl);
	clock_gettime(CLOCK_REALTIME, &run_start);
	rc = attach_start(a, sk.out, sk.err);
	close(sk.out);
	close(sk.err);
	if (rc != 0)
		return finish(&sinks, out, err, rc);
	signals_unblock();

	rc = collect_attached(&sk, &sinks, a);
	return finish(&sinks, out, err, rc < 0 ? EX_OSERR : 0);
}
