/* waitstatus COMMAND [ARG]...: run COMMAND and print how it ended, as the
 * kernel reports it, so tests can tell "exit 130" from "killed by SIGINT":
 *   exited N | signaled N | signaled N core
 * Exits 0 unless COMMAND could not be run. stdin/stdout/stderr are
 * COMMAND's. The line goes to fd 3 if it is open, else to stdout.
 * COMMAND starts with SIGINT and SIGQUIT at their defaults: a shell without
 * job control ignores them in background jobs, and tests send them. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int status;
	pid_t pid;
	FILE *report;

	if (argc < 2) {
		fprintf(stderr, "usage: waitstatus COMMAND [ARG]...\n");
		return 2;
	}
	pid = fork();
	if (pid < 0)
		return perror("fork"), 2;
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return perror("waitpid"), 2;
	report = fcntl(3, F_GETFD) >= 0 ? fdopen(3, "w") : stdout;
	if (WIFSIGNALED(status))
		fprintf(report, "signaled %d%s\n", WTERMSIG(status), WCOREDUMP(status) ? " core" : "");
	else
		fprintf(report, "exited %d\n", WEXITSTATUS(status));
	return 0;
}
