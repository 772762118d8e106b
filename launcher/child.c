/* child.c: fork, set up the command's fds, signals and environment, exec. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "child.h"
#include "io.h"
#include "signals.h"

#define PRELOAD_NAME "libdtee.so"

/* Next to the executable first (a build tree, or a relocated install), then
 * the installed library directory. An installed library is preloaded as
 * DTEE_PRELOAD_ENTRY, which may name $LIB: ld.so expands it per program
 * class, so a command of another word size loads its own build, if one is
 * installed, rather than this one (docs/packaging.md). */
const char *child_find_preload(void)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - sizeof PRELOAD_NAME - 1);

	if (n > 0) {
		path[n] = '\0';
		char *slash = strrchr(path, '/');
		if (slash) {
			strcpy(slash + 1, PRELOAD_NAME);
			if (access(path, R_OK) != 0)
				n = -1;
		}
	}
	if (n <= 0) {
		snprintf(path, sizeof path, "%s/%s", DTEE_PKGLIBDIR, PRELOAD_NAME);
		if (access(path, R_OK) != 0) {
			msg("warning: %s not found; writes larger than a datagram will fail", PRELOAD_NAME);
			return NULL;
		}
		snprintf(path, sizeof path, "%s", DTEE_PRELOAD_ENTRY);
	}
	/* ld.so splits LD_PRELOAD at spaces and colons. */
	if (strpbrk(path, " :")) {
		msg("warning: cannot preload %s: its path has a space or colon", path);
		return NULL;
	}
	return path;
}

/* Append preload to LD_PRELOAD, keeping the user's entries and their
 * precedence, unless it is there already (dtee under dtee). */
static void add_preload(const char *preload)
{
	const char *old = getenv("LD_PRELOAD");
	size_t len = strlen(preload);

	if (!old || !*old) {
		setenv("LD_PRELOAD", preload, 1);
		return;
	}
	for (const char *p = old; (p = strstr(p, preload)) != NULL; p += len) {
		bool starts = p == old || p[-1] == ':' || p[-1] == ' ';
		bool ends = p[len] == '\0' || p[len] == ':' || p[len] == ' ';
		if (starts && ends)
			return;
	}
	char *value = malloc(strlen(old) + len + 2);
	if (!value)
		return;
	sprintf(value, "%s:%s", old, preload);
	setenv("LD_PRELOAD", value, 1);
	free(value);
}

/* The child writes execvp()'s errno here when the command cannot be run;
 * the pipe closes on a successful exec. */
static int exec_pipe[2] = { -1, -1 };

static void __attribute__((noreturn)) exec_command(const struct options *opts,
						   const struct sockets *sk, const char *preload,
						   struct supervisor *sv, char buffering)
{
	if (dup2(sk->out, STDOUT_FILENO) < 0 || dup2(sk->err, STDERR_FILENO) < 0) {
		msg("dup2: %s", strerror(errno));
		_exit(EX_OSERR);
	}
	signals_reset_for_child();
	if (preload)
		add_preload(preload);
	buffering_setup(buffering);
	if (sv)
		supervise_child(sv);
	execvp(opts->command[0], opts->command);
	int err = errno;
	/* fd 2 is the stderr socket now: the message takes its place in the
	 * command's output, and msg() writes it in one datagram. */
	msg("%s: %s", opts->command[0], strerror(err));
	(void)write(exec_pipe[1], &err, sizeof err);
	_exit(EX_NOINPUT);
}

pid_t child_start(const struct options *opts, const struct sockets *sk, const char *preload,
		  struct supervisor *sv)
{
	char buffering = buffering_mode(opts);	/* before fds 1 and 2 change */

	if (pipe2(exec_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		die(EX_OSERR, "pipe: %s", strerror(errno));
	pid_t pid = fork();

	if (pid < 0)
		die(EX_OSERR, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(exec_pipe[0]);
		exec_command(opts, sk, preload, sv, buffering);
	}
	close(exec_pipe[1]);
	return pid;
}

int child_exec_errno(void)
{
	int err = 0;

	if (exec_pipe[0] < 0 || read(exec_pipe[0], &err, sizeof err) != (ssize_t)sizeof err)
		err = 0;
	if (exec_pipe[0] >= 0)
		close(exec_pipe[0]);
	exec_pipe[0] = -1;
	return err;
}
