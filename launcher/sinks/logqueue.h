/* logqueue.h: the send queue of the system log sinks (journal.c,
 * syslog.c): messages rendered into one arena and sent together, one
 * sendmmsg() a batch, on a logsock. */
#ifndef DTEE_LOGQUEUE_H
#define DTEE_LOGQUEUE_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "lines.h"
#include "logsock.h"

/* Messages held for one sendmmsg(). */
#define LOGQUEUE_MAX 64

struct logqueue {
	struct logsock sock;
	unsigned n;		/* messages waiting */
	size_t used, size;	/* bytes of the arena they fill, and its size */
	char *arena;
	struct mmsghdr msgs[LOGQUEUE_MAX];
	struct iovec iov[LOGQUEUE_MAX];
};

/* Connect to path (logsock_open: on failure it says why, and -1) with an
 * arena of size bytes. */
int logqueue_open(struct logqueue *q, const char *name, const char *path, size_t size);

/* Where the next message goes, with room for need bytes (at most the
 * arena's size less a full queue's worth): what is queued is sent first
 * when it would not fit. */
char *logqueue_room(struct logqueue *q, size_t need);

/* Queue the len bytes written at logqueue_room(). */
void logqueue_add(struct logqueue *q, size_t len);

/* Send what is queued. The arena's bytes stay where they are until the
 * next logqueue_room(). */
void logqueue_flush(struct logqueue *q);

/* Send what is queued and report what was lost (logsock_report). */
void logqueue_finish(struct logqueue *q);

void logqueue_close(struct logqueue *q);

/* The head of a system log sink, and the line sink operations both share:
 * flush, finish (flush, then report what was lost) and close (which frees
 * the sink: logqueue_sink must be its first member). */
struct logqueue_sink {
	struct line_sink lines;
	struct logqueue q;
};
void logqueue_sink_flush(struct line_sink *l);
void logqueue_sink_finish(struct line_sink *l, const struct ending *e);
void logqueue_sink_close(struct line_sink *l);

#endif
