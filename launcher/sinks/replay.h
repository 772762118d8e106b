/* replay.h: the cron spool's file format, and its replay through the
 * pass-through, whole or cut down to a limit. */
#ifndef DTEE_REPLAY_H
#define DTEE_REPLAY_H

#include <stdint.h>
#include <sys/types.h>

#include "sink.h"

/* The spool holds runs: this header, then len bytes of one stream. */
struct run_header {
	uint32_t stream;
	uint32_t reserved;
	uint64_t len;
};

/* Replay the runs in [0, end) of fd, which hold total bytes of output,
 * through pass. With a limit (0: none) below total, only the first and the
 * last limit/2 bytes are replayed, each cut after a newline, with a line
 * on dtee's stderr in between saying how much was left out. Returns 0, or
 * -1 if the spool could not be read (reported). */
int replay(int fd, off_t end, uint64_t total, uint64_t limit, struct sink *pass);

#endif
