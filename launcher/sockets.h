/* sockets.h: the datagram sockets that keep the command's output in order. */
#ifndef DTEE_SOCKETS_H
#define DTEE_SOCKETS_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Where a datagram came from. */
enum source {
	SOURCE_FOREIGN = 0,	/* anyone else: dropped */
	SOURCE_OUT = 1,		/* the command's stdout (STREAM_OUT) */
	SOURCE_ERR = 2,		/* the command's stderr (STREAM_ERR) */
	SOURCE_CTL = 3,		/* dtee's own wake-up from a signal handler */
};

struct sockets {
	int in;			/* bound; the one receive queue dtee reads */
	int out, err;		/* bound, connected to in; the command's fd 1 and 2 */
	int ctl;		/* bound, connected to in, non-blocking; signal wake-ups */
	size_t max_dgram;	/* the largest datagram out and err can send */
	struct sockaddr_un addr[4];	/* indexed by enum source */
	socklen_t addr_len[4];
};

/* Create the sockets in a private directory under $TMPDIR (else /tmp), then
 * remove their names and the directory. On failure prints why and returns
 * -1. */
int sockets_create(struct sockets *s);

/* Which of our sockets sent a datagram from this address. */
static inline enum source sockets_source(const struct sockets *s,
					 const struct sockaddr_un *a, socklen_t len)
{
	for (int i = SOURCE_OUT; i <= SOURCE_CTL; i++) {
		if (len == s->addr_len[i] &&
		    __builtin_memcmp(a->sun_path, s->addr[i].sun_path,
				     len - offsetof(struct sockaddr_un, sun_path)) == 0)
			return (enum source)i;
	}
	return SOURCE_FOREIGN;
}

#endif
