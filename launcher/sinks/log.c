/* log.c: the annotated log sink (log.h). Records are rendered into one
 * buffer and the buffer is written once a batch (flush), or when the next
 * record might not fit. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "encode.h"
#include "log.h"
#include "outlet.h"
#include "timefmt.h"

/* The longest record text a log takes, and the buffer that holds at least
 * one record however it is escaped. */
#define LOG_RECORD_MAX RECORD_MAX_DEFAULT
#define LOG_BUF_SIZE (256 * 1024)
/* What a record may add around its time and text. */
#define LOG_RECORD_EXTRA 128

struct log_sink {
	struct line_sink line;
	struct outlet out;
	enum log_format format;
	struct timefmt *tf;
	bool per_record;	/* the time depends on more than the record's own (delta) */
	/* The last time rendered, for the records of one write, which share it. */
	bool have_time;
	struct timespec time;
	size_t time_len;
	char time_text[TIMEFMT_MAX];
	char *buf;
	size_t len;
};

static void log_flush(struct line_sink *l)
{
	struct log_sink *g = (struct log_sink *)l;
	struct iovec iov = { g->buf, g->len };

	if (g->len > 0)
		outlet_writev(&g->out, &iov, 1);
	g->len = 0;
}

static char *put(char *o, const char *s, size_t len)
{
	memcpy(o, s, len);
	return o + len;
}

#define PUT_LITERAL(o, s) put((o), (s), sizeof(s) - 1)

static char *put_time(struct log_sink *g, char *o, const struct timespec *t)
{
	if (g->per_record || !g->have_time || g->time.tv_sec != t->tv_sec ||
	    g->time.tv_nsec != t->tv_nsec) {
		g->time_len = timefmt_render(g->tf, t, g->line.start, g->time_text);
		g->time = *t;
		g->have_time = true;
	}
	return put(o, g->time_text, g->time_len);
}

static char *put_pid(char *o, pid_t pid)
{
	char tmp[24];
	size_t n = 0;
	unsigned long v = pid > 0 ? (unsigned long)pid : 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n > 0)
		*o++ = tmp[--n];
	return o;
}

/* TIME O: line, TIME E+ rest of a cut line */
static char *render_text(struct log_sink *g, char *o, const struct record *r)
{
	o = put_time(g, o, &r->time);
	*o++ = ' ';
	*o++ = r->stream == STREAM_ERR ? 'E' : 'O';
	*o++ = r->continued ? '+' : ':';
	*o++ = ' ';
	return put(o, r->text, r->len);
}

/* TIME stdout F line, P when the line goes on in the next record */
static char *render_cri(struct log_sink *g, char *o, const struct record *r)
{
	o = put_time(g, o, &r->time);
	o = r->stream == STREAM_ERR ? PUT_LITERAL(o, " stderr ") : PUT_LITERAL(o, " stdout ");
	*o++ = r->complete ? 'F' : 'P';
	*o++ = ' ';
	return put(o, r->text, r->len);
}

/* {"time":"...","stream":"stdout","pid":N,"partial":false,"text":"..."},
 * "base64" instead of "text" for bytes that are not UTF-8 or hold a NUL. */
static char *render_json(struct log_sink *g, char *o, const struct record *r)
{
	const unsigned char *s = (const unsigned char *)r->text;

	o = PUT_LITERAL(o, "{\"time\":\"");
	o = put_time(g, o, &r->time);
	o = r->stream == STREAM_ERR ? PUT_LITERAL(o, "\",\"stream\":\"stderr\",\"pid\":")
				    : PUT_LITERAL(o, "\",\"stream\":\"stdout\",\"pid\":");
	o = put_pid(o, r->pid);
	o = r->complete ? PUT_LITERAL(o, ",\"partial\":false,") : PUT_LITERAL(o, ",\"partial\":true,");
	/* NUL is valid UTF-8, but many readers of JSON cannot hold it. */
	if (utf8_valid(s, r->len) && !memchr(s, '\0', r->len)) {
		o = PUT_LITERAL(o, "\"text\":\"");
		o += json_escape(o, s, r->len);
	} else {
		o = PUT_LITERAL(o, "\"base64\":\"");
		o += base64_encode(o, s, r->len);
	}
	return PUT_LITERAL(o, "\"}");
}

static void log_record(struct line_sink *l, const struct record *r)
{
	struct log_sink *g = (struct log_sink *)l;
	size_t most = TIMEFMT_MAX + LOG_RECORD_EXTRA + JSON_ESCAPED_MAX(r->len);

	if (g->len + most > LOG_BUF_SIZE)
		log_flush(l);
	char *o = g->buf + g->len;
	switch (g->format) {
	case LOG_JSON: o = render_json(g, o, r); break;
	case LOG_CRI: o = render_cri(g, o, r); break;
	default: o = render_text(g, o, r); break;
	}
	*o++ = '\n';
	g->len = (size_t)(o - g->buf);
}

static void log_close(struct line_sink *l)
{
	struct log_sink *g = (struct log_sink *)l;

	log_flush(l);
	outlet_close(&g->out);
	timefmt_free(g->tf);
	free(g->buf);
	free(g);
}

static const struct line_sink_ops log_ops = {
	.record = log_record,
	.flush = log_flush,
	.close = log_close,
};

struct line_sink *log_sink_open(const struct output_opt *o, const struct options *opts)
{
	struct outlet out;

	if (!outlet_open(&out, o->path, o->append))
		return NULL;
	struct log_sink *g = xcalloc(1, sizeof *g, "log");
	g->line.ops = &log_ops;
	/* Only json shows the writer: text and cri do not pay for it. */
	g->line.needs = SINK_TIME | (opts->log_format == LOG_JSON ? SINK_PID : 0);
	g->line.max_record = LOG_RECORD_MAX;
	g->out = out;
	g->format = opts->log_format;
	if (g->format == LOG_TEXT) {
		const char *spec = opts->time_format ? opts->time_format : TIMEFMT_LOCAL_RFC3339;
		g->tf = timefmt_new(spec, false);
		g->per_record = strcmp(spec, "delta") == 0;
	} else {
		g->tf = timefmt_utc_ns();
	}
	g->buf = xcalloc(1, LOG_BUF_SIZE, "log");
	return &g->line;
}
