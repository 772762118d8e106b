/* trigger.c: the stderr trigger of cron mode (see trigger.h). Without
 * patterns the first stderr datagram fires it at once, as cron mode always
 * did; with patterns every stderr record of the line assembler is matched,
 * and the first that matches none fires it. A line too long for one record
 * is judged by its first record: the records that carry it on take the
 * same verdict. */
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "trigger.h"

struct trigger {
	const regex_t *re;
	size_t n;
	struct lines *lines;	/* NULL without patterns */
	bool fired;
	bool ignoring;		/* the last stderr record was ignored */
	char *text;		/* a record's text, NUL-terminated for regexec */
};

static bool ignored(struct trigger *t, const struct record *r)
{
	memcpy(t->text, r->text, r->len);
	t->text[r->len] = '\0';
	for (size_t i = 0; i < t->n; i++)
		if (regexec(&t->re[i], t->text, 0, NULL, 0) == 0)
			return true;
	return false;
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

	t->re = opts->ignore_stderr;
	t->n = opts->nignore;
	if (t->n > 0) {
		t->lines = lines_new(RECORD_MAX_DEFAULT, judge, t);
		t->text = xcalloc(1, RECORD_MAX_DEFAULT + 1, "stderr trigger");
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
		free(t->text);
		free(t);
	}
}
