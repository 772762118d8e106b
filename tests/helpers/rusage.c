/*
 * rusage: run a command, report its wall time, CPU time and peak memory.
 *
 *   rusage [-s] [-o FILE] [--] COMMAND [ARGS...]
 *
 * Forks, execs COMMAND, waits for it with wait4(2) and appends one line to
 * FILE (default: stderr):
 *
 *   elapsed=SECONDS user=SECONDS sys=SECONDS tree_kib=KIB self_kib=KIB status=N
 *
 * tree_kib is ru_maxrss from wait4: the largest peak RSS of the command and
 * of every descendant it waited for.  self_kib is the peak RSS (VmHWM) of
 * the command's own process alone, without its children; -s measures it by
 * tracing the command with ptrace(2) just far enough to stop it at exit
 * (PTRACE_O_TRACEEXIT) and read /proc/PID/status before its memory is
 * released.  Its children are not traced.  Without -s, or if tracing is
 * refused, self_kib is -1.  Linux only.
 *
 * The exit status is the command's, 128+N if it was killed by signal N, and
 * 125-127 for rusage's own failures (as env(1) and timeout(1) do).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TEST_PROG "rusage"
#define TEST_DIE_STATUS 125
#include "test.h"

static const char *prog = TEST_PROG;

static void usage(void)
{
	fprintf(stderr, "usage: %s [-s] [-o FILE] [--] COMMAND [ARGS...]\n", prog);
	exit(125);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv_seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* vm_hwm: the VmHWM line of /proc/PID/status in KiB, or -1. */
static long vm_hwm(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "VmHWM:", 6) == 0) {
			kib = strtol(line + 6, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kib;
}

/*
 * wait_traced: wait for a traced child, passing its signals on, and read
 * its peak RSS at the exit stop.  The first stop is the SIGTRAP after
 * execve; options are set there.  If tracing misbehaves the child is
 * detached and simply waited for.
 */
static pid_t wait_traced(pid_t pid, int *status, struct rusage *ru, long *self_kib)
{
	int first = 1;

	for (;;) {
		pid_t r = wait4(pid, status, 0, ru);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return r;
		}
		if (!WIFSTOPPED(*status))
			return r;	/* exited or killed */

		int sig = WSTOPSIG(*status), event = *status >> 16, pass = 0;

		if (first && sig == SIGTRAP) {
			first = 0;
			if (ptrace(PTRACE_SETOPTIONS, pid, 0, (void *)(long)PTRACE_O_TRACEEXIT) != 0) {
				ptrace(PTRACE_DETACH, pid, 0, 0);
				continue;
			}
		} else if (event == PTRACE_EVENT_EXIT) {
			*self_kib = vm_hwm(pid);
		} else if (event == 0) {
			pass = sig;	/* a signal for the command: deliver it */
		}
		ptrace(PTRACE_CONT, pid, 0, (void *)(long)pass);
	}
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	int trace = 0, opt;

	while ((opt = getopt(argc, argv, "+so:h")) != -1) {
		switch (opt) {
		case 's':
			trace = 1;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();

	/* Open the report file first: a failure here must not cost a run. */
	FILE *report = stderr;
	if (out != NULL && (report = fopen(out, "ae")) == NULL)
		die(out);

	double start = now();
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (out != NULL)
			fclose(report);
		if (trace && ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
			trace = 0;	/* measured without self_kib */
		execvp(argv[optind], argv + optind);
		int err = errno;
		fprintf(stderr, "%s: %s: %s\n", prog, argv[optind], strerror(err));
		_exit(err == ENOENT ? 127 : 126);
	}

	int status;
	long self_kib = -1;
	struct rusage ru;
	pid_t r;

	memset(&ru, 0, sizeof(ru));
	if (trace) {
		r = wait_traced(pid, &status, &ru, &self_kib);
	} else {
		do
			r = wait4(pid, &status, 0, &ru);
		while (r < 0 && errno == EINTR);
	}
	double elapsed = now() - start;
	if (r < 0)
		die("wait4");

	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	fprintf(report, "elapsed=%.6f user=%.6f sys=%.6f tree_kib=%ld self_kib=%ld status=%d\n",
		elapsed, tv_seconds(ru.ru_utime), tv_seconds(ru.ru_stime), ru.ru_maxrss,
		self_kib, code);
	if (fflush(report) != 0 || ferror(report)) {
		fprintf(stderr, "%s: %s: write error\n", prog, out != NULL ? out : "stderr");
		return 125;
	}
	return code;
}
