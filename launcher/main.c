/* dtee: run a command with its stdout and stderr copied to files and passed
 * through, in the order they were written. See dtee(1) and DESIGN notes in
 * README.md. */
#include <stdlib.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "child.h"
#include "collector.h"
#include "cron.h"
#include "dtee.h"
#include "signals.h"
#include "sinks.h"
#include "sockets.h"
#include "supervise.h"

const char *prog = "dtee";

/* dtee's own failures first, then the command's status; a command killed
 * by SIGINT takes dtee with it, so that shell loops stop. */
static int exit_status(const struct sinks *s, int status)
{
	if (s->write_failed)
		return EX_IOERR;
	if (s->open_failed)
		return EX_CANTCREAT;
	if (WIFSIGNALED(status)) {
		if (WTERMSIG(status) == SIGINT)
			die_by_signal(SIGINT);
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

/* Lives as long as dtee does. */
static struct options opts;

int main(int argc, char **argv)
{
	struct sinks sinks;
	struct sockets sk;
	struct cron cron = { .spool = -1 };
	const char *preload = NULL;

	if (argc > 0 && argv[0] && *argv[0])
		prog = argv[0];
	options_parse(&opts, argc, argv);
	sinks_guard_std_fds();
	if (opts.attach > 0)
		return run_attached(&opts);

	sinks_open(&sinks, &opts);
	/* A cron job must not be skipped for want of a log file. */
	if (sinks.open_failed && !opts.cron) {
		sinks_close(&sinks);
		return EX_CANTCREAT;
	}
	if (opts.cron) {
		sinks.die_on_epipe = true;
		cron_open(&cron, &sinks);
	}
	if (opts.preload)
		preload = child_find_preload();
	if (sockets_create(&sk) < 0) {
		sinks_close(&sinks);
		return EX_UNAVAILABLE;
	}

	struct supervisor *sv = opts.seccomp ? supervise_prepare(&sk) : NULL;
	signals_setup(&opts, sk.ctl);
	pid_t child = child_start(&opts, &sk, preload, sv);
	if (sv) {
		supervise_start(sv);	/* keeps sk.out and sk.err to send on */
	} else {
		close(sk.out);
		close(sk.err);
	}
	signals_unblock();

	int status = collect(&sk, &sinks, &cron, child);
	supervise_finish(sv);
	if (cron.enabled)
		cron_finish(&cron, &sinks, opts.command[0], status);
	sinks_close(&sinks);
	return exit_status(&sinks, status);
}
