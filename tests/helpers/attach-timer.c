/* attach-timer: a process whose POSIX timer sends it SIGRTMIN every 200 us
 * with a pointer in si_value (issue 23, item 2).
 *
 *   attach-timer DIR
 *
 * The handler (SA_SIGINFO, no SA_RESTART) counts the signals that come as
 * the timer sends them (si_code SI_TIMER, si_value the pointer it was
 * given) and those that do not. The main thread waits in pause() and
 * writes "t N" to stdout every 1000 signals. Writes its pid to DIR/pid;
 * once DIR/stop exists writes "HANDLED BAD" to DIR/result and exits 7. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *dir;
static int magic = 1;
static volatile sig_atomic_t handled, bad;

static void on_timer(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)ctx;
	if (si->si_code == SI_TIMER && si->si_value.sival_ptr == &magic)
		handled += *(int *)si->si_value.sival_ptr;
	else
		bad++;
}

static void put(const char *name, const char *text)
{
	char path[4096], tmp[4200];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if (!(f = fopen(tmp, "w")) || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, path) < 0) {
		perror(path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct sigevent ev;
	struct itimerspec its = { { 0, 200 * 1000 }, { 0, 200 * 1000 } };
	timer_t timer;
	char text[64], stop[4096];
	long next = 1000;

	if (argc != 2) {
		fprintf(stderr, "usage: attach-timer DIR\n");
		return 2;
	}
	dir = argv[1];
	snprintf(stop, sizeof stop, "%s/stop", dir);
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_timer;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGRTMIN;
	ev.sigev_value.sival_ptr = &magic;
	if (sigaction(SIGRTMIN, &sa, NULL) < 0 || timer_create(CLOCK_MONOTONIC, &ev, &timer) < 0 ||
	    timer_settime(timer, 0, &its, NULL) < 0) {
		perror("attach-timer");
		return 1;
	}
	snprintf(text, sizeof text, "%d\n", (int)getpid());
	put("pid", text);
	while (access(stop, F_OK) != 0) {
		pause();
		if (handled >= next) {
			int len = snprintf(text, sizeof text, "t %ld\n", next);
			(void)!write(1, text, (size_t)len);
			next += 1000;
		}
	}
	snprintf(text, sizeof text, "%ld %ld\n", (long)handled, (long)bad);
	put("result", text);
	return 7;
}
