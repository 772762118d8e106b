/* sinks.h: where the command's output goes: dtee's own stdout and stderr,
 * the files named on the command line, and in cron mode the spool. */
#ifndef DTEE_SINKS_H
#define DTEE_SINKS_H

#include <stdbool.h>
#include <sys/uio.h>

#include "dtee.h"

struct sink {
	int fd;
	const char *name;	/* file name, "stdout" or "stderr" */
	unsigned streams;	/* STREAM_OUT, STREAM_ERR or both */
	bool std;		/* dtee's own stdout or stderr */
	bool null;		/* /dev/null: nothing to write, no order to keep */
	bool failed;		/* reported once; written no more */
};

struct sinks {
	struct sink out, err;	/* dtee's stdout and stderr */
	struct sink *files;
	size_t nfiles;
	bool open_failed;	/* a file could not be opened (exit 73) */
	bool write_failed;	/* a sink failed while writing (exit 74) */
	bool die_on_epipe;	/* cron mode: a closed stdout ends dtee by SIGPIPE */
};

/* Make sure fds 0-2 are open, so no socket or file lands on them. */
void sinks_guard_std_fds(void);

/* Open every file of opts. Prints a message for each that cannot be opened
 * and sets open_failed; the others stay usable. */
void sinks_open(struct sinks *s, const struct options *opts);

/* Pass the output through to out and err instead of dtee's own stdout and
 * stderr (--attach: the process's own fds 1 and 2). */
void sinks_pass_to(struct sinks *s, int out, int err);

/* Write iov to one sink. On failure, reports it once, marks the sink failed
 * and returns the bytes that did reach it. */
size_t sink_write(struct sinks *s, struct sink *k, struct iovec *iov, int cnt);

/* Close the files; a close error is a write error. */
void sinks_close(struct sinks *s);

/* Report a failed write on k, once. With die_on_epipe, EPIPE on dtee's
 * own stdout closes the files and dies of SIGPIPE, as the original does. */
void sink_fail(struct sinks *s, struct sink *k, int err);

#endif
