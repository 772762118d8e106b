/* cron.h: cron mode. The command's stdout is held in a spool file until it
 * writes to stderr or ends badly; then everything is replayed in order. */
#ifndef DTEE_CRON_H
#define DTEE_CRON_H

#include <stdbool.h>
#include <sys/uio.h>

#include "sinks.h"

struct cron {
	bool enabled;
	bool live;	/* stdout passes through: stderr was written, or no spool */
	int spool;	/* unlinked 0600 temporary file, or -1 */
};

/* Create the spool. If it cannot be created, say so, count it as an output
 * that failed to open, and pass everything through live instead. */
void cron_open(struct cron *c, struct sinks *s);

/* Write the command's stdout data: to the spool, or to stdout once live. */
void cron_out(struct cron *c, struct sinks *s, struct iovec *iov, int cnt);

/* Replay the spool to stdout and pass through from now on. */
void cron_go_live(struct cron *c, struct sinks *s);

/* The command has ended with wait status: stay silent, or replay and
 * report. */
void cron_finish(struct cron *c, struct sinks *s, const char *command, int status);

/* dtee itself got sig: replay, say so, and die of it. */
void __attribute__((noreturn)) cron_die(struct cron *c, struct sinks *s, int sig);

#endif
