/* message.c: dtee's own diagnostics, one line each on stderr. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dtee.h"
#include "io.h"

void msg(const char *fmt, ...)
{
	char line[4096];
	int saved = errno;
	int n = snprintf(line, sizeof line, "%s: ", prog);
	va_list ap;

	if (n < 0 || (size_t)n >= sizeof line)
		n = 0;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof line - n, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof line - 2)
		n = sizeof line - 2;
	line[n++] = '\n';
	(void)write_full(STDERR_FILENO, line, (size_t)n);
	errno = saved;
}
