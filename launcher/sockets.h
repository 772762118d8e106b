/* sockets.h: the datagram sockets that keep the command's output in order. */
#ifndef DTEE_SOCKETS_H
#define DTEE_SOCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "dtee.h"

/* dtee's sockets. The command's two are numbered by their stream, so the
 * sender of a datagram gives its stream directly. */
enum sock {
	SOCK_IN = 0,		/* bound; the one receive queue dtee reads */
	SOCK_OUT = STREAM_OUT,	/* bound, connected to in; the command's fd 1 */
	SOCK_ERR = STREAM_ERR,	/* bound, connected to in; the command's fd 2 */
	SOCK_CTL = 3,		/* bound, connected to in, non-blocking; wake-ups */
	SOCK_RELAY_OUT,		/* bound, connected to in; the supervisor's, for the */
	SOCK_RELAY_ERR,		/* command's stdout and stderr (--seccomp only) */
	SOCK_RELAY_WHO,		/* bound, connected to in; the supervisor's: the
				 * writer of what follows on the two above */
	NSOCKS,
	SOCK_FOREIGN = -1,	/* a sender that is none of these: ignored */
};

/* The stream of a datagram from one of the senders. The supervisor sends
 * on sockets of its own, never on the command's: those the command could
 * connect elsewhere, and dtee would send there as itself. */
static inline unsigned sock_stream(enum sock s)
{
	return s == SOCK_RELAY_OUT ? STREAM_OUT : s == SOCK_RELAY_ERR ? STREAM_ERR : (unsigned)s;
}

struct sockets {
	int in, out, err, ctl;	/* as above */
	int relay_out, relay_err, relay_who;	/* as above, or -1 */
	unsigned needs;		/* what the kernel records (enum sink_needs) */
	size_t max_dgram;	/* the largest datagram out and err can send */
	struct sockaddr_un addr[NSOCKS];
	socklen_t addr_len[NSOCKS];
};

/* Create the sockets in a private directory under $TMPDIR (else /tmp), then
 * remove their names and the directory. needs (enum sink_needs) says what
 * the kernel should record of each datagram: its time, its writer; relay
 * asks for the supervisor's three. On failure prints why and returns -1. */
int sockets_create(struct sockets *s, unsigned needs, bool relay);

/* dtee is going: every later write to the command's sockets, by anyone
 * still holding them, fails with EPIPE, as a write to a pipe whose reader
 * has gone (libdtee.so adds the SIGPIPE). */
void sockets_hang_up(const struct sockets *s);

/* Which of our sockets sent a datagram from this address. */
static inline enum sock sockets_sender(const struct sockets *s,
				       const struct sockaddr_un *a, socklen_t len)
{
	for (int i = SOCK_OUT; i < NSOCKS; i++) {
		if (len == s->addr_len[i] &&
		    __builtin_memcmp(a->sun_path, s->addr[i].sun_path,
				     len - offsetof(struct sockaddr_un, sun_path)) == 0)
			return (enum sock)i;
	}
	return SOCK_FOREIGN;
}

#endif
