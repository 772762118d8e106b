/* message.c: dtee's own diagnostics, one line each on stderr. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "dtee.h"
#include "io.h"
#include "signals.h"

/* The longest message line; longer ones are cut, newline kept. */
#define MSG_MAX 4096
/* The messages kept for the logs' end records, and the most of each. */
#define KEPT_MAX 16
#define KEPT_LEN 512

static char kept[KEPT_MAX][KEPT_LEN];
static size_t nkept;

/* Keep line (without its newline) for msg_kept(). */
static void keep(const char *line, size_t n)
{
	if (nkept == KEPT_MAX)
		return;
	if (n >= KEPT_LEN)
		n = KEPT_LEN - 1;
	memcpy(kept[nkept], line, n);
	kept[nkept++][n] = '\0';
}

size_t msg_count(void)
{
	return nkept;
}

const char *msg_kept(size_t i)
{
	return i < nkept ? kept[i] : NULL;
}

static void vmsg(const char *fmt, va_list ap)
{
	char line[MSG_MAX];
	int saved = errno;
	int n = snprintf(line, sizeof line, "%s: ", prog);

	if (n < 0 || (size_t)n >= sizeof line)
		n = 0;
	int m = vsnprintf(line + n, sizeof line - n, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof line - 2)
		n = sizeof line - 2;
	keep(line, (size_t)n);
	line[n++] = '\n';
	/* A message to a closed stderr is lost, and must not stop dtee: the
	 * SIGPIPE it raises is not a stop signal (signals.c). */
	signals_hold_sigpipe(true);
	(void)write_full(STDERR_FILENO, line, (size_t)n);
	signals_hold_sigpipe(false);
	errno = saved;
}

void msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(code);
}

/* Every usage error ends with the same hint, as the original's did. */
void usage_hint(void)
{
	fprintf(stderr, "Try '%s -h' for more information.\n", prog);
}

void die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	usage_hint();
	exit(EX_USAGE);
}

void *xcalloc(size_t n, size_t size, const char *what)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		die(EX_OSERR, "%s: %s", what, strerror(errno));
	return p;
}
