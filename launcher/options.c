/* options.c: the command line. Parsing stops at the first word that is not
 * an option, so `dtee ls -l` runs `ls -l`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "dtee.h"
#include "logsinks.h"

static const char usage_text[] =
	"Usage: %s [OPTION]... [--] COMMAND [ARG]...\n"
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
	"\n"
	"System log (one entry per line, in order, with the writer's pid):\n"
	"      --journal                  send lines to the systemd journal\n"
	"      --syslog[=FACILITY]        send lines to syslog (/dev/log), with FACILITY\n"
	"                                 (default user)\n"
	"      --priority=OUT,ERR         their priorities (default info,err)\n"
	"      --ident=NAME               their identifier (default COMMAND's base name)\n"
	"  DTEE_JOURNAL_SOCKET and DTEE_SYSLOG_SOCKET name other sockets.\n"
	"\n"
	"Behaviour:\n"
	"  -i, --ignore-interrupts        ignore SIGINT (the command still receives it)\n"
	"  -q, --cron                     cron mode: print nothing unless COMMAND writes\n"
	"                                 to standard error or fails, then replay all of\n"
	"                                 its output in order and report its exit status\n"
	"                                 (the default when invoked as cronty)\n"
	"      --no-preload               do not inject libdtee.so into COMMAND\n"
	"      --seccomp                  also split large writes that libdtee.so cannot\n"
	"                                 see (static and Go programs), with a seccomp\n"
	"                                 supervisor; sets no_new_privs on COMMAND\n"
	"                                 (the default when DTEE_SECCOMP=1)\n"
	"  -h, --help                     display this help and exit\n"
	"  -V, --version                  output version information and exit\n"
	"\n"
	"Exit status: COMMAND's status, or 128+N if a signal N killed it;\n"
	"64 usage error, 66 COMMAND cannot be executed, 69 cannot create sockets\n"
	"or reach the system log,\n"
	"70 internal error, 71 cannot fork or allocate memory, 73 cannot open an\n"
	"output file, 74 cannot write an output or the system log.\n"
	"\n"
	"Full documentation: man dtee\n";

static const char version_text[] =
	"dtee " DTEE_VERSION "\n"
	"Copyright the dtee authors.\n"
	"License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\n"
	"This is free software: you are free to change and redistribute it.\n"
	"There is NO WARRANTY, to the extent permitted by law.\n";

enum { OPT_NO_PRELOAD = 256, OPT_SECCOMP, OPT_JOURNAL, OPT_SYSLOG, OPT_PRIORITY, OPT_IDENT };

static const struct option long_opts[] = {
	{ "out-append", required_argument, NULL, 'o' },
	{ "out-overwrite", required_argument, NULL, 'O' },
	{ "err-append", required_argument, NULL, 'e' },
	{ "err-overwrite", required_argument, NULL, 'E' },
	{ "combined-append", required_argument, NULL, 'c' },
	{ "combined-overwrite", required_argument, NULL, 'C' },
	{ "ignore-interrupts", no_argument, NULL, 'i' },
	{ "cron", no_argument, NULL, 'q' },
	{ "no-preload", no_argument, NULL, OPT_NO_PRELOAD },
	{ "seccomp", no_argument, NULL, OPT_SECCOMP },
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
	if (printf(text, arg) < 0 || fflush(stdout) != 0 || ferror(stdout))
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
	opterr = 0;
	for (; (c = getopt_long(argc, argv, "+:o:O:e:E:c:C:iqhV", long_opts, NULL)) != -1; word = optind) {
		switch (c) {
		case 'o': add_file(opts, optarg, STREAM_OUT, true); break;
		case 'O': add_file(opts, optarg, STREAM_OUT, false); break;
		case 'e': add_file(opts, optarg, STREAM_ERR, true); break;
		case 'E': add_file(opts, optarg, STREAM_ERR, false); break;
		case 'c': add_file(opts, optarg, STREAM_BOTH, true); break;
		case 'C': add_file(opts, optarg, STREAM_BOTH, false); break;
		case 'i': opts->ignore_interrupts = true; break;
		case 'q': opts->cron = true; break;
		case OPT_NO_PRELOAD: opts->preload = false; break;
		case OPT_SECCOMP: opts->seccomp = true; break;
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
	if (optind >= argc) {
		msg("no command specified");
		usage_error();
	}
	opts->command = argv + optind;
}
