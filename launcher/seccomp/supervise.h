/* supervise.h: the optional seccomp supervisor (--seccomp, Linux only).
 * It catches the writes on the command's fds 1 and 2 that no datagram can
 * carry, even from programs LD_PRELOAD cannot reach (static, Go, raw
 * system calls), and sends their data in datagrams that fit. man/dtee.1
 * says what it covers, costs and changes; docs/seccomp.md how it works. */
#ifndef DTEE_SUPERVISE_H
#define DTEE_SUPERVISE_H

#include <stdbool.h>

#include "sockets.h"

struct supervisor;

/* Before fork: check that the kernel can do it and build the filter. NULL
 * (after a one-line "PROG: --seccomp: ..." message) where it cannot; dtee
 * then runs as usual. */
struct supervisor *supervise_prepare(const struct sockets *sk);

/* In the child, before exec, once fds 1 and 2 are the sockets: install the
 * filter (setting no_new_privs unless the child may do without) and hand
 * its listener, or the reason there is none, to dtee. Never fails the
 * child: without a filter the command runs as it would without --seccomp. */
void supervise_child(struct supervisor *sv);

/* In dtee after fork, with every signal blocked: take the listener and
 * serve it in a thread of its own, which sends on sk->out and sk->err (dtee
 * keeps them open). Also starts the heir, a process dtee never waits for
 * that, once dtee is gone, makes the command's writes on fds 1 and 2 fail
 * as on a pipe whose reader died (EPIPE; SIGPIPE for the stopped ones).
 * Then lets the child exec. Says so, once, when the child could not
 * install the filter. */
void supervise_start(struct supervisor *sv);

/* After the command has ended and its output is drained: report the
 * trapped writes that had to be let through unread (non-dumpable
 * processes). The thread itself is left to end with dtee. */
void supervise_finish(struct supervisor *sv);

#endif
