/* journal.c: --journal: each line as one entry of the systemd journal, in
 * journald's native protocol (systemd's "Native Journal Protocol"): a
 * datagram of fields to /run/systemd/journal/socket, each field either
 *	KEY=VALUE\n
 * or, when the value holds a newline or another control byte,
 *	KEY\n <length: 64 bits, little-endian> VALUE \n
 * An entry too large for one datagram is written to a memfd, sealed, and
 * the descriptor alone is sent (SCM_RIGHTS), as the protocol says.
 *
 * The fields, in this order: PRIORITY, SYSLOG_IDENTIFIER, SYSLOG_PID (the
 * process that wrote the line), DTEE_STREAM (stdout or stderr),
 * DTEE_TIMESTAMP (when the line was written, in microseconds since the
 * epoch: journald stamps entries when it receives them), DTEE_PARTIAL=1
 * when the line did not end here, DTEE_CONTINUED=1 when the entry carries
 * on a line cut before, and MESSAGE (the line, without its newline).
 *
 * At the end, one entry of dtee's own says how the run ended (journal_end).
 *
 * Entries of a batch are sent together with one sendmmsg(). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ending.h"
#include "io.h"
#include "logqueue.h"
#include "logsinks.h"

/* journald takes entries of hundreds of MiB; lines are cut at 1 MiB so
 * that dtee's memory stays small. */
#define JOURNAL_RECORD_MAX (1024 * 1024)
/* Room for every field but MESSAGE's text. */
#define JOURNAL_FIELDS_MAX 512
#define JOURNAL_IDENT_MAX 128
/* Bytes held for one sendmmsg(). */
#define ARENA_SIZE (LOGQUEUE_MAX * 1024 + JOURNAL_RECORD_MAX + JOURNAL_FIELDS_MAX)

struct journal_sink {
	struct logqueue_sink k;	/* first: the line sink and its queue */
	size_t dgram_max;	/* larger entries go through a memfd */
	int priority[2];
	char ident[JOURNAL_IDENT_MAX + 1];
};

static bool needs_binary(const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)v[i] < ' ' && v[i] != '\t')
			return true;
	return false;
}

/* Append one field at p; returns the end. */
static char *field(char *p, const char *key, const char *v, size_t len)
{
	size_t klen = strlen(key);

	memcpy(p, key, klen);
	p += klen;
	if (needs_binary(v, len)) {
		uint64_t n = len;
		*p++ = '\n';
		for (int i = 0; i < 8; i++)
			*p++ = (char)(n >> (8 * i) & 0xff);
	} else {
		*p++ = '=';
	}
	memcpy(p, v, len);
	p += len;
	*p++ = '\n';
	return p;
}

static char *field_str(char *p, const char *key, const char *v)
{
	return field(p, key, v, strlen(v));
}

static char *field_num(char *p, const char *key, long long v)
{
	char num[24];

	snprintf(num, sizeof num, "%lld", v);
	return field_str(p, key, num);
}

/* The entry of record r at p; returns its end. */
static char *render(const struct journal_sink *s, char *p, const struct record *r)
{
	static const char *const prio_names[] = { "0", "1", "2", "3", "4", "5", "6", "7" };

	p = field_str(p, "PRIORITY", prio_names[s->priority[r->stream == STREAM_ERR] & 7]);
	p = field_str(p, "SYSLOG_IDENTIFIER", s->ident);
	if (r->pid > 0)
		p = field_num(p, "SYSLOG_PID", r->pid);
	p = field_str(p, "DTEE_STREAM", r->stream == STREAM_ERR ? "stderr" : "stdout");
	p = field_num(p, "DTEE_TIMESTAMP", (long long)r->time.tv_sec * 1000000 + r->time.tv_nsec / 1000);
	if (!r->complete)
		p = field_str(p, "DTEE_PARTIAL", "1");
	if (r->continued)
		p = field_str(p, "DTEE_CONTINUED", "1");
	return field(p, "MESSAGE", r->text, r->len);
}

/* Send an entry too large for a datagram: its descriptor, sealed so that
 * journald can map it safely. */
static void send_memfd(struct journal_sink *s, const char *entry, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct mmsghdr m = { .msg_hdr = { .msg_control = control.buf, .msg_controllen = sizeof control.buf } };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m.msg_hdr);
	int fd = memfd_create("dtee-journal-entry", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0 || write_full(fd, entry, len) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		logsock_lose(&s->k.q.sock, 1, errno);
	} else {
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
		logsock_send(&s->k.q.sock, &m, 1);
	}
	if (fd >= 0)
		close(fd);
}

static void journal_record(struct line_sink *l, const struct record *r)
{
	struct journal_sink *s = (struct journal_sink *)l;
	size_t room = JOURNAL_FIELDS_MAX + 2 * JOURNAL_IDENT_MAX + r->len;
	char *p, *end;

	p = logqueue_room(&s->k.q, room);
	end = render(s, p, r);
	if (s->dgram_max && (size_t)(end - p) > s->dgram_max) {
		logqueue_flush(&s->k.q);	/* the entries before it go first */
		send_memfd(s, p, (size_t)(end - p));
		return;
	}
	logqueue_add(&s->k.q, (size_t)(end - p));
}

/* The end of the run as an entry of its own, sent by dtee (SYSLOG_PID):
 * DTEE_EVENT=end, EXIT_CODE (exited, killed, dumped, not-run, running),
 * EXIT_STATUS (the exit status, or the signal that killed it), DTEE_ERROR
 * (why it could not run), DTEE_SIGNAL (the stop signal dtee ends by), and
 * MESSAGE as the text log's last record says it. */
static void journal_end(struct journal_sink *s, const struct ending *e)
{
	static const char *const prio_names[] = { "0", "1", "2", "3", "4", "5", "6", "7" };
	char text[ENDING_TEXT_MAX];
	size_t len = ending_text(text, sizeof text, e);
	const char *code = ending_code(e);
	bool ok = strcmp(code, "exited") == 0 && ending_number(e) == 0 && !e->signal;
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	char *p = logqueue_room(&s->k.q, JOURNAL_FIELDS_MAX + 2 * JOURNAL_IDENT_MAX + sizeof text), *end = p;
	end = field_str(end, "PRIORITY", prio_names[s->priority[!ok] & 7]);
	end = field_str(end, "SYSLOG_IDENTIFIER", s->ident);
	end = field_num(end, "SYSLOG_PID", getpid());
	end = field_str(end, "DTEE_EVENT", "end");
	end = field_num(end, "DTEE_TIMESTAMP", (long long)now.tv_sec * 1000000 + now.tv_nsec / 1000);
	end = field_str(end, "EXIT_CODE", code);
	if (e->exec_errno)
		end = field_str(end, "DTEE_ERROR", strerror(e->exec_errno));
	else if (ending_number(e) >= 0)
		end = field_num(end, "EXIT_STATUS", ending_number(e));
	if (e->signal)
		end = field_num(end, "DTEE_SIGNAL", e->signal);
	end = field(end, "MESSAGE", text, len);
	logqueue_add(&s->k.q, (size_t)(end - p));
}

static void journal_finish(struct line_sink *l, const struct ending *e)
{
	journal_end((struct journal_sink *)l, e);
	logqueue_sink_finish(l, e);
}

static const struct line_sink_ops journal_ops = {
	.record = journal_record,
	.flush = logqueue_sink_flush,
	.finish = journal_finish,
	.close = logqueue_sink_close,
};

struct line_sink *journal_sink_open(const struct output_opt *o, const struct options *opts)
{
	struct journal_sink *s = xcalloc(1, sizeof *s, "journal");
	const char *ident = syslog_ident(opts);
	size_t n = syslog_ident_len(ident, JOURNAL_IDENT_MAX);

	if (logqueue_open(&s->k.q, "journal", o->path, ARENA_SIZE) < 0) {
		free(s);
		return NULL;
	}
	s->k.lines = (struct line_sink){
		.ops = &journal_ops,
		.needs = SINK_TIME | SINK_PID,
		.max_record = JOURNAL_RECORD_MAX,
	};
	s->dgram_max = logsock_max_dgram(&s->k.q.sock);
	s->priority[0] = opts->log.priority[0];
	s->priority[1] = opts->log.priority[1];
	memcpy(s->ident, ident, n);
	return &s->k.lines;
}
