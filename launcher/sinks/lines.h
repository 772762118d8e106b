/* lines.h: records, and the one line assembler that cuts them.
 *
 * A record is one line of one stream, or a piece of one, with the time of
 * its first byte and the process that wrote it. Every line sink gets the
 * same records, so all of them agree on where lines start and end:
 *   - a line ends at its newline (which is not part of the record's text);
 *   - the piece so far is cut off as a partial record when the other stream
 *     or another process writes before the newline, when nothing has come
 *     for a second (idle), or when the command ends;
 *   - a line longer than the longest record a sink takes is cut into
 *     records of that size: nothing is held whole, memory stays bounded.
 * The record that carries on a cut line is marked continued. */
#ifndef DTEE_LINES_H
#define DTEE_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "sink.h"

/* The longest record, where no line sink asks for less: as long as the
 * longest line the container runtimes' log format keeps whole. */
#define RECORD_MAX_DEFAULT (16 * 1024)

struct record {
	enum stream stream;
	const char *text;	/* the bytes, without the newline */
	size_t len;
	bool complete;		/* the line ended here, with a newline */
	bool continued;		/* carries on a line cut before */
	struct timespec time;	/* when its first byte was written (SINK_TIME) */
	pid_t pid;		/* who wrote it (SINK_PID), else 0 */
};

struct line_sink;

struct line_sink_ops {
	/* One record; the text is valid only during the call. */
	void (*record)(struct line_sink *l, const struct record *r);
	/* The records so far should go out now (end of a batch); may be NULL. */
	void (*flush)(struct line_sink *l);
	/* The run is over (see struct sink_ops); may be NULL. */
	void (*finish)(struct line_sink *l, const struct ending *e);
	/* Close and free. */
	void (*close)(struct line_sink *l);
};

struct line_sink {
	const struct line_sink_ops *ops;
	unsigned needs;		/* SINK_TIME, SINK_PID */
	size_t max_record;	/* the longest record text it takes; 0: no limit of its own */
	bool finish_last;	/* finished after the others, so that its end can
				 * tell what they reported (the annotated logs) */
	const struct timespec *start;	/* when the run started (set by sinks_open) */
};

/* An assembler that calls emit(ctx, record) for each record cut. */
struct lines;
typedef void (*record_fn)(void *ctx, const struct record *r);
struct lines *lines_new(size_t max_record, record_fn emit, void *ctx);
void lines_feed(struct lines *a, const struct batch *b);
/* Cut the piece held so far off as a partial record (idle, end). */
void lines_cut(struct lines *a);
void lines_free(struct lines *a);

/* The sink that feeds line sinks[0..n) (an array it takes over) with
 * records from one assembler. */
struct sink *lines_open(struct line_sink **sinks, size_t n);

#endif
