/* dtee: definitions shared by the launcher's files. */
#ifndef DTEE_H
#define DTEE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The two streams of the command, as bits so a sink can want both. */
enum {
	STREAM_OUT = 1,
	STREAM_ERR = 2,
	STREAM_BOTH = STREAM_OUT | STREAM_ERR,
};

/* One output file given on the command line. */
struct file_opt {
	const char *path;
	unsigned streams;
	bool append;
};

struct options {
	struct file_opt *files;
	size_t nfiles;
	bool ignore_interrupts;
	bool cron;
	bool preload;
	bool seccomp;		/* --seccomp, or DTEE_SECCOMP=1 */
	char **command;		/* NULL-terminated, at least one word; NULL with attach */
	pid_t attach;		/* --attach=PID, else 0 */
	bool force;		/* --force: attach despite a seccomp filter */
};

/* argv[0] as invoked, for every message (main.c). */
extern const char *prog;

/* Print "PROG: " and the formatted text and a newline to stderr, in one
 * write (message.c). */
void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse the command line; exits on --help, --version and usage errors
 * (options.c). */
void options_parse(struct options *opts, int argc, char **argv);

/* dtee --attach=PID: copy a running process's output (attached.c). */
int run_attached(const struct options *opts);

#endif
