/* trigger.c: the stderr trigger of cron mode (see trigger.h). Without
 * patterns the first stderr datagram fires it at once, as cron mode always
 * did; with patterns every stderr record of the line assembler is matched,
 * and the first that matches none fires it. A line too long for one record
 * is judged by its first record: the records that carry it on take the
 * same verdict. The patterns are matched in a thread of their own
 * (match.c): a stop signal that comes during a slow match fires the
 * trigger, as the report then comes anyway. */
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "match.h"
#include "trigger.h"

struct trigger {
	struct lines *lines;	/* NULL without patterns */
	struct matcher *match;	/* NULL without patterns */
	bool fired;
	bool ignoring;		/* the last stderr record was ignored */
};

/* A record matches a pattern; not if a stop signal ended the match. */
static bool ignored(struct trigger *t, const struct record *r)
{
	return matcher_run(t->match, r->text, r->len) == 1;
}

static void judge(void *ctx, const struct record *r)
{
	struct trigger *t = ctx;

	if (r->stream != STREAM_ERR || t->fired)
		return;
	t->ignoring = r->continued ? t->ignoring : ignored(t, r);
	if (!t->ignoring)
		t->fired = true;
}

struct trigger *trigger_new(const struct options *opts)
{
	struct trigger *t = xcalloc(1, sizeof *t, "stderr trigger");

	if (opts->nignore > 0) {
		t->lines = lines_new(RECORD_MAX_DEFAULT, judge, t);
		t->match = matcher_new(opts->ignore_stderr, opts->nignore, RECORD_MAX_DEFAULT);
	}
	return t;
}

unsigned trigger_needs(const struct trigger *t)
{
	return t->lines ? SINK_IDLE : 0;
}

bool trigger_feed(struct trigger *t, const struct batch *b)
{
	if (t->fired)
		return true;
	if (t->lines) {
		lines_feed(t->lines, b);
		return t->fired;
	}
	for (int j = 0; j < b->n; j++)
		if (b->stream[j] == STREAM_ERR)
			t->fired = true;
	return t->fired;
}

bool trigger_cut(struct trigger *t)
{
	if (t->lines && !t->fired)
		lines_cut(t->lines);
	return t->fired;
}

void trigger_free(struct trigger *t)
{
	if (t) {
		lines_free(t->lines);
		matcher_free(t->match);
		free(t);
	}
}
