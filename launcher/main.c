/* dtee: run a command with its stdout and stderr copied to files and passed
 * through, in the order they were written. See dtee(1), and docs/design.md
 * for how the pieces fit: options -> sinks -> sockets -> child -> collector
 * -> status. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "attach/attach.h"
#include "child.h"
#include "collector.h"
#include "dtee.h"
#include "options.h"
#include "outlet.h"
#include "signals.h"
#include "sinks/sink.h"
#include "sockets.h"
#include "seccomp/supervise.h"

const char *prog = "dtee";

/* Make sure fds 0-2 are open, so no socket or file lands on them. */
static void guard_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (n >= 0 && n != fd)
			close(n);
	}
}

/* dtee's own stop signal first (it dies of it), then its own failures, then
 * the command's status; a command killed by SIGINT takes dtee with it, so
 * that shell loops stop. */
static int exit_status(const struct sinks *s, const struct ending *e)
{
	if (e->signal)
		die_by_signal(e->signal);
	if (outlets_failed())
		return EX_IOERR;
	if (s->open_failed)
		return sinks_unopened_status(s);
	if (WIFSIGNALED(e->status)) {
		if (WTERMSIG(e->status) == SIGINT)
			die_by_signal(SIGINT);
		return 128 + WTERMSIG(e->status);
	}
	return WEXITSTATUS(e->status);
}

/* Lives as long as dtee does. */
static struct options opts;

int main(int argc, char **argv)
{
	struct sinks sinks;
	struct sockets sk;
	const char *preload = NULL;

	if (argc > 0 && argv[0] && *argv[0])
		prog = argv[0];
	options_parse(&opts, argc, argv);
	guard_std_fds();
	outlets_set_mode(opts.output_error);
	if (opts.attach > 0)
		return run_attached(&opts);

	sinks_open(&sinks, &opts, STDOUT_FILENO, STDERR_FILENO);
	/* A cron job must not be skipped for want of a log file. */
	if (sinks.open_failed && !opts.cron) {
		sinks_close(&sinks);
		return sinks_unopened_status(&sinks);
	}
	outlets_report_epipe(opts.cron);
	if (opts.preload)
		preload = child_find_preload();
	if (sockets_create(&sk, sinks.needs, opts.seccomp) < 0) {
		sinks_close(&sinks);
		return EX_UNAVAILABLE;
	}

	struct supervisor *sv = opts.seccomp ? supervise_prepare(&sk) : NULL;
	signals_setup(&opts, sk.ctl);
	sinks_start(&sinks);
	pid_t child = child_start(&opts, &sk, preload, sv);
	signals_set_command(child);
	if (sv)
		supervise_start(sv);	/* sends on sk.out and sk.err */
	/* dtee keeps the command's sockets, to hang them up when it goes. */
	signals_unblock();

	struct ending end = { .command = opts.command[0] };
	collect(&sk, &sinks, child, &end);
	if (end.ended)
		end.exec_errno = child_exec_errno();
	supervise_finish(sv);
	sinks_finish(&sinks, &end);
	/* A SIGPIPE from the last writes counts as the stop it is. */
	if (!end.signal)
		end.signal = signal_stop;
	sinks_close(&sinks);
	return exit_status(&sinks, &end);
}
