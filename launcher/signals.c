/* signals.c: handlers that record and wake, nothing more. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "signals.h"

volatile sig_atomic_t signal_child;
volatile sig_atomic_t signal_stop;

static int wake_fd = -1;
static sigset_t inherited_mask;

/* The signals whose disposition dtee changes, and what it inherited. */
static const int handled[] = { SIGCHLD, SIGINT, SIGHUP, SIGTERM, SIGPIPE };
#define NHANDLED (sizeof handled / sizeof handled[0])
static struct sigaction inherited[NHANDLED];

static void on_signal(int sig)
{
	int saved = errno;

	if (sig == SIGCHLD) {
		signal_child = 1;
	} else if (signal_stop) {
		/* A second stop signal: the replay may be stuck on a reader
		 * that does not read. Die now, of this signal. */
		signal(sig, SIG_DFL);
		raise(sig);	/* delivered when the handler returns */
	} else {
		signal_stop = sig;
	}
	/* Non-blocking: if the queue is full the collector is awake anyway. */
	(void)send(wake_fd, "", 0, MSG_DONTWAIT);
	errno = saved;
}

static void set_action(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigfillset(&sa.sa_mask);
	sa.sa_flags = sig == SIGCHLD ? SA_NOCLDSTOP : 0;
	(void)sigaction(sig, &sa, NULL);
}

void signals_setup(const struct options *opts, int ctl_fd)
{
	sigset_t all;

	wake_fd = ctl_fd;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &inherited_mask);
	for (size_t i = 0; i < NHANDLED; i++)
		sigaction(handled[i], NULL, &inherited[i]);

	set_action(SIGCHLD, on_signal);
	if (opts->ignore_interrupts)
		set_action(SIGINT, SIG_IGN);
	if (opts->attach > 0) {
		/* Attached: these detach (collect_attached). */
		set_action(SIGHUP, on_signal);
		set_action(SIGTERM, on_signal);
		if (!opts->ignore_interrupts)
			set_action(SIGINT, on_signal);
	} else if (opts->cron) {
		/* Cron mode replays what it holds before dying of these. */
		set_action(SIGHUP, on_signal);
		set_action(SIGTERM, on_signal);
		set_action(SIGPIPE, on_signal);
		if (!opts->ignore_interrupts)
			set_action(SIGINT, on_signal);
	}
}

void signals_unblock(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

void signals_reset_for_child(void)
{
	/* What dtee inherited, not what it set: -i is dtee's own, the command
	 * still gets SIGINT; a SIGHUP ignored by nohup stays ignored. */
	for (size_t i = 0; i < NHANDLED; i++)
		sigaction(handled[i], &inherited[i], NULL);
	signals_unblock();
}

void die_by_signal(int sig)
{
	sigset_t set;

	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	raise(sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	/* Not reached unless the signal cannot kill us. */
	_exit(128 + sig);
}
