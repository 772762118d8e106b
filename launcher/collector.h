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

/* dtee --attach: run until the attached process ends, or a stop signal
 * comes and the process's own fds are put back (attach_detach); then copy
 * what was queued. Returns -1 if the fds could not be put back. */
struct attach;
int collect_attached(const struct sockets *sk, struct sinks *sinks, struct attach *a);

#endif
