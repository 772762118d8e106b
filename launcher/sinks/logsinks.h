/* logsinks.h: the system log outputs (--journal, --syslog): their open
 * functions for the sink table, and the names their options take. */
#ifndef DTEE_LOGSINKS_H
#define DTEE_LOGSINKS_H

#include "dtee.h"
#include "options.h"
#include "lines.h"

/* Line sinks: journal.c and syslog.c. Each reports its own failure to open
 * ("PROG: journal: PATH: why") and returns NULL. */
struct line_sink *journal_sink_open(const struct output_opt *o, const struct options *opts);
struct line_sink *syslog_sink_open(const struct output_opt *o, const struct options *opts);

/* The identifier lines are sent under: --ident, else COMMAND's base name,
 * else (--attach) the process's name (comm). */
const char *syslog_ident(const struct options *opts);
/* How much of ident to send when at most max bytes fit: all of it, or cut
 * before the UTF-8 character that would not fit whole. */
size_t syslog_ident_len(const char *ident, size_t max);

#endif
