/* procstatus.c: /proc/PID/status, one "Key:\tvalue" line at a time
 * (procstatus.h). Linux only. */
#include <stdio.h>
#include <string.h>

#include "procstatus.h"

static const struct {
	const char *key;
	unsigned bit;
} keys[] = {
	{ "Name", PS_NAME },	   { "State", PS_STATE },	{ "Tgid", PS_TGID },
	{ "TracerPid", PS_TRACER }, { "Uid", PS_UID },		{ "Gid", PS_GID },
	{ "Seccomp", PS_SECCOMP }, { "CapPrm", PS_CAPPRM },	{ "SigPnd", PS_SIGPND },
	{ "ShdPnd", PS_SHDPND },
};

/* The bit of the line's key, 0 for a key not read here. */
static unsigned key_bit(const char *line, const char **value)
{
	const char *colon = strchr(line, ':');

	if (!colon)
		return 0;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strlen(keys[i].key) == (size_t)(colon - line) &&
		    memcmp(keys[i].key, line, (size_t)(colon - line)) == 0) {
			*value = colon + 1;
			return keys[i].bit;
		}
	return 0;
}

/* One value into s; false where it does not parse. */
static bool parse(struct proc_status *s, unsigned bit, const char *v)
{
	unsigned long long pending;
	int n;

	switch (bit) {
	case PS_NAME:
		return sscanf(v, " %63[^\n]", s->name) == 1;
	case PS_STATE:
		return sscanf(v, " %c", &s->state) == 1;
	case PS_TGID:
		return sscanf(v, "%d", &n) == 1 && (s->tgid = n, true);
	case PS_TRACER:
		return sscanf(v, "%d", &n) == 1 && (s->tracer = n, true);
	case PS_UID:
		return sscanf(v, "%lu %lu %lu %lu", &s->uid[0], &s->uid[1], &s->uid[2], &s->uid[3]) >= 1;
	case PS_GID:
		return sscanf(v, "%lu %lu %lu %lu", &s->gid[0], &s->gid[1], &s->gid[2], &s->gid[3]) >= 1;
	case PS_SECCOMP:
		return sscanf(v, "%d", &s->seccomp) == 1;
	case PS_CAPPRM:
		return sscanf(v, "%llx", &s->cap_prm) == 1;
	default:	/* PS_SIGPND, PS_SHDPND */
		return sscanf(v, "%llx", &pending) == 1 && (s->pending |= pending, true);
	}
}

bool proc_status(pid_t pid, unsigned want, struct proc_status *s)
{
	char path[64], line[256];
	const char *value;
	unsigned bit;
	FILE *f;

	*s = (struct proc_status){ .have = 0 };
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return false;
	while ((s->have & want) != want && fgets(line, sizeof line, f))
		if ((bit = key_bit(line, &value)) && parse(s, bit, value))
			s->have |= bit;
	fclose(f);
	return (s->have & want) == want;
}
