/* syslog.c: --syslog: each line as one message to the local syslog socket
 * (/dev/log), in the form local senders use there (glibc's syslog(3),
 * logger(1)): RFC 3164 without the hostname,
 *	<PRI>Mmm dd hh:mm:ss IDENT[PID]: TEXT
 * which rsyslog (imuxsock), syslog-ng (unix-dgram, system()) and journald
 * (dev-log) all parse. RFC 5424 is not used: on /dev/log neither journald
 * nor syslog-ng's default source reads it. PRI is facility * 8 + the
 * stream's priority; PID is the process that wrote the line; the time is
 * when it was written, in local time.
 *
 * At the end, one message of dtee's own says how the run ended
 * (syslog_end), as the text log's last record does.
 *
 * Lines of a batch are sent together with one sendmmsg(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ending.h"
#include "logqueue.h"
#include "logsinks.h"

/* rsyslog reads at most 8096 bytes of a message unless its maxMessageSize
 * is raised (syslog-ng: 64 KiB, journald more): a header and its text
 * stay within that. The header is at most SYSLOG_HEADER_MAX bytes, with the
 * identifier cut at SYSLOG_IDENT_MAX. */
#define SYSLOG_MESSAGE_MAX 8096
#define SYSLOG_HEADER_MAX 128
#define SYSLOG_IDENT_MAX 64
/* Bytes held for one sendmmsg(). */
#define ARENA_SIZE (LOGQUEUE_MAX * 1024 + SYSLOG_MESSAGE_MAX)

struct syslog_sink {
	struct logqueue_sink k;	/* first: the line sink and its queue */
	int facility;
	int priority[2];
	char ident[SYSLOG_IDENT_MAX + 1];
	/* The last second rendered, and its "Mmm dd hh:mm:ss". */
	time_t stamp_sec;
	char stamp[32];
};

static const char *stamp(struct syslog_sink *s, time_t sec)
{
	struct tm tm;

	if (sec != s->stamp_sec || s->stamp[0] == '\0') {
		s->stamp_sec = sec;
		if (!localtime_r(&sec, &tm) || strftime(s->stamp, sizeof s->stamp, "%b %e %H:%M:%S", &tm) == 0)
			strcpy(s->stamp, "Jan  1 00:00:00");
	}
	return s->stamp;
}

static void syslog_record(struct line_sink *l, const struct record *r)
{
	struct syslog_sink *s = (struct syslog_sink *)l;
	int prio = s->facility * 8 + s->priority[r->stream == STREAM_ERR];
	char pid[24] = "";
	int hlen;
	char *p;

	if (r->pid > 0)
		snprintf(pid, sizeof pid, "[%ld]", (long)r->pid);
	p = logqueue_room(&s->k.q, SYSLOG_HEADER_MAX + r->len);
	hlen = snprintf(p, SYSLOG_HEADER_MAX, "<%d>%s %s%s: ", prio, stamp(s, r->time.tv_sec), s->ident, pid);
	if (hlen < 0 || hlen >= SYSLOG_HEADER_MAX)
		hlen = SYSLOG_HEADER_MAX - 1;
	memcpy(p + hlen, r->text, r->len);
	logqueue_add(&s->k.q, (size_t)hlen + r->len);
}

/* The end of the run as a message of its own, from dtee's pid, with the
 * stdout priority when the command exited 0, else the stderr one. */
static void syslog_end(struct syslog_sink *s, const struct ending *e)
{
	char text[ENDING_TEXT_MAX];
	bool ok = strcmp(ending_code(e), "exited") == 0 && ending_number(e) == 0 && !e->signal;
	size_t len = ending_text(text, sizeof text, e);
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	syslog_record(&s->k.lines, &(struct record){
		.stream = ok ? STREAM_OUT : STREAM_ERR,
		.text = text,
		.len = len,
		.complete = true,
		.time = now,
		.pid = getpid(),
	});
}

static void syslog_finish(struct line_sink *l, const struct ending *e)
{
	syslog_end((struct syslog_sink *)l, e);
	logqueue_sink_finish(l, e);
}

static const struct line_sink_ops syslog_ops = {
	.record = syslog_record,
	.flush = logqueue_sink_flush,
	.finish = syslog_finish,
	.close = logqueue_sink_close,
};

/* The identifier as receivers parse it: it ends at white space, ':' or
 * '[', so those become '_'. */
static void set_ident(struct syslog_sink *s, const char *ident)
{
	size_t n = syslog_ident_len(ident, SYSLOG_IDENT_MAX);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)ident[i];
		s->ident[i] = c <= ' ' || c == ':' || c == '[' || c == ']' || c == 0x7f ? '_' : (char)c;
	}
	s->ident[n] = '\0';
}

struct line_sink *syslog_sink_open(const struct output_opt *o, const struct options *opts)
{
	struct syslog_sink *s = xcalloc(1, sizeof *s, "syslog");

	if (logqueue_open(&s->k.q, "syslog", o->path, ARENA_SIZE) < 0) {
		free(s);
		return NULL;
	}
	s->k.lines = (struct line_sink){
		.ops = &syslog_ops,
		.needs = SINK_TIME | SINK_PID,
		.max_record = SYSLOG_MESSAGE_MAX - SYSLOG_HEADER_MAX,
	};
	s->facility = opts->log.facility;
	s->priority[0] = opts->log.priority[0];
	s->priority[1] = opts->log.priority[1];
	set_ident(s, syslog_ident(opts));
	return &s->k.lines;
}
