/* log.h: annotated logs (-l -L): both streams, one record a line, each
 * with its time and stream, as text, JSON Lines or the CRI log format. */
#ifndef DTEE_LOG_H
#define DTEE_LOG_H

#include "lines.h"

/* Open the log o in the format opts asks for; reports a failure to open
 * and returns NULL. */
struct line_sink *log_sink_open(const struct output_opt *o, const struct options *opts);

#endif
