/* trigger.h: cron mode's stderr trigger. It decides when the command has
 * written to stderr something that calls for a report: any stderr byte,
 * or, with --ignore-stderr, a stderr line that matches none of the
 * patterns. Lines are cut by the shared line assembler (lines.h), so a
 * line is judged whole however many writes made it: at its newline, or
 * where the assembler cuts it (the other stream or another process writes,
 * a second of silence, the end of the run). */
#ifndef DTEE_TRIGGER_H
#define DTEE_TRIGGER_H

#include <stdbool.h>

#include "sink.h"

struct trigger;

/* The trigger of opts' --ignore-stderr patterns (none: any stderr). */
struct trigger *trigger_new(const struct options *opts);
/* Whether it needs idle() calls to cut lines (enum sink_needs bits). */
unsigned trigger_needs(const struct trigger *t);
/* Take a batch; true once the trigger has fired. */
bool trigger_feed(struct trigger *t, const struct batch *b);
/* Judge the piece of a line held so far (idle, end); true once fired. */
bool trigger_cut(struct trigger *t);
void trigger_free(struct trigger *t);

#endif
