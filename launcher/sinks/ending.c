/* ending.c: the words and numbers of a run's start and end (ending.h). */
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "ending.h"

const char *ending_code(const struct ending *e)
{
	if (e->exec_errno)
		return "not-run";
	if (!e->ended || !e->known)
		return "running";
	if (WIFSIGNALED(e->status))
		return WCOREDUMP(e->status) ? "dumped" : "killed";
	return "exited";
}

int ending_number(const struct ending *e)
{
	if (e->exec_errno)
		return e->exec_errno;
	if (!e->ended || !e->known)
		return -1;
	return WIFSIGNALED(e->status) ? WTERMSIG(e->status) : WEXITSTATUS(e->status);
}

/* Append to buf[*len..size), cutting what does not fit. */
static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;

	if (*len + 1 >= size)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n < size - *len ? (size_t)n : size - *len - 1;
}

static bool plain_word(const char *w)
{
	if (!*w)
		return false;
	for (; *w; w++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789_@%+=:,./-", *w))
			return false;
	return true;
}

static bool has_control(const char *w)
{
	for (; *w; w++)
		if ((unsigned char)*w < ' ' || *w == 0x7f)
			return true;
	return false;
}

/* A word with control characters as $'...', so that a record stays one
 * line: \n, \t, \r, \xHH, and \\ and \' for themselves. */
static void append_escaped(char *buf, size_t size, size_t *len, const char *w)
{
	append(buf, size, len, "$'");
	for (; *w; w++) {
		unsigned char c = (unsigned char)*w;
		if (c == '\n')
			append(buf, size, len, "\\n");
		else if (c == '\t')
			append(buf, size, len, "\\t");
		else if (c == '\r')
			append(buf, size, len, "\\r");
		else if (c < ' ' || c == 0x7f)
			append(buf, size, len, "\\x%02x", c);
		else if (c == '\\' || c == '\'')
			append(buf, size, len, "\\%c", c);
		else
			append(buf, size, len, "%c", c);
	}
	append(buf, size, len, "'");
}

/* One word, in single quotes unless it needs none ('\'' for a quote). */
static void append_word(char *buf, size_t size, size_t *len, const char *w)
{
	if (plain_word(w)) {
		append(buf, size, len, "%s", w);
		return;
	}
	if (has_control(w)) {
		append_escaped(buf, size, len, w);
		return;
	}
	append(buf, size, len, "'");
	for (const char *q; (q = strchr(w, '\'')) != NULL; w = q + 1)
		append(buf, size, len, "%.*s'\\''", (int)(q - w), w);
	append(buf, size, len, "%s'", w);
}

size_t ending_start_text(char *buf, size_t size, char *const *argv, pid_t attached)
{
	size_t len = 0;

	buf[0] = '\0';
	if (!argv) {
		append(buf, size, &len, "Attached to process %ld", (long)attached);
		return len;
	}
	append(buf, size, &len, "Started");
	for (; *argv; argv++) {
		append(buf, size, &len, " ");
		append_word(buf, size, &len, *argv);
	}
	return len;
}

size_t ending_text(char *buf, size_t size, const struct ending *e)
{
	size_t len = 0;
	int n = ending_number(e);

	buf[0] = '\0';
	if (e->exec_errno)
		append(buf, size, &len, "Could not run: %s", strerror(n));
	else if (!e->ended && e->attached)
		append(buf, size, &len, "Detached: the process goes on");
	else if (!e->ended)
		append(buf, size, &len, "Not finished: dtee stopped first");
	else if (!e->known)
		append(buf, size, &len, "Finished, exit status unknown");
	else if (WIFSIGNALED(e->status))
		append(buf, size, &len, "Finished by signal %d: %s%s", n, strsignal(n),
		       WCOREDUMP(e->status) ? " (core dumped)" : "");
	else
		append(buf, size, &len, "Finished with exitcode %d", n);
	return len;
}

size_t ending_signal_text(char *buf, size_t size, const struct ending *e)
{
	size_t len = 0;

	buf[0] = '\0';
	if (e->signal)
		append(buf, size, &len, "Received signal %d: %s", e->signal, strsignal(e->signal));
	return len;
}
