/* pass.h: the pass-through: the command's output on dtee's own stdout and
 * stderr (or, when attached, the process's own), as it arrives. */
#ifndef DTEE_PASS_H
#define DTEE_PASS_H

#include <sys/types.h>

#include "sink.h"

/* The pass-through to out_fd and err_fd. */
struct sink *pass_open(int out_fd, int err_fd, const struct options *opts);

/* Write len bytes of fd from offset off as stream's data (the cron spool's
 * replay). A failure to read fd is reported as "NAME: read: ..." under
 * src_name and returns -1; a failed output is the outlet's, as ever. */
int pass_replay(struct sink *k, enum stream stream, int fd, off_t off, size_t len,
		const char *src_name);

#endif
