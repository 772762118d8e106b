/* logsock.h: a datagram connection to a system log receiver (journald's
 * socket, /dev/log) that never blocks dtee for long and never kills it.
 *
 * Sends are non-blocking. A full receive queue (EAGAIN) is waited out with
 * poll(); a receiver gone (ECONNREFUSED: its socket closed; ENOENT: no
 * socket) is reconnected to by path, as after a restart. Either is retried
 * for LOGSOCK_STALL_MS without progress; then the messages in hand are
 * counted as not delivered and the connection is taken as down: later
 * messages are tried once, without waiting, until one gets through. The
 * count is reported once, at the end, and makes dtee exit 74. */
#ifndef DTEE_LOGSOCK_H
#define DTEE_LOGSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <time.h>

/* How long a receiver may make no progress before messages are dropped:
 * long enough for a daemon's restart, short enough not to hold the
 * command's output up for long. */
#define LOGSOCK_STALL_MS 2000
/* While down, a reconnect is tried at most this often. */
#define LOGSOCK_RECONNECT_MS 100

struct logsock {
	int fd;			/* -1 while not connected */
	const char *name;	/* "journal", "syslog": for messages */
	const char *path;
	bool down;		/* stalled too long: try once, do not wait */
	struct timespec next_connect;	/* while down and not connected */
	unsigned long lost;	/* messages not delivered */
	int err;		/* why the first of them was not */
};

/* Connect to path; on failure say "PROG: NAME: PATH: why" and return -1. */
int logsock_open(struct logsock *s, const char *name, const char *path);

/* Deliver m[0..n) in order, as far as the receiver lets us (see above). */
void logsock_send(struct logsock *s, struct mmsghdr *m, unsigned n);

/* Count messages as not delivered, for why. */
void logsock_lose(struct logsock *s, unsigned long n, int why);

/* The largest datagram the connection can send, or 0 if unknown. */
size_t logsock_max_dgram(const struct logsock *s);

/* Report the messages not delivered, once: "PROG: NAME: N lines not
 * delivered: why". */
void logsock_report(struct logsock *s);

void logsock_close(struct logsock *s);

#endif
