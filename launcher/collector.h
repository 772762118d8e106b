/* collector.h: receive the command's datagrams and hand them to the sinks,
 * in the order they were sent. */
#ifndef DTEE_COLLECTOR_H
#define DTEE_COLLECTOR_H

#include <stdbool.h>
#include <sys/types.h>

#include "sinks/sink.h"
#include "sockets.h"

/* Run until child has ended and everything sent before that has been
 * handed on, or until a stop signal: then everything queued is handed on
 * first. Fills in e->ended and e->status (child's wait status), and
 * e->signal. */
void collect(const struct sockets *sk, struct sinks *sinks, pid_t child, struct ending *e);

/* The steps collect() is made of, for another loop (dtee --attach's,
 * attached.c). */
struct collector;
struct collector *collector_new(const struct sockets *sk, struct sinks *sinks);
/* Wait for one batch and hand it on; after a second of silence, tell the
 * sinks that want to know. */
void collector_step(struct collector *c);
/* Hand on everything queued before now: send the end marker behind it and
 * collect up to the marker. */
void collector_drain(struct collector *c);
void collector_free(struct collector *c);

#endif
