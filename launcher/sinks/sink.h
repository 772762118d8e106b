/* sink.h: the one interface every output implements.
 *
 * A sink is opened from the options before the command runs, takes every
 * batch the collector receives, and is finished with how the command ended.
 * The collector knows nothing about what a sink does with a batch. Raw
 * files and the pass-through take the bytes; the cron spool holds both
 * streams in order in front of the pass-through and releases them by
 * policy; line sinks (annotated logs, the system log) take records cut by
 * the shared line assembler (lines.h).
 *
 * A new kind of output is one file with its sink_ops and an open function,
 * and one entry in the sink table (sinks.c). */
#ifndef DTEE_SINK_H
#define DTEE_SINK_H

#include <stdbool.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sysexits.h>
#include <time.h>

#include "dtee.h"
#include "options.h"

/* The most datagrams one batch holds. */
#define BATCH_MAX 32

/* What one receive returned: the command's datagrams in arrival order
 * (zero-length ones included: a write of nothing is still a write). */
struct batch {
	int n;
	const struct iovec *data;
	const unsigned char *stream;	/* STREAM_OUT or STREAM_ERR, each */
	const struct timespec *time;	/* when each was written (SINK_TIME), else NULL */
	const pid_t *pid;		/* the process that wrote each (SINK_PID), else NULL */
};

/* What a sink asks of the collector beyond the bytes. */
enum sink_needs {
	SINK_TIME = 1,	/* the kernel's time of each write (SO_TIMESTAMPNS) */
	SINK_PID = 2,	/* the writer's pid (SO_PASSCRED) */
	SINK_IDLE = 4,	/* an idle() call after a second with nothing received */
};

/* How the run ended, for finish(). */
struct ending {
	bool ended;	/* the command has ended, with status */
	int status;	/* its wait status */
	int signal;	/* the stop signal that ends dtee, or 0 */
	bool failed;	/* an output could not be opened or written, as finishing
			 * began (outlets_failed() tells of later failures) */
	const char *command;	/* the command's name, for reports */
	int exec_errno;		/* the command could not be run: why; else 0 */
	bool known;		/* status is known (--attach: not on old kernels) */
	bool attached;		/* --attach: not ended means detached */
};

struct sink;

struct sink_ops {
	/* One batch; the sink writes what it wants of it. */
	void (*write)(struct sink *k, const struct batch *b);
	/* Nothing arrived for a second (SINK_IDLE); may be NULL. */
	void (*idle)(struct sink *k);
	/* The run is over: everything has been written; may be NULL. */
	void (*finish)(struct sink *k, const struct ending *e);
	/* Close and free; a close error is reported as a write error. */
	void (*close)(struct sink *k);
};

struct sink {
	const struct sink_ops *ops;
	unsigned needs;		/* enum sink_needs bits */
};

/* Gather the data of the batch's datagrams of the wanted streams into
 * iov (room for BATCH_MAX); returns how many, empty ones left out. */
static inline int batch_gather(const struct batch *b, unsigned streams, struct iovec *iov)
{
	int k = 0;

	for (int j = 0; j < b->n; j++)
		if ((b->stream[j] & streams) && b->data[j].iov_len > 0)
			iov[k++] = b->data[j];
	return k;
}

/* The open function of each kind of output in the sink table; each lives
 * in a file of its own. */
struct sink *file_sink_open(const struct output_opt *o);

/* The set of sinks of this run. */
struct sinks {
	struct sink **list;	/* written in this order; the pass-through last */
	size_t n;
	unsigned needs;		/* union of the sinks' needs */
	bool open_failed;	/* an output could not be opened */
	int open_status;	/* the exit status the first one calls for, or 0 */
	struct timespec start;	/* when the run started (sinks_start), for elapsed times */
};

/* The exit status for open_failed: 73 for a file or the spool, 69 for an
 * unreachable system log. */
static inline int sinks_unopened_status(const struct sinks *s)
{
	return s->open_status ? s->open_status : EX_CANTCREAT;
}

/* Open every output of opts, then the pass-through on out_fd/err_fd (in
 * cron mode behind the spool). An output that cannot be opened is reported
 * and counted in open_failed; the others stay usable. */
void sinks_open(struct sinks *s, const struct options *opts, int out_fd, int err_fd);

/* The run starts now: the time elapsed times count from. Called just
 * before the command starts (or dtee attaches). */
void sinks_start(struct sinks *s);

void sinks_write(struct sinks *s, const struct batch *b);
void sinks_idle(struct sinks *s);
void sinks_finish(struct sinks *s, struct ending *e);
void sinks_close(struct sinks *s);

/* What the command line asks of the sinks (options.c) -------------------- */

/* The sockets used when DTEE_JOURNAL_SOCKET / DTEE_SYSLOG_SOCKET are unset
 * or empty. */
#define JOURNAL_SOCKET_DEFAULT "/run/systemd/journal/socket"
#define SYSLOG_SOCKET_DEFAULT "/dev/log"

/* Check a --time-format; NULL when good, else why not (a static string;
 * timefmt.c). */
const char *timefmt_check(const char *spec);

/* A priority (emerg alert crit err warning notice info debug, or the
 * aliases panic error warn, or 0-7) or a facility (kern user mail daemon
 * auth syslog lpr news uucp cron authpriv ftp local0-local7, security for
 * auth, or 0-23) as logger(1) takes them: its number, or -1 (lognames.c). */
int syslog_priority_value(const char *name);
int syslog_facility_value(const char *name);

#endif
