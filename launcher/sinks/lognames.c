/* lognames.c: the names of syslog priorities and facilities, as logger(1)
 * and syslog(3) spell them, and the identifier lines are sent under. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include "logsinks.h"

struct name {
	const char *name;
	int value;
};

static const struct name priorities[] = {
	{ "emerg", 0 }, { "panic", 0 }, { "alert", 1 }, { "crit", 2 },
	{ "err", 3 }, { "error", 3 }, { "warning", 4 }, { "warn", 4 },
	{ "notice", 5 }, { "info", 6 }, { "debug", 7 },
};

static const struct name facilities[] = {
	{ "kern", 0 }, { "user", 1 }, { "mail", 2 }, { "daemon", 3 },
	{ "auth", 4 }, { "security", 4 }, { "syslog", 5 }, { "lpr", 6 },
	{ "news", 7 }, { "uucp", 8 }, { "cron", 9 }, { "authpriv", 10 },
	{ "ftp", 11 }, { "local0", 16 }, { "local1", 17 }, { "local2", 18 },
	{ "local3", 19 }, { "local4", 20 }, { "local5", 21 }, { "local6", 22 },
	{ "local7", 23 },
};

/* A name of the table (any case), or a number from 0 to max. */
static int lookup(const struct name *t, size_t n, int max, const char *s)
{
	char *end;

	if (*s >= '0' && *s <= '9') {
		long v = strtol(s, &end, 10);
		return *end == '\0' && v <= max ? (int)v : -1;
	}
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(s, t[i].name) == 0)
			return t[i].value;
	return -1;
}

int syslog_priority_value(const char *name)
{
	return lookup(priorities, sizeof priorities / sizeof *priorities, 7, name);
}

int syslog_facility_value(const char *name)
{
	return lookup(facilities, sizeof facilities / sizeof *facilities, 23, name);
}

/* --attach=PID: the process's name as the kernel keeps it (comm, at most
 * 15 bytes), as ps(1) shows it; "dtee" if it cannot be read. */
static const char *attached_name(pid_t pid)
{
	static char comm[32];
	char path[64];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, comm, sizeof comm - 1);
		close(fd);
	}
	if (n > 0 && comm[n - 1] == '\n')
		n--;
	if (n <= 0)
		return "dtee";
	comm[n] = '\0';
	return comm;
}

size_t syslog_ident_len(const char *ident, size_t max)
{
	size_t n = strlen(ident);

	if (n <= max)
		return n;
	/* Back over continuation bytes (10xxxxxx) to the start of the
	 * character that the cut would split. */
	n = max;
	while (n > 0 && ((unsigned char)ident[n] & 0xc0) == 0x80)
		n--;
	return n;
}

const char *syslog_ident(const struct options *opts)
{
	const char *slash;

	if (opts->log.ident)
		return opts->log.ident;
	if (!opts->command)
		return attached_name(opts->attach);
	slash = strrchr(opts->command[0], '/');
	return slash && slash[1] ? slash + 1 : opts->command[0];
}
