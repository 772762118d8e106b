/* options.h: the command line as dtee understood it (options.c), and
 * the values of cron mode's policy options (cronopts.c). */
#ifndef DTEE_OPTIONS_H
#define DTEE_OPTIONS_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The kinds of output the command line can ask for; each names one entry
 * of the sink table (sinks.c). */
enum output_kind {
	OUTPUT_FILE,		/* -o -O -e -E -c -C: the bytes as written */
	OUTPUT_LOG,		/* -l -L: annotated records of both streams */
	OUTPUT_JOURNAL,		/* --journal: a journal entry per line (path: the socket) */
	OUTPUT_SYSLOG,		/* --syslog: a syslog message per line (path: the socket) */
};

/* How annotated logs are written (--log-format). */
enum log_format {
	LOG_TEXT,		/* TIME O: line */
	LOG_JSON,		/* JSON Lines */
	LOG_CRI,		/* TIME stdout F line */
};

/* One output given on the command line. */
struct output_opt {
	enum output_kind kind;
	const char *path;
	unsigned streams;	/* STREAM_* bits */
	bool append;
	enum log_format log_format;	/* a log's: the --log-format before it */
	const char *time_format;	/* a log's: the --time-format before it, or NULL */
};

/* -p, --output-error=MODE: what a failed write to an output does, as in
 * GNU tee. With any of them SIGPIPE is ignored and a reader that has gone
 * is a write error (EPIPE) of that output alone. */
enum output_error {
	OUTERR_NONE,		/* no -p: SIGPIPE stops dtee, as for tee */
	OUTERR_WARN,		/* report every failed output, go on */
	OUTERR_WARN_NOPIPE,	/* the same, but a reader that has gone is no failure (-p) */
	OUTERR_EXIT,		/* stop at the first failed output */
	OUTERR_EXIT_NOPIPE,	/* the same, but a reader that has gone is no failure */
};

/* --color=WHEN */
enum color_when { COLOR_NEVER, COLOR_AUTO, COLOR_ALWAYS };

/* What makes cron mode report (--report-on); 0 means the default,
 * failure and stderr. */
enum report_on {
	REPORT_FAILURE = 1,	/* a non-zero exit or death by a signal */
	REPORT_STDERR = 2,	/* a stderr line not ignored */
	REPORT_ALWAYS = 4,
};

/* How lines are labelled in the system log (--journal, --syslog). */
struct syslog_opt {
	const char *ident;	/* --ident, else NULL: COMMAND's base name */
	int facility;		/* --syslog=FACILITY: a syslog(3) facility number (user: 1) */
	int priority[2];	/* --priority: for stdout and stderr (info 6, err 3) */
};

struct options {
	struct output_opt *outputs;
	size_t noutputs;
	bool ignore_interrupts;
	enum output_error output_error;
	bool cron;
	unsigned report_on;	/* REPORT_* bits, 0 for the default */
	regex_t *ignore_stderr;	/* --ignore-stderr, compiled */
	size_t nignore;
	uint64_t report_limit;	/* --report-limit in bytes, 0 for none */
	bool preload;
	bool seccomp;		/* --seccomp, or DTEE_SECCOMP=1 */
	bool keep_buffering;	/* --keep-buffering: leave the command's stdio as it is */
	bool line_buffering;	/* --line-buffering: its stdout line-buffered always */
	enum color_when color;	/* --color, or DTEE_COLOR */
	enum log_format log_format;	/* while parsing: the last --log-format */
	const char *time_format;	/* while parsing: the last --time-format, or NULL */
	struct syslog_opt log;
	char **command;		/* NULL-terminated, at least one word; NULL with attach */
	pid_t attach;		/* --attach=PID, else 0 */
	bool force;		/* --force: attach despite a seccomp filter */
};

/* The values of the cron policy options; each turns cron mode on and
 * exits with a usage error on a bad value (cronopts.c). */
void option_report_on(struct options *opts, const char *list);
void option_ignore_stderr(struct options *opts, const char *regex);
void option_report_limit(struct options *opts, const char *size);

/* Outputs that name one file: raw files that agree on append or overwrite
 * become one output with both options' streams; any other pair is a usage
 * error (samefile.c). */
void outputs_merge_same(struct options *opts);

/* --help (cron mode's leaves out --attach and --force, which it refuses)
 * and --version on stdout, then exit 0 (help.c). */
void __attribute__((noreturn)) print_help(bool cron);
void __attribute__((noreturn)) print_version(void);

/* Parse the command line; exits on --help, --version and usage errors
 * (options.c). */
void options_parse(struct options *opts, int argc, char **argv);

#endif
