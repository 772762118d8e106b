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
volatile sig_atomic_t signal_stops;
volatile sig_atomic_t signal_stop_now;

static volatile sig_atomic_t sigpipe_held;
static int wake_fd = -1;
/* Stop signals another process sent, to be passed on to the command:
 * one bit per signal number. */
static volatile sig_atomic_t to_pass_on;
static volatile sig_atomic_t command_pid;

/* The signals whose disposition dtee changes, and what it inherited: every
 * signal whose default would end dtee at once is a stop signal, acted on
 * once the data in hand is out; SIGXFSZ is ignored, so that a write past
 * the file size limit fails (EFBIG) and is reported as that output's. */
static const int handled[] = {
	SIGCHLD, SIGINT, SIGHUP, SIGTERM, SIGPIPE, SIGQUIT, SIGUSR1, SIGUSR2,
	SIGALRM, SIGXCPU, SIGVTALRM, SIGPROF, SIGXFSZ,
};
#define NHANDLED (sizeof handled / sizeof handled[0])
static struct sigaction inherited[NHANDLED];

bool signal_waits_for_command(int sig)
{
	return sig == SIGTERM || sig == SIGHUP || sig == SIGINT || sig == SIGQUIT;
}

/* Sent by another process with kill() or sigqueue(), not by the terminal
 * to the whole foreground group (SI_KERNEL: the command has it already),
 * nor by the command itself. */
static bool sent_by_another(const siginfo_t *si)
{
	return (si->si_code == SI_USER || si->si_code == SI_QUEUE || si->si_code == SI_TKILL) &&
	       si->si_pid != getpid() && si->si_pid != command_pid;
}

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;

	(void)uc;
	if (sig == SIGCHLD) {
		signal_child = 1;
	} else if (sig == SIGPIPE && sigpipe_held) {
		return;
	} else {
		if (!signal_stop)
			signal_stop = sig;
		if (!signal_waits_for_command(sig))
			signal_stop_now = 1;
		/* The one that makes dtee give up is not passed on. */
		if (++signal_stops < SIGNAL_STOPS_GIVE_UP && signal_waits_for_command(sig) &&
		    sent_by_another(si))
			to_pass_on |= 1 << sig;
	}
	/* Non-blocking: if the queue is full the collector is awake anyway. */
	(void)send(wake_fd, "", 0, MSG_DONTWAIT);
	errno = saved;
}

/* No SA_RESTART: a write blocked on a slow output returns early with what
 * it wrote, and the full-write loop goes on with the rest (io.c). */
static void set_action(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	if (fn) {
		sa.sa_sigaction = fn;
		sa.sa_flags = SA_SIGINFO;
	} else {
		sa.sa_handler = SIG_IGN;
	}
	sigfillset(&sa.sa_mask);
	sa.sa_flags |= sig == SIGCHLD ? SA_NOCLDSTOP : 0;
	(void)sigaction(sig, &sa, NULL);
}

void signals_setup(const struct options *opts, int ctl_fd)
{
	sigset_t all;

	wake_fd = ctl_fd;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	for (size_t i = 0; i < NHANDLED; i++) {
		int sig = handled[i];

		sigaction(sig, NULL, &inherited[i]);
		if ((sig == SIGINT && opts->ignore_interrupts) || sig == SIGXFSZ ||
		    (sig == SIGPIPE && opts->output_error != OUTERR_NONE))
			set_action(sig, NULL);
		else if (sig == SIGCHLD || inherited[i].sa_handler != SIG_IGN)
			set_action(sig, on_signal);
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

void signals_set_command(pid_t pid)
{
	command_pid = pid;
}

void signals_pass_on(void)
{
	sigset_t all, old;

	if (!to_pass_on || command_pid <= 0)
		return;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	int pending = to_pass_on;
	to_pass_on = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	for (int sig = 1; sig <= SIGTERM; sig++)
		if (pending & 1 << sig)
			(void)kill(command_pid, sig);
}

void signals_hold_sigpipe(bool hold)
{
	sigpipe_held = hold;
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
