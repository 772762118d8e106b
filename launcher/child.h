/* child.h: starting the command. */
#ifndef DTEE_CHILD_H
#define DTEE_CHILD_H

#include <sys/types.h>

#include "dtee.h"
#include "options.h"
#include "sockets.h"
#include "seccomp/supervise.h"

/* The absolute path of libdtee.so to inject, or NULL (with a warning) when
 * it cannot be found or cannot go into LD_PRELOAD. */
const char *child_find_preload(void);

/* Fork and exec the command with sk->out and sk->err as fds 1 and 2 and
 * preload (if not NULL) added to LD_PRELOAD, under the supervisor sv (if not
 * NULL). Returns the pid; exits 71 if
 * fork fails. A command that cannot be executed is reported by the child
 * on its stderr socket, in order, and the child exits 66. */
pid_t child_start(const struct options *opts, const struct sockets *sk, const char *preload,
		  struct supervisor *sv);

/* How the command's stdout is buffered (buffering.c): 0 for its own
 * buffering (--keep-buffering), 'L' for line-buffered (someone watches, a
 * sink stamps lines with their time, --line-buffering), 'F' for its own
 * buffering, flushed before anything it writes to stderr. Asked in dtee,
 * before fds 1 and 2 become the sockets. */
char buffering_mode(const struct options *opts);

/* In the child: the environment that asks for mode (libdtee.so's private
 * variable, the Python and Perl hooks), or clears it for 0. */
void buffering_setup(char mode);

/* Once the child has ended: the errno of the exec that failed, or 0 if the
 * command ran. */
int child_exec_errno(void);

#endif
