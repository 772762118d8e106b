/* lines.c: the line assembler, and the sink that hands its records to the
 * line sinks. Lines that arrive whole in one datagram are handed on where
 * they lie; only a piece whose line has not ended yet is copied, into a
 * buffer of the longest record's size. */
#include <stdlib.h>
#include <string.h>

#include "lines.h"

struct lines {
	record_fn emit;
	void *ctx;
	size_t max;		/* the longest record */
	/* The piece of a line held until it ends or is cut. */
	char *buf;
	size_t len;
	enum stream stream;
	pid_t pid;
	struct timespec time;
	/* Per stream: a line was cut, and the next record of the same writer
	 * carries it on. */
	bool cut[STREAM_BOTH + 1];
	pid_t cut_pid[STREAM_BOTH + 1];
};

struct lines *lines_new(size_t max_record, record_fn emit, void *ctx)
{
	struct lines *a = xcalloc(1, sizeof *a, "line assembler");

	a->emit = emit;
	a->ctx = ctx;
	a->max = max_record ? max_record : RECORD_MAX_DEFAULT;
	a->buf = xcalloc(1, a->max, "line assembler");
	return a;
}

void lines_free(struct lines *a)
{
	if (a) {
		free(a->buf);
		free(a);
	}
}

static void emit(struct lines *a, enum stream s, pid_t pid, const struct timespec *t,
		 const char *text, size_t len, bool complete)
{
	struct record r = {
		.stream = s, .text = text, .len = len, .complete = complete,
		.continued = a->cut[s] && a->cut_pid[s] == pid,
		.time = *t, .pid = pid,
	};

	a->cut[s] = !complete;
	a->cut_pid[s] = pid;
	a->emit(a->ctx, &r);
}

void lines_cut(struct lines *a)
{
	if (a->len == 0)
		return;
	emit(a, a->stream, a->pid, &a->time, a->buf, a->len, false);
	a->len = 0;
}

/* Add len bytes of one writer's line; complete when they end it. */
static void add(struct lines *a, enum stream s, pid_t pid, const struct timespec *t,
		const char *p, size_t len, bool complete)
{
	if (a->len == 0 && len <= a->max) {
		if (complete) {
			emit(a, s, pid, t, p, len, true);
			return;
		}
		if (len == 0)
			return;
	}
	while (len > 0 || complete) {
		if (a->len == 0) {
			a->stream = s;
			a->pid = pid;
			a->time = *t;
		}
		size_t take = a->max - a->len < len ? a->max - a->len : len;
		memcpy(a->buf + a->len, p, take);
		a->len += take;
		p += take;
		len -= take;
		if (len > 0) {
			lines_cut(a);	/* too long: cut, and go on */
			continue;
		}
		if (complete) {
			emit(a, a->stream, a->pid, &a->time, a->buf, a->len, true);
			a->len = 0;
		}
		return;
	}
}

static void feed_one(struct lines *a, enum stream s, pid_t pid, const struct timespec *t,
		     const char *p, size_t len)
{
	if (len == 0)
		return;		/* a write of nothing makes no line */
	if (a->len > 0 && (a->stream != s || a->pid != pid))
		lines_cut(a);
	while (len > 0) {
		const char *nl = memchr(p, '\n', len);
		size_t n = nl ? (size_t)(nl - p) : len;

		add(a, s, pid, t, p, n, nl != NULL);
		if (!nl)
			return;
		p += n + 1;
		len -= n + 1;
	}
}

void lines_feed(struct lines *a, const struct batch *b)
{
	static const struct timespec no_time;

	for (int j = 0; j < b->n; j++)
		feed_one(a, (enum stream)b->stream[j], b->pid ? b->pid[j] : 0,
			 b->time ? &b->time[j] : &no_time,
			 b->data[j].iov_base, b->data[j].iov_len);
}

/* The sink in front of the line sinks. */
struct lines_sink {
	struct sink sink;
	struct lines *lines;
	struct line_sink **l;
	size_t n;
};

static void to_line_sinks(void *ctx, const struct record *r)
{
	struct lines_sink *ls = ctx;

	for (size_t i = 0; i < ls->n; i++)
		ls->l[i]->ops->record(ls->l[i], r);
}

static void flush_all(struct lines_sink *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		if (ls->l[i]->ops->flush)
			ls->l[i]->ops->flush(ls->l[i]);
}

static void lines_sink_write(struct sink *k, const struct batch *b)
{
	struct lines_sink *ls = (struct lines_sink *)k;

	lines_feed(ls->lines, b);
	flush_all(ls);
}

static void lines_sink_idle(struct sink *k)
{
	struct lines_sink *ls = (struct lines_sink *)k;

	lines_cut(ls->lines);
	flush_all(ls);
}

static void lines_sink_finish(struct sink *k, const struct ending *e)
{
	struct lines_sink *ls = (struct lines_sink *)k;

	lines_sink_idle(k);
	for (int last = 0; last <= 1; last++)
		for (size_t i = 0; i < ls->n; i++)
			if (ls->l[i]->finish_last == last && ls->l[i]->ops->finish)
				ls->l[i]->ops->finish(ls->l[i], e);
}

static void lines_sink_close(struct sink *k)
{
	struct lines_sink *ls = (struct lines_sink *)k;

	for (size_t i = 0; i < ls->n; i++)
		ls->l[i]->ops->close(ls->l[i]);
	free(ls->l);
	lines_free(ls->lines);
	free(ls);
}

static const struct sink_ops lines_sink_ops = {
	.write = lines_sink_write,
	.idle = lines_sink_idle,
	.finish = lines_sink_finish,
	.close = lines_sink_close,
};

struct sink *lines_open(struct line_sink **sinks, size_t n)
{
	struct lines_sink *ls = xcalloc(1, sizeof *ls, "line sinks");
	size_t max = 0;

	ls->sink.ops = &lines_sink_ops;
	/* The writer's pid, whatever the line sinks show: a line is cut when
	 * another process writes, and where lines are cut must not depend on
	 * which outputs were asked for. */
	ls->sink.needs = SINK_IDLE | SINK_PID;
	ls->l = sinks;
	ls->n = n;
	for (size_t i = 0; i < n; i++) {
		ls->sink.needs |= sinks[i]->needs;
		if (sinks[i]->max_record && (max == 0 || sinks[i]->max_record < max))
			max = sinks[i]->max_record;
	}
	ls->lines = lines_new(max, to_line_sinks, ls);
	return &ls->sink;
}
