/* logqueue.c: the system log sinks' send queue (logqueue.h). */
#include <stdlib.h>

#include "dtee.h"
#include "logqueue.h"

int logqueue_open(struct logqueue *q, const char *name, const char *path, size_t size)
{
	if (logsock_open(&q->sock, name, path) < 0)
		return -1;
	q->arena = xcalloc(1, size, name);
	q->size = size;
	return 0;
}

char *logqueue_room(struct logqueue *q, size_t need)
{
	if (q->n == LOGQUEUE_MAX || q->used + need > q->size)
		logqueue_flush(q);
	return q->arena + q->used;
}

void logqueue_add(struct logqueue *q, size_t len)
{
	q->iov[q->n] = (struct iovec){ q->arena + q->used, len };
	q->msgs[q->n].msg_hdr = (struct msghdr){ .msg_iov = &q->iov[q->n], .msg_iovlen = 1 };
	q->used += len;
	q->n++;
}

void logqueue_flush(struct logqueue *q)
{
	if (q->n > 0)
		logsock_send(&q->sock, q->msgs, q->n);
	q->n = 0;
	q->used = 0;
}

void logqueue_finish(struct logqueue *q)
{
	logqueue_flush(q);
	logsock_report(&q->sock);
}

void logqueue_close(struct logqueue *q)
{
	logsock_close(&q->sock);
	free(q->arena);
	q->arena = NULL;
}

void logqueue_sink_flush(struct line_sink *l)
{
	logqueue_flush(&((struct logqueue_sink *)l)->q);
}

void logqueue_sink_finish(struct line_sink *l, const struct ending *e)
{
	(void)e;
	logqueue_finish(&((struct logqueue_sink *)l)->q);
}

void logqueue_sink_close(struct line_sink *l)
{
	logqueue_close(&((struct logqueue_sink *)l)->q);
	free(l);
}
