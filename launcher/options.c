/* options.c: the command line. Parsing stops at the first word that is not
 * an option, so `dtee ls -l` runs `ls -l`. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "dtee.h"
#include "options.h"
#include "sinks/sink.h"

static const char usage_text[] =
	"Usage: %s [OPTION]... [--] COMMAND [ARG]...\n"
	"  or:  %s --attach=PID [OPTION]...\n"
	"Run COMMAND with its standard output and standard error copied to files,\n"
	"passing both through in the order they were written.\n"
	"\n"
	"Output files (each may be given any number of times):\n"
	"  -o, --out-append=FILE          append standard output to FILE\n"
	"  -O, --out-overwrite=FILE       copy standard output to FILE, truncating it\n"
	"  -e, --err-append=FILE          append standard error to FILE\n"
	"  -E, --err-overwrite=FILE       copy standard error to FILE, truncating it\n"
	"  -c, --combined-append=FILE     append both streams, in order, to FILE\n"
	"  -C, --combined-overwrite=FILE  copy both streams, in order, to FILE, truncating it\n"
	"  -l, --log-append=FILE          append both streams to FILE as a log: one record\n"
	"                                 a line, with its time and stream\n"
	"  -L, --log-overwrite=FILE       write the log to FILE, truncating it\n"
	"      --log-format=FORMAT        text (default: TIME O: line, TIME E: line),\n"
	"                                 json (JSON Lines) or cri (container log format)\n"
	"      --time-format=FORMAT       the time in text logs: strftime(3) with %%.S,\n"
	"                                 %%.s and %%.T for microseconds and %%:z for +01:00,\n"
	"                                 or elapsed, or delta (default %%Y-%%m-%%dT%%H:%%M:%%.S%%:z);\n"
	"                                 json and cri always use UTC with nanoseconds\n"
	"\n"
	"System log (one entry per line, in order, with the writer's pid):\n"
	"      --journal                  send lines to the systemd journal\n"
	"      --syslog[=FACILITY]        send lines to syslog (/dev/log), with FACILITY\n"
	"                                 (default user)\n"
	"      --priority=OUT,ERR         their priorities (default info,err)\n"
	"      --ident=NAME               their identifier (default COMMAND's base name,\n"
	"                                 or the attached process's name)\n"
	"  DTEE_JOURNAL_SOCKET and DTEE_SYSLOG_SOCKET name other sockets.\n"
	"\n"
	"Behaviour:\n"
	"  -i, --ignore-interrupts        ignore SIGINT (the command still receives it)\n"
	"  -q, --cron                     cron mode: print nothing unless COMMAND writes\n"
	"                                 to standard error or fails, then replay all of\n"
	"                                 its output in order and report its exit status\n"
	"                                 (the default when invoked as cronty)\n"
	"      --keep-buffering           leave COMMAND's own output buffering as it is\n"
	"                                 (by default its stdout is flushed before it\n"
	"                                 writes to stderr, so the order is as printed,\n"
	"                                 and line-buffered when dtee's output is a\n"
	"                                 terminal or a log, journal or syslog)\n"
	"      --line-buffering           line-buffer COMMAND's stdout in every case\n"
	"      --color[=WHEN]             show standard error in red on a terminal;\n"
	"                                 WHEN is never (default), auto or always\n"
	"                                 (default from DTEE_COLOR; NO_COLOR turns\n"
	"                                 auto off; also --colour)\n"
	"      --report-on=LIST           cron mode, reporting when any of LIST holds,\n"
	"                                 a comma-separated list of failure (non-zero\n"
	"                                 exit or a signal), stderr, always;\n"
	"                                 the default is failure,stderr\n"
	"      --ignore-stderr=REGEX      cron mode; stderr lines matching REGEX (POSIX\n"
	"                                 extended) do not count for the report, but\n"
	"                                 are still replayed; may be repeated\n"
	"      --report-limit=SIZE        cron mode; a report replays at most SIZE\n"
	"                                 bytes (suffixes K, M, G): the first and the\n"
	"                                 last SIZE/2, cut at line ends\n"
	"      --no-preload               do not inject libdtee.so into COMMAND\n"
	"      --seccomp                  also split large writes that libdtee.so cannot\n"
	"                                 see (static and Go programs), with a seccomp\n"
	"                                 supervisor; sets no_new_privs on COMMAND\n"
	"                                 (the default when DTEE_SECCOMP=1)\n"
	"      --attach=PID               copy the output of the running process PID from\n"
	"                                 now on; its output still goes where it went\n"
	"      --force                    attach even under a seccomp filter\n"
	"  -h, --help                     display this help and exit\n"
	"  -V, --version                  output version information and exit\n"
	"\n"
	"Exit status: COMMAND's status, or 128+N if a signal N killed it;\n"
	"64 usage error, 66 COMMAND cannot be executed (or no process PID),\n"
	"69 cannot create sockets, reach the system log, or attach, 70 internal\n"
	"error, 71 cannot fork or allocate memory, 73 cannot open an output file,\n"
	"74 cannot write an output or the system log, 77 not permitted to attach.\n"
	"\n"
	"Full documentation: man dtee\n";

/* GNU layout: "NAME VERSION" (the version after the last space), the
 * copyright line, the licence. The name is constant, whatever argv[0] is. */
static const char version_text[] =
	"dtee " DTEE_VERSION "\n"
	"Copyright (C) 2026 the dtee authors.\n"
	"License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\n"
	"This is free software: you are free to change and redistribute it.\n"
	"There is NO WARRANTY, to the extent permitted by law.\n";

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

static void __attribute__((noreturn)) print_and_exit(const char *text, const char *arg)
{
	if (printf(text, arg, arg) < 0 || fflush(stdout) != 0 || ferror(stdout))
		die(EX_IOERR, "stdout: write: %s", strerror(errno));
	exit(EXIT_SUCCESS);
}

static void __attribute__((noreturn)) usage_error(void)
{
	fprintf(stderr, "Try '%s -h' for more information.\n", prog);
	exit(EX_USAGE);
}

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
	opts->outputs[opts->noutputs++] = (struct output_opt){ kind, path, streams, append };
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

static enum color_when parse_color(const char *arg, const char *from)
{
	int when = color_when(arg);

	if (when < 0)
		die(EX_USAGE, "invalid argument '%s' for %s (never, auto or always)", arg, from);
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
	die(EX_USAGE, "unknown log format '%s' (text, json or cri)", name);
}

static void set_time_format(struct options *opts, const char *spec)
{
	const char *why = timefmt_check(spec);

	if (why)
		die(EX_USAGE, "bad time format '%s': %s", spec, why);
	opts->time_format = spec;
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

void options_parse(struct options *opts, int argc, char **argv)
{
	const char *base = strrchr(prog, '/');
	const char *seccomp = getenv("DTEE_SECCOMP");
	int c, word = optind;

	*opts = (struct options){ .preload = true, .log = { .facility = 1, .priority = { 6, 3 } } };
	/* Set and neither empty nor 0: on, so cron lines need not change. */
	opts->seccomp = seccomp && *seccomp && strcmp(seccomp, "0") != 0;
	opts->cron = strcmp(base ? base + 1 : prog, "cronty") == 0;
	const char *color = getenv("DTEE_COLOR");
	if (color && *color)
		opts->color = parse_color(color, "DTEE_COLOR");
	opterr = 0;
	for (; (c = getopt_long(argc, argv, "+:o:O:e:E:c:C:l:L:iqhV", long_opts, NULL)) != -1; word = optind) {
		switch (c) {
		case 'o': add_file(opts, optarg, STREAM_OUT, true); break;
		case 'O': add_file(opts, optarg, STREAM_OUT, false); break;
		case 'e': add_file(opts, optarg, STREAM_ERR, true); break;
		case 'E': add_file(opts, optarg, STREAM_ERR, false); break;
		case 'c': add_file(opts, optarg, STREAM_BOTH, true); break;
		case 'C': add_file(opts, optarg, STREAM_BOTH, false); break;
		case 'l': add_output(opts, OUTPUT_LOG, optarg, STREAM_BOTH, true); break;
		case 'L': add_output(opts, OUTPUT_LOG, optarg, STREAM_BOTH, false); break;
		case OPT_LOG_FORMAT: set_log_format(opts, optarg); break;
		case OPT_TIME_FORMAT: set_time_format(opts, optarg); break;
		case 'i': opts->ignore_interrupts = true; break;
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
			opts->color = optarg ? parse_color(optarg, "'--color'") : COLOR_AUTO;
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
		case OPT_PRIORITY: set_priorities(opts, optarg); break;
		case OPT_IDENT:
			if (!*optarg) {
				msg("empty identifier");
				usage_error();
			}
			opts->log.ident = optarg;
			break;
		case 'h': print_and_exit(usage_text, prog);
		case 'V': print_and_exit(version_text, NULL);
		default: bad_option(c, argv[word]);
		}
	}
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
