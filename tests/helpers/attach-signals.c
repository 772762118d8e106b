/* attach-signals: signals sent while dtee --attach holds a process (issue
 * 23, item 2).
 *
 *   attach-signals DIR           wait in pause() with handlers (SA_SIGINFO,
 *       no SA_RESTART) for SIGUSR1 and SIGRTMIN+1 (and SIGUSR2, which
 *       only wakes it); write the pid to
 *       DIR/pid; after each return of pause() write one line to stdout,
 *       "pause: STRERROR". Once DIR/stop exists (looked at after each
 *       return), write to DIR/result "USR1_PID USR1_CODE USR1_VALUE
 *       RT_COUNT RT_SUM PAUSE_EINTR PAUSE_OTHER" and exit 7.
 *   attach-signals queue PID N   sigqueue() SIGRTMIN+1 to PID N times
 *       with values 1..N, then SIGUSR1 with value 42; print its own pid.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t usr1_pid, usr1_code, usr1_value, rt_count, rt_sum;

static void on_usr1(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)ctx;
	usr1_pid = si->si_pid;
	usr1_code = si->si_code;
	usr1_value = si->si_value.sival_int;
}

static void on_usr2(int sig)
{
	(void)sig;
}

static void on_rt(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)ctx;
	rt_count++;
	rt_sum += si->si_code == SI_QUEUE ? si->si_value.sival_int : 1000;
}

static void put(const char *dir, const char *name, const char *text)
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

static int queue(pid_t pid, int n)
{
	for (int i = 1; i <= n; i++)
		if (sigqueue(pid, SIGRTMIN + 1, (union sigval){ .sival_int = i }) < 0) {
			perror("attach-signals: sigqueue");
			return 1;
		}
	if (sigqueue(pid, SIGUSR1, (union sigval){ .sival_int = 42 }) < 0) {
		perror("attach-signals: sigqueue");
		return 1;
	}
	printf("%d\n", (int)getpid());
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	char text[128], stop[4096];
	long eintr = 0, other = 0;

	if (argc == 4 && strcmp(argv[1], "queue") == 0)
		return queue((pid_t)atoi(argv[2]), atoi(argv[3]));
	if (argc != 2) {
		fprintf(stderr, "usage: attach-signals DIR | queue PID N\n");
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sa.sa_sigaction = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_sigaction = on_rt;
	sigaction(SIGRTMIN + 1, &sa, NULL);
	sa.sa_flags = 0;
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	snprintf(stop, sizeof stop, "%s/stop", argv[1]);
	snprintf(text, sizeof text, "%d\n", (int)getpid());
	put(argv[1], "pid", text);
	while (access(stop, F_OK) != 0) {
		int r = pause(), e = errno;
		if (r < 0 && e == EINTR)
			eintr++;
		else
			other++;
		int len = snprintf(text, sizeof text, "pause: %s\n", r < 0 ? strerror(e) : "returned");
		(void)!write(1, text, (size_t)len);
	}
	snprintf(text, sizeof text, "%d %d %d %d %d %ld %ld\n", (int)usr1_pid, (int)usr1_code, (int)usr1_value,
		 (int)rt_count, (int)rt_sum, eintr, other);
	put(argv[1], "result", text);
	return 7;
}
