/* help.c: the texts of --help and --version, and their printing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "dtee.h"
#include "options.h"

/* The help, in parts: cronty's leaves out what cron mode refuses (--attach
 * and --force). Every line fits 79 columns (tests/options.bats checks). */
static const char usage_head[] =
	"Usage: %s [OPTION]... [--] COMMAND [ARG]...\n";
static const char usage_attach_head[] =
	"  or:  %s --attach=PID [OPTION]...\n";
static const char usage_body[] =
	"Run COMMAND with its standard output and standard error copied to files,\n"
	"passing both through in the order they were written.\n"
	"\n"
	"Output files (each may be given any number of times):\n"
	"  -o, --out-append=FILE          append standard output to FILE\n"
	"  -O, --out-overwrite=FILE       copy standard output to FILE, truncating it\n"
	"  -e, --err-append=FILE          append standard error to FILE\n"
	"  -E, --err-overwrite=FILE       copy standard error to FILE, truncating it\n"
	"  -c, --combined-append=FILE     append both streams, in order, to FILE\n"
	"  -C, --combined-overwrite=FILE  copy both streams, in order, to FILE,\n"
	"                                 truncating it\n"
	"  A file named twice, both times to append or both to truncate, is\n"
	"  opened once and gets both streams in order.\n"
	"  -l, --log-append=FILE          append both streams to FILE as a log: one\n"
	"                                 record a line, with its time and stream\n"
	"  -L, --log-overwrite=FILE       write the log to FILE, truncating it\n"
	"      --log-format=FORMAT        for the -l and -L after it: text (default:\n"
	"                                 TIME O: line, TIME E: line), json (JSON\n"
	"                                 Lines) or cri (container log format)\n"
	"      --time-format=FORMAT       for the text logs after it: strftime(3)\n"
	"                                 with %.S, %.s and %.T for microseconds and\n"
	"                                 %:z for +01:00, or elapsed, or delta\n"
	"                                 (default %Y-%m-%dT%H:%M:%.S%:z); json and\n"
	"                                 cri always use UTC with nanoseconds\n"
	"\n"
	"System log (one entry per line, in order, with the writer's pid):\n"
	"      --journal                  send lines to the systemd journal\n"
	"      --syslog[=FACILITY]        send lines to syslog (/dev/log), with\n"
	"                                 FACILITY (default user)\n"
	"      --priority=OUT,ERR         their priorities (default info,err)\n"
	"      --ident=NAME               their identifier (default COMMAND's base\n"
	"                                 name, or the attached process's name)\n"
	"  DTEE_JOURNAL_SOCKET and DTEE_SYSLOG_SOCKET name other sockets.\n"
	"\n"
	"Behaviour:\n"
	"  -i, --ignore-interrupts        ignore SIGINT (the command still receives it)\n"
	"  -p                             the same as --output-error=warn-nopipe\n"
	"      --output-error[=MODE]      what a failed output does (warn, warn-nopipe\n"
	"                                 (default), exit, exit-nopipe); with it dtee\n"
	"                                 ignores SIGPIPE and copies on to the other\n"
	"                                 outputs when a reader goes away\n"
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
	"                                 (the default when DTEE_SECCOMP=1)\n";
static const char usage_attach[] =
	"      --attach=PID               copy the output of the running process PID\n"
	"                                 from now on; its output still goes where it\n"
	"                                 went\n"
	"      --force                    with --attach: attach even under a seccomp\n"
	"                                 filter\n";
static const char usage_tail[] =
	"  -h, --help                     display this help and exit\n"
	"  -V, --version                  output version information and exit\n"
	"\n"
	"DTEE_SECCOMP takes 1/0, yes/no, true/false or on/off.\n"
	"\n";
static const char usage_exit[] =
	"Exit status: COMMAND's status (with --attach, the process's, on Linux\n"
	"6.15 and later), or 128+N if a signal N killed it;\n"
	"64 usage error, 66 COMMAND cannot be executed (or no process PID),\n"
	"69 cannot create sockets, reach the system log, or attach, 70 internal\n"
	"error, 71 cannot fork or allocate memory, 73 cannot open an output file,\n"
	"74 cannot write an output or the system log, 77 not permitted to attach.\n"
	"\n"
	"Full documentation: man dtee\n";
static const char usage_exit_cron[] =
	"Exit status: COMMAND's status, or 128+N if a signal N killed it;\n"
	"64 usage error, 66 COMMAND cannot be executed, 69 cannot create sockets\n"
	"or reach the system log, 70 internal error, 71 cannot fork or allocate\n"
	"memory, 73 cannot open an output file, 74 cannot write an output or the\n"
	"system log.\n"
	"\n"
	"Full documentation: man cronty\n";

/* GNU layout: "NAME VERSION" (the version after the last space), the
 * copyright line, the licence. The name is constant, whatever argv[0] is. */
static const char version_text[] =
	"dtee " DTEE_VERSION "\n"
	"Copyright (C) 2026 the dtee authors.\n"
	"License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\n"
	"This is free software: you are free to change and redistribute it.\n"
	"There is NO WARRANTY, to the extent permitted by law.\n";

static void __attribute__((noreturn)) print_and_exit(const char *text, const char *arg)
{
	if (printf(text, arg) < 0 || fflush(stdout) != 0 || ferror(stdout))
		die(EX_IOERR, "stdout: write: %s", strerror(errno));
	exit(EXIT_SUCCESS);
}

/* --help: cron mode's leaves out --attach and --force, which it refuses. */
void print_help(bool cron)
{
	if (printf(usage_head, prog) < 0 || (!cron && printf(usage_attach_head, prog) < 0) ||
	    fputs(usage_body, stdout) < 0 || (!cron && fputs(usage_attach, stdout) < 0) ||
	    fputs(usage_tail, stdout) < 0)
		die(EX_IOERR, "stdout: write: %s", strerror(errno));
	print_and_exit(cron ? usage_exit_cron : usage_exit, NULL);
}

void print_version(void)
{
	print_and_exit(version_text, NULL);
}
