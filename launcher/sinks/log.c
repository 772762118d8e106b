/* log.c: the annotated log sink (log.h). Records are rendered into one
 * buffer and the buffer is written once a batch (flush), or when the next
 * record might not fit. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "encode.h"
#include "ending.h"
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
	/* The run, for the start record, written before the first line. */
	char *const *argv;
	pid_t attached;
	bool started;
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

/* TIME O: line, TIME E+ piece of a line that goes on in the next record
 * (or never ended): the record json marks partial and cri P. */
static char *render_text(struct log_sink *g, char *o, const struct record *r)
{
	o = put_time(g, o, &r->time);
	*o++ = ' ';
	*o++ = r->stream == STREAM_ERR ? 'E' : 'O';
	*o++ = r->complete ? ':' : '+';
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

/* A JSON string of bytes that may not be UTF-8: a byte of an invalid
 * sequence is taken as the code point of its value. */
static char *put_json_string(char *o, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	*o++ = '"';
	if (utf8_valid(u, len)) {
		o += json_escape(o, u, len);
	} else {
		for (size_t i = 0; i < len; i++)
			if (u[i] < 0x80)
				o += json_escape(o, u + i, 1);
			else
				o += sprintf(o, "\\u%04x", u[i]);
	}
	*o++ = '"';
	return o;
}

/* dtee's own records, apart from the command's lines: in text
 * "TIME I: TEXT", as annotate-output writes them; in cri the tag "F:dtee";
 * in json an object with "event" (start, message, end) and no "stream". */
static char *put_event_head(struct log_sink *g, char *o, const struct timespec *t, const char *event)
{
	switch (g->format) {
	case LOG_JSON:
		o = PUT_LITERAL(o, "{\"time\":\"");
		o = put_time(g, o, t);
		return o + sprintf(o, "\",\"event\":\"%s\"", event);
	case LOG_CRI:
		o = put_time(g, o, t);
		return PUT_LITERAL(o, " stdout F:dtee ");
	default:
		o = put_time(g, o, t);
		return PUT_LITERAL(o, " I: ");
	}
}

/* Room for one of dtee's own records in the buffer: its text, and the
 * start's argv (words of at most ENDING_TEXT_MAX bytes and quotes and
 * commas, one word per byte at most), each escaped. */
static char *event_room(struct log_sink *g)
{
	if (g->len + TIMEFMT_MAX + LOG_RECORD_EXTRA + 3 * JSON_ESCAPED_MAX(ENDING_TEXT_MAX) > LOG_BUF_SIZE)
		log_flush(&g->line);
	return g->buf + g->len;
}

static void event_done(struct log_sink *g, char *o)
{
	if (g->format == LOG_JSON)
		*o++ = '}';
	*o++ = '\n';
	g->len = (size_t)(o - g->buf);
}

/* A record of dtee's own with its text (and, in json, "text"). */
static void put_event(struct log_sink *g, const struct timespec *t, const char *event,
		      const char *text, size_t len)
{
	char *o = put_event_head(g, event_room(g), t, event);

	if (g->format == LOG_JSON) {
		o = PUT_LITERAL(o, ",\"text\":");
		o = put_json_string(o, text, len);
	} else {
		o = put(o, text, len);
	}
	event_done(g, o);
}

/* The first record: the command line (json: "argv", a list). */
static void put_start(struct log_sink *g)
{
	char text[ENDING_TEXT_MAX];
	size_t len = ending_start_text(text, sizeof text, g->argv, g->attached);

	g->started = true;
	if (g->format != LOG_JSON) {
		put_event(g, g->line.start, "start", text, len);
		return;
	}
	char *o = put_event_head(g, event_room(g), g->line.start, "start");
	if (!g->argv) {
		o += sprintf(o, ",\"attach\":%ld", (long)g->attached);
	} else {
		/* Each word costs its length and one, so that neither long
		 * words nor many empty ones outgrow event_room(). */
		size_t left = ENDING_TEXT_MAX;
		o = PUT_LITERAL(o, ",\"argv\":[");
		for (char *const *w = g->argv; *w && left > 0; w++) {
			size_t n = strlen(*w) < left - 1 ? strlen(*w) : left - 1;
			if (w != g->argv)
				*o++ = ',';
			o = put_json_string(o, *w, n);
			left -= n + 1;
		}
		*o++ = ']';
	}
	o = PUT_LITERAL(o, ",\"text\":");
	o = put_json_string(o, text, len);
	event_done(g, o);
}

/* The last records: dtee's own messages of the run, how the command
 * ended (json: "exit_code" and "exit_status", "signal" or "error"), and
 * the stop signal dtee ends by. */
static void put_end(struct log_sink *g, const struct ending *e)
{
	char text[ENDING_TEXT_MAX];
	struct timespec now;
	size_t len;

	clock_gettime(CLOCK_REALTIME, &now);
	for (size_t i = 0; i < msg_count(); i++)
		put_event(g, &now, "message", msg_kept(i), strlen(msg_kept(i)));
	len = ending_text(text, sizeof text, e);
	if (g->format != LOG_JSON) {
		put_event(g, &now, "end", text, len);
		if ((len = ending_signal_text(text, sizeof text, e)) > 0)
			put_event(g, &now, "signal", text, len);
		return;
	}
	char *o = put_event_head(g, event_room(g), &now, "end");
	const char *code = ending_code(e);
	o += sprintf(o, ",\"exit_code\":\"%s\"", code);
	if (strcmp(code, "exited") == 0)
		o += sprintf(o, ",\"exit_status\":%d", ending_number(e));
	else if (strcmp(code, "killed") == 0 || strcmp(code, "dumped") == 0)
		o += sprintf(o, ",\"signal\":%d", ending_number(e));
	else if (e->exec_errno)
		o += sprintf(o, ",\"error\":\"%s\"", strerror(e->exec_errno));
	if (e->signal)
		o += sprintf(o, ",\"dtee_signal\":%d", e->signal);
	o = PUT_LITERAL(o, ",\"text\":");
	o = put_json_string(o, text, len);
	event_done(g, o);
}

static void log_finish(struct line_sink *l, const struct ending *e)
{
	struct log_sink *g = (struct log_sink *)l;

	if (!g->started)
		put_start(g);
	put_end(g, e);
	log_flush(l);
}

static void log_record(struct line_sink *l, const struct record *r)
{
	struct log_sink *g = (struct log_sink *)l;
	size_t most = TIMEFMT_MAX + LOG_RECORD_EXTRA + JSON_ESCAPED_MAX(r->len);

	if (!g->started)
		put_start(g);
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
	.finish = log_finish,
	.close = log_close,
};

struct line_sink *log_sink_open(const struct output_opt *o, const struct options *opts)
{
	struct outlet out;

	if (!outlet_open(&out, o->path, o->append))
		return NULL;
	struct log_sink *g = xcalloc(1, sizeof *g, "log");
	(void)opts;	/* a log's format is its own (struct output_opt) */
	g->line.ops = &log_ops;
	/* Only json shows the writer: text and cri do not pay for it. */
	g->line.needs = SINK_TIME | (o->log_format == LOG_JSON ? SINK_PID : 0);
	g->line.max_record = LOG_RECORD_MAX;
	g->line.finish_last = true;
	g->out = out;
	g->format = o->log_format;
	if (g->format == LOG_TEXT) {
		const char *spec = o->time_format ? o->time_format : TIMEFMT_LOCAL_RFC3339;
		g->tf = timefmt_new(spec, false);
		g->per_record = strcmp(spec, "delta") == 0;
	} else {
		g->tf = timefmt_utc_ns();
	}
	g->buf = xcalloc(1, LOG_BUF_SIZE, "log");
	g->argv = opts->command;
	g->attached = opts->attach;
	return &g->line;
}
