/* spool.h: cron mode. The spool stands in front of the pass-through and
 * holds the command's output, both streams in order, until the command
 * writes to stderr or ends badly; then it replays everything in order,
 * passes the rest through live, and reports how the command ended. */
#ifndef DTEE_SPOOL_H
#define DTEE_SPOOL_H

#include "sink.h"

/* The spool in front of pass. If no spool file can be created, says so and
 * sets *failed; the spool then passes everything through live, and still
 * reports at the end. */
struct sink *spool_open(struct sink *pass, const struct options *opts, bool *failed);

#endif
