/* attached.c: dtee --attach=PID from start to end: the files, the sockets,
 * the attach, the collector, then the detach or the process's end.
 * Linux-only. */
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include "attach.h"
#include "collector.h"
#include "dtee.h"
#include "signals.h"
#include "sinks.h"
#include "sockets.h"

int run_attached(const struct options *opts)
{
	struct sinks sinks;
	struct sockets sk;
	struct attach *a;
	int out, err, rc;

	sinks_open(&sinks, opts);
	if (sinks.open_failed) {
		sinks_close(&sinks);
		return EX_CANTCREAT;
	}
	if (sockets_create(&sk) < 0) {
		sinks_close(&sinks);
		return EX_UNAVAILABLE;
	}
	/* Handlers first, every signal blocked: the heir starts with a
	 * clean mask, and a signal that comes meanwhile waits for the
	 * collector. */
	signals_setup(opts, sk.ctl);
	rc = attach_start(opts->attach, sk.out, sk.err, opts->force, &a, &out, &err);
	close(sk.out);
	close(sk.err);
	if (rc != 0) {
		sinks_close(&sinks);
		return rc;
	}
	sinks_pass_to(&sinks, out, err);
	signals_unblock();

	rc = collect_attached(&sk, &sinks, a);
	sinks_close(&sinks);
	close(out);
	close(err);
	if (sinks.write_failed)
		return EX_IOERR;
	return rc < 0 ? EX_OSERR : 0;
}
