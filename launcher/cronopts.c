/* cronopts.c: the values of the options that shape cron mode's report:
 * --report-on=LIST, --ignore-stderr=REGEX, --report-limit=SIZE. Each only
 * means something in cron mode, so each turns it on. A bad value is a usage
 * error, told in one line before the command runs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "dtee.h"
#include "options.h"

static const struct {
	const char *name;
	unsigned bit;
} triggers[] = {
	{ "failure", REPORT_FAILURE },
	{ "stderr", REPORT_STDERR },
	{ "always", REPORT_ALWAYS },
};

static unsigned trigger_bit(const char *word, size_t len, const char *list)
{
	if (len == 0)
		die_usage("--report-on '%s': empty trigger (choose from failure, stderr, always)",
		    list);
	for (size_t i = 0; i < sizeof triggers / sizeof triggers[0]; i++)
		if (strlen(triggers[i].name) == len && strncmp(triggers[i].name, word, len) == 0)
			return triggers[i].bit;
	die_usage("--report-on '%s': unknown trigger '%.*s' (choose from failure, stderr, always)",
	    list, (int)len, word);
}

/* A comma-separated list; the last --report-on given counts. */
void option_report_on(struct options *opts, const char *list)
{
	const char *p = list;

	opts->report_on = 0;
	for (;;) {
		size_t len = strcspn(p, ",");

		opts->report_on |= trigger_bit(p, len, list);
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	opts->cron = true;
}

/* The end of the bracket expression that starts at p ('['): the ']' that
 * closes it, or the string's end. A ']' first (after a '^') is a member;
 * "[:", "[." and "[=" open a class, collating element or equivalence class
 * that ends at ":]", ".]" or "=]". */
static const char *bracket_end(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	for (; *p && *p != ']'; p++)
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			const char *close = p + 2;

			while (*close && !(close[0] == p[1] && close[1] == ']'))
				close++;
			if (!*close)
				return close;
			p = close + 1;
		}
	return p;
}

/* The first back-reference (\1 to \9, a GNU extension to extended regular
 * expressions) outside a bracket expression, or NULL. With them glibc's
 * matcher backtracks: '^(a*)*\1b' on a 16 KiB line runs for minutes. */
static const char *back_reference(const char *re)
{
	for (const char *p = re; *p; p++) {
		if (*p == '[') {
			p = bracket_end(p);
			if (!*p)
				return NULL;
		} else if (*p == '\\' && p[1]) {
			if (p[1] >= '1' && p[1] <= '9')
				return p;
			p++;
		}
	}
	return NULL;
}

void option_ignore_stderr(struct options *opts, const char *regex)
{
	regex_t *re = realloc(opts->ignore_stderr, (opts->nignore + 1) * sizeof *re);
	char why[256];
	const char *bref;
	int err;

	if (!re)
		die(EX_OSERR, "options: %s", strerror(errno));
	opts->ignore_stderr = re;
	if (*regex == '\0')
		die_usage("--ignore-stderr '': an empty pattern would ignore every line "
		    "(use --report-on=failure)");
	if ((bref = back_reference(regex)))
		die_usage("--ignore-stderr '%s': back-references (%.2s) are not supported", regex, bref);
	err = regcomp(&re[opts->nignore], regex, REG_EXTENDED | REG_NOSUB);
	if (err != 0) {
		regerror(err, &re[opts->nignore], why, sizeof why);
		die_usage("--ignore-stderr '%s': %s", regex, why);
	}
	opts->nignore++;
	opts->cron = true;
}

/* The power of 1024 a size suffix stands for, or -1. */
static int suffix_power(const char *p)
{
	static const char units[] = "KMG";
	const char *u;

	if (*p == '\0')
		return 0;
	if (p[1] != '\0' || !(u = strchr(units, *p >= 'a' ? *p - 'a' + 'A' : *p)) || *u == '\0')
		return -1;
	return (int)(u - units) + 1;
}

/* A positive number of bytes, with an optional K, M or G (powers of 1024). */
void option_report_limit(struct options *opts, const char *size)
{
	const char *p = size;
	uint64_t n = 0;
	int power;

	while (*p >= '0' && *p <= '9') {
		if (n > (UINT64_MAX - 9) / 10)
			die_usage("--report-limit '%s': too large", size);
		n = n * 10 + (uint64_t)(*p++ - '0');
	}
	if (p == size || (power = suffix_power(p)) < 0)
		die_usage("--report-limit '%s': not a size (a number of bytes, optionally "
		    "followed by K, M or G)", size);
	for (; power > 0; power--) {
		if (n > UINT64_MAX >> 10)
			die_usage("--report-limit '%s': too large", size);
		n <<= 10;
	}
	if (n == 0)
		die_usage("--report-limit '%s': must be more than 0", size);
	opts->report_limit = n;
	opts->cron = true;
}
