/* buffering.c: how the command buffers its stdout, told through its
 * environment (see dtee(1), BUFFERING, and docs/libdtee.md). */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envlist.h"
#include "child.h"

/* The private variables: the mode for libdtee.so, and what dtee added to
 * a runtime's variable, which libdtee.so takes out again in a process
 * whose fd 1 is not dtee's socket. */
#define MODE_VAR "_DTEE_STDOUT"
#define PYTHON_VAR "PYTHONPATH"
#define PERL_VAR "PERL5OPT"
#define ADDED_PREFIX "_DTEE_ADDED_"

/* Someone watches the output live when dtee's own stdout or stderr is a
 * terminal; in cron mode the output waits in the spool, so no one does.
 * Records stamped with their arrival time (annotated logs, the journal,
 * syslog) are true to the line only if lines arrive as printed. */
static bool wants_lines(const struct options *opts)
{
	if (opts->line_buffering)
		return true;
	for (size_t i = 0; i < opts->noutputs; i++)
		if (opts->outputs[i].kind != OUTPUT_FILE)
			return true;
	return !opts->cron && (isatty(STDOUT_FILENO) || isatty(STDERR_FILENO));
}

char buffering_mode(const struct options *opts)
{
	if (opts->keep_buffering)
		return 0;
	return wants_lines(opts) ? 'L' : 'F';
}

/* DIR/sub next to the executable if it holds probe (a build tree, a
 * relocated install), else the installed one; NULL if neither exists or
 * the path could not go into a runtime's variable (colons split
 * PYTHONPATH, spaces PERL5OPT). */
static bool holds(char *dir, size_t size, const char *base, const char *sub, const char *probe)
{
	char file[PATH_MAX];

	if ((size_t)snprintf(dir, size, "%s/%s", base, sub) >= size ||
	    (size_t)snprintf(file, sizeof file, "%s/%s", dir, probe) >= sizeof file)
		return false;
	return access(file, R_OK) == 0;
}

static const char *runtime_dir(const char *sub, const char *probe, char *dir, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash = NULL;

	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
	}
	if (slash)
		*slash = '\0';
	if (!(slash && holds(dir, size, exe, sub, probe)) &&
	    !holds(dir, size, DTEE_PKGLIBDIR, sub, probe))
		return NULL;
	return strpbrk(dir, " :") ? NULL : dir;
}

/* Add entry to the variable name, before (PYTHONPATH) or after (PERL5OPT)
 * the user's own value, and note it in _DTEE_ADDED_name. */
static void add_entry(const char *name, const char *entry, char sep, bool first)
{
	const char *old = getenv(name);
	char added[64];

	if (old && envlist_find(old, entry))
		return;		/* dtee under dtee */
	if (!old || !*old) {
		setenv(name, entry, 1);
	} else {
		char *value = malloc(strlen(old) + strlen(entry) + 2);
		if (!value)
			return;
		if (first)
			sprintf(value, "%s%c%s", entry, sep, old);
		else
			sprintf(value, "%s%c%s", old, sep, entry);
		setenv(name, value, 1);
		free(value);
	}
	snprintf(added, sizeof added, "%s%s", ADDED_PREFIX, name);
	setenv(added, entry, 1);
}

/* Python: a sitecustomize.py that chains to the one it shadows; Perl: a
 * module. Both act only when fd 1 is dtee's socket. */
static void add_runtime_hooks(void)
{
	char dir[PATH_MAX], entry[PATH_MAX + 32];

	if (runtime_dir("python", "sitecustomize.py", dir, sizeof dir))
		add_entry(PYTHON_VAR, dir, ':', true);
	if (runtime_dir("perl", "Dtee/Order.pm", dir, sizeof dir)) {
		snprintf(entry, sizeof entry, "-I%s -MDtee::Order", dir);
		add_entry(PERL_VAR, entry, ' ', false);
	}
}

/* In the child, before exec: mode is buffering_mode()'s answer, taken
 * while fds 1 and 2 were still dtee's own. */
void buffering_setup(char mode)
{
	if (!mode) {
		unsetenv(MODE_VAR);	/* from a dtee this one runs under */
		return;
	}
	setenv(MODE_VAR, mode == 'L' ? "L" : "F", 1);
	add_runtime_hooks();
}
