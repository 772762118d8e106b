/* supervise.h: the optional seccomp supervisor (--seccomp, Linux only).
 * It catches the writes on the command's fds 1 and 2 that no datagram can
 * carry, even from programs LD_PRELOAD cannot reach (static, Go, raw
 * system calls), and sends their data in datagrams that fit. */
#ifndef DTEE_SUPERVISE_H
#define DTEE_SUPERVISE_H

#include <stdbool.h>

#include "sockets.h"

struct supervisor;

/* Before fork: NULL (after a one-line message) where the kernel cannot do
 * it; dtee then runs as usual. */
struct supervisor *supervise_prepare(const struct sockets *sk);

/* In the child, before exec, once fds 1 and 2 are the sockets: install the
 * filter and hand its listener to dtee. Falls back to no filter. */
void supervise_child(struct supervisor *sv);

/* In dtee after fork: take the listener and serve it in a thread of its
 * own, which sends on sk->out and sk->err (dtee keeps them open). */
void supervise_start(struct supervisor *sv);

#endif
