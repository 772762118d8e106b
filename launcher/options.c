/* options.c: the command line. Parsing stops at the first word that is not
 * an option, so `dtee ls -l` runs `ls -l`. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "dtee.h"
#include "options.h"
#include "sinks/sink.h"

enum {
	OPT_NO_PRELOAD = 256,
	OPT_SECCOMP,
	OPT_KEEP_BUFFERING,
	OPT_LINE_BUFFERING,
	OPT_COLOR,
	OPT_REPORT_ON,
	OPT_IGNORE_STDERR,
	OPT_REPORT_LIMIT,
	OPT_LOG_FORMAT,
	OPT_TIME_FORMAT,
	OPT_ATTACH,
	OPT_FORCE,
	OPT_JOURNAL,
	OPT_SYSLOG,
	OPT_PRIORITY,
	OPT_IDENT,
	OPT_OUTPUT_ERROR,
};

static const struct option long_opts[] = {
	{ "out-append", required_argument, NULL, 'o' },
	{ "out-overwrite", required_argument, NULL, 'O' },
	{ "err-append", required_argument, NULL, 'e' },
	{ "err-overwrite", required_argument, NULL, 'E' },
	{ "combined-append", required_argument, NULL, 'c' },
	{ "combined-overwrite", required_argument, NULL, 'C' },
	{ "log-append", required_argument, NULL, 'l' },
	{ "log-overwrite", required_argument, NULL, 'L' },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "time-format", required_argument, NULL, OPT_TIME_FORMAT },
	{ "ignore-interrupts", no_argument, NULL, 'i' },
	{ "output-error", optional_argument, NULL, OPT_OUTPUT_ERROR },
	{ "cron", no_argument, NULL, 'q' },
	{ "report-on", required_argument, NULL, OPT_REPORT_ON },
	{ "ignore-stderr", required_argument, NULL, OPT_IGNORE_STDERR },
	{ "report-limit", required_argument, NULL, OPT_REPORT_LIMIT },
	{ "no-preload", no_argument, NULL, OPT_NO_PRELOAD },
	{ "seccomp", no_argument, NULL, OPT_SECCOMP },
	{ "keep-buffering", no_argument, NULL, OPT_KEEP_BUFFERING },
	{ "line-buffering", no_argument, NULL, OPT_LINE_BUFFERING },
	{ "color", optional_argument, NULL, OPT_COLOR },
	{ "colour", optional_argument, NULL, OPT_COLOR },
	{ "attach", required_argument, NULL, OPT_ATTACH },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "journal", no_argument, NULL, OPT_JOURNAL },
	{ "syslog", optional_argument, NULL, OPT_SYSLOG },
	{ "priority", required_argument, NULL, OPT_PRIORITY },
	{ "ident", required_argument, NULL, OPT_IDENT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void __attribute__((noreturn)) usage_error(void)
{
	usage_hint();
	exit(EX_USAGE);
}

/* Things the last options left to check once every option is seen. */
struct pending {
	size_t log_format_at;	/* noutputs when --log-format was given, or SIZE_MAX */
	size_t time_format_at;	/* the same for --time-format */
	const char *syslog_opt;	/* --priority or --ident, if given */
};

/* getopt_long is silent (opterr = 0); say what was wrong in dtee's voice.
 * word is the argument getopt was looking at: a cluster like -zi, or a long
 * option. */
static void __attribute__((noreturn)) bad_option(int c, const char *word)
{
	if (c == ':') {
		if (word[1] == '-')
			msg("option '%.*s' requires an argument", (int)strcspn(word, "="), word);
		else
			msg("option '-%c' requires an argument", optopt);
	} else if (optopt != 0 && word[1] != '-') {
		msg("unrecognised option '-%c'", optopt);
	} else {
		size_t len = strcspn(word, "=");
		int matches = 0;

		for (const struct option *o = long_opts; o->name; o++)
			matches += strncmp(o->name, word + 2, len - 2) == 0;
		if (matches > 1)
			msg("option '%.*s' is ambiguous", (int)len, word);
		else if (optopt != 0)
			msg("option '%.*s' doesn't allow an argument", (int)len, word);
		else
			msg("unrecognised option '%.*s'", (int)len, word);
	}
	usage_error();
}

static void add_output(struct options *opts, enum output_kind kind, const char *path,
		       unsigned streams, bool append)
{
	struct output_opt *o = realloc(opts->outputs, (opts->noutputs + 1) * sizeof *o);

	if (!o)
		die(EX_OSERR, "options: %s", strerror(errno));
	opts->outputs = o;
	opts->outputs[opts->noutputs++] = (struct output_opt){
		kind, path, streams, append, opts->log_format, opts->time_format };
}

static void add_file(struct options *opts, const char *path, unsigned streams, bool append)
{
	add_output(opts, OUTPUT_FILE, path, streams, append);
}

/* never, auto or always (also as no, tty, yes and the like, as GNU ls
 * takes them); -1 for anything else. */
static int color_when(const char *word)
{
	static const struct { const char *word; enum color_when when; } words[] = {
		{ "never", COLOR_NEVER }, { "no", COLOR_NEVER }, { "none", COLOR_NEVER },
		{ "auto", COLOR_AUTO }, { "tty", COLOR_AUTO }, { "if-tty", COLOR_AUTO },
		{ "always", COLOR_ALWAYS }, { "yes", COLOR_ALWAYS }, { "force", COLOR_ALWAYS },
	};

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(word, words[i].word) == 0)
			return (int)words[i].when;
	return -1;
}

static enum color_when parse_color(const char *arg)
{
	int when = color_when(arg);

	if (when < 0)
		die_usage("invalid argument '%s' for '--color' (never, auto or always)", arg);
	return (enum color_when)when;
}

/* DTEE_COLOR: a bad value must not stop every cron job, so it is named and
 * the default (never) kept. */
static enum color_when env_color(void)
{
	const char *v = getenv("DTEE_COLOR");
	int when = v && *v ? color_when(v) : (int)COLOR_NEVER;

	if (when < 0) {
		msg("DTEE_COLOR: invalid value '%s' (never, auto or always): ignored", v);
		return COLOR_NEVER;
	}
	return (enum color_when)when;
}

static void set_log_format(struct options *opts, const char *name)
{
	static const char *const names[] = { [LOG_TEXT] = "text", [LOG_JSON] = "json", [LOG_CRI] = "cri" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(name, names[i]) == 0) {
			opts->log_format = (enum log_format)i;
			return;
		}
	die_usage("unknown log format '%s' (text, json or cri)", name);
}

static void set_time_format(struct options *opts, const char *spec)
{
	const char *why = timefmt_check(spec);

	if (why)
		die_usage("bad time format '%s': %s", spec, why);
	opts->time_format = spec;
}

/* --output-error=MODE; -p and --output-error alone are warn-nopipe. */
static enum output_error parse_output_error(const char *arg)
{
	static const char *const modes[] = {
		[OUTERR_WARN] = "warn", [OUTERR_WARN_NOPIPE] = "warn-nopipe",
		[OUTERR_EXIT] = "exit", [OUTERR_EXIT_NOPIPE] = "exit-nopipe",
	};

	if (!arg)
		return OUTERR_WARN_NOPIPE;
	for (size_t i = OUTERR_WARN; i < sizeof modes / sizeof modes[0]; i++)
		if (strcmp(arg, modes[i]) == 0)
			return (enum output_error)i;
	die_usage("invalid argument '%s' for '--output-error' (warn, warn-nopipe, exit or exit-nopipe)", arg);
}

/* --attach=PID: a positive process id. */
static pid_t parse_pid(const char *arg)
{
	char *end;
	errno = 0;
	long n = strtol(arg, &end, 10);

	if (errno != 0 || end == arg || *end != '\0' || n <= 0 || n > INT_MAX) {
		msg("--attach: not a process id: '%s'", arg);
		usage_error();
	}
	return (pid_t)n;
}

static void check_attach(const struct options *opts, const char *command)
{
	if (command) {
		msg("--attach takes no command: '%s'", command);
		usage_error();
	}
	if (opts->cron) {
		msg("--attach cannot be used in cron mode");
		usage_error();
	}
}

/* --journal, --syslog: one output each, however often given, sending to
 * the socket the environment names. */
static void add_log(struct options *opts, enum output_kind kind, const char *env, const char *path)
{
	const char *set = getenv(env);

	for (size_t i = 0; i < opts->noutputs; i++)
		if (opts->outputs[i].kind == kind)
			return;
	add_output(opts, kind, set && *set ? set : path, STREAM_BOTH, false);
}

static void set_facility(struct options *opts, const char *arg)
{
	int v = arg ? syslog_facility_value(arg) : 1;

	if (v < 0) {
		msg("invalid facility '%s'", arg);
		usage_error();
	}
	opts->log.facility = v;
}

/* One priority of OUT,ERR into *v: a name or a number; empty keeps *v. */
static bool priority_word(const char *p, size_t len, int *v)
{
	char word[16];

	if (len == 0)
		return true;
	if (len >= sizeof word)
		return false;
	memcpy(word, p, len);
	word[len] = '\0';
	*v = syslog_priority_value(word);
	return *v >= 0;
}

static void set_priorities(struct options *opts, const char *arg)
{
	const char *comma = strchr(arg, ',');

	if (!comma || !priority_word(arg, (size_t)(comma - arg), &opts->log.priority[0]) ||
	    !priority_word(comma + 1, strlen(comma + 1), &opts->log.priority[1])) {
		msg("invalid priorities '%s' (want OUT,ERR, e.g. info,err)", arg);
		usage_error();
	}
}

/* Is there an output of kind at or after index from? */
static bool has_output(const struct options *opts, enum output_kind kind, size_t from)
{
	for (size_t i = from; i < opts->noutputs; i++)
		if (opts->outputs[i].kind == kind)
			return true;
	return false;
}

/* An option that shapes outputs, with none to shape, is a mistake. */
static void check_pending(const struct options *opts, const struct pending *p)
{
	if (p->log_format_at != SIZE_MAX && !has_output(opts, OUTPUT_LOG, p->log_format_at))
		die_usage("--log-format: no -l or -L after it to apply to");
	if (p->time_format_at != SIZE_MAX && !has_output(opts, OUTPUT_LOG, p->time_format_at))
		die_usage("--time-format: no -l or -L after it to apply to");
	if (p->syslog_opt && !has_output(opts, OUTPUT_JOURNAL, 0) && !has_output(opts, OUTPUT_SYSLOG, 0))
		die_usage("%s: no --journal or --syslog to apply to", p->syslog_opt);
	if (opts->force && opts->attach <= 0)
		die_usage("--force: no --attach to apply to");
}

void options_parse(struct options *opts, int argc, char **argv)
{
	const char *base = strrchr(prog, '/');
	struct pending pending = { SIZE_MAX, SIZE_MAX, NULL };
	int c, word = optind;

	*opts = (struct options){ .preload = true, .log = { .facility = 1, .priority = { 6, 3 } } };
	opts->seccomp = env_bool("DTEE_SECCOMP", false);
	opts->cron = strcmp(base ? base + 1 : prog, "cronty") == 0;
	opts->color = env_color();
	opterr = 0;
	for (; (c = getopt_long(argc, argv, "+:o:O:e:E:c:C:l:L:ipqhV", long_opts, NULL)) != -1; word = optind) {
		switch (c) {
		case 'o': add_file(opts, optarg, STREAM_OUT, true); break;
		case 'O': add_file(opts, optarg, STREAM_OUT, false); break;
		case 'e': add_file(opts, optarg, STREAM_ERR, true); break;
		case 'E': add_file(opts, optarg, STREAM_ERR, false); break;
		case 'c': add_file(opts, optarg, STREAM_BOTH, true); break;
		case 'C': add_file(opts, optarg, STREAM_BOTH, false); break;
		case 'l': add_output(opts, OUTPUT_LOG, optarg, STREAM_BOTH, true); break;
		case 'L': add_output(opts, OUTPUT_LOG, optarg, STREAM_BOTH, false); break;
		case OPT_LOG_FORMAT:
			set_log_format(opts, optarg);
			pending.log_format_at = opts->noutputs;
			break;
		case OPT_TIME_FORMAT:
			set_time_format(opts, optarg);
			pending.time_format_at = opts->noutputs;
			break;
		case 'i': opts->ignore_interrupts = true; break;
		case 'p': opts->output_error = OUTERR_WARN_NOPIPE; break;
		case OPT_OUTPUT_ERROR: opts->output_error = parse_output_error(optarg); break;
		case 'q': opts->cron = true; break;
		case OPT_REPORT_ON: option_report_on(opts, optarg); break;
		case OPT_IGNORE_STDERR: option_ignore_stderr(opts, optarg); break;
		case OPT_REPORT_LIMIT: option_report_limit(opts, optarg); break;
		case OPT_NO_PRELOAD: opts->preload = false; break;
		case OPT_SECCOMP: opts->seccomp = true; break;
		case OPT_KEEP_BUFFERING:
			opts->keep_buffering = true;
			opts->line_buffering = false;	/* the last one wins */
			break;
		case OPT_LINE_BUFFERING:
			opts->line_buffering = true;
			opts->keep_buffering = false;
			break;
		case OPT_COLOR:
			/* --color alone means auto, as in GNU grep. */
			opts->color = optarg ? parse_color(optarg) : COLOR_AUTO;
			break;
		case OPT_ATTACH: opts->attach = parse_pid(optarg); break;
		case OPT_FORCE: opts->force = true; break;
		case OPT_JOURNAL:
			add_log(opts, OUTPUT_JOURNAL, "DTEE_JOURNAL_SOCKET", JOURNAL_SOCKET_DEFAULT);
			break;
		case OPT_SYSLOG:
			set_facility(opts, optarg);
			add_log(opts, OUTPUT_SYSLOG, "DTEE_SYSLOG_SOCKET", SYSLOG_SOCKET_DEFAULT);
			break;
		case OPT_PRIORITY:
			set_priorities(opts, optarg);
			pending.syslog_opt = "--priority";
			break;
		case OPT_IDENT:
			if (!*optarg) {
				msg("empty identifier");
				usage_error();
			}
			opts->log.ident = optarg;
			pending.syslog_opt = "--ident";
			break;
		case 'h': print_help(opts->cron);
		case 'V': print_version();
		default: bad_option(c, argv[word]);
		}
	}
	check_pending(opts, &pending);
	outputs_merge_same(opts);
	if (opts->attach > 0) {
		check_attach(opts, optind < argc ? argv[optind] : NULL);
		return;
	}
	if (optind >= argc) {
		msg("no command specified");
		usage_error();
	}
	opts->command = argv + optind;
}
