/* collector.h: receive the command's datagrams and copy them out, in the
 * order they were sent. */
#ifndef DTEE_COLLECTOR_H
#define DTEE_COLLECTOR_H

#include <sys/types.h>

#include "cron.h"
#include "sinks.h"
#include "sockets.h"

/* Run until child has ended and everything sent before that is copied.
 * Returns child's wait status. In cron mode a stop signal ends dtee here
 * (cron_die). */
int collect(const struct sockets *sk, struct sinks *sinks, struct cron *cron, pid_t child);

/* dtee --attach: run until the attached process ends, or a stop signal
 * comes and the process's own fds are put back (attach_detach); then copy
 * what was queued. Returns -1 if the fds could not be put back. */
struct attach;
int collect_attached(const struct sockets *sk, struct sinks *sinks, struct attach *a);

#endif
