/* pidfd-exit.h: how a process that is not dtee's child ended, from its
 * pidfd (Linux 6.15 and later). */
#ifndef DTEE_PIDFD_EXIT_H
#define DTEE_PIDFD_EXIT_H

#include <stdbool.h>

/* The wait status of the process of pidfd, which has exited: waits up to
 * wait_ms for its parent to reap it (the kernel keeps the status from
 * then on), then asks the kernel (PIDFD_GET_INFO, PIDFD_INFO_EXIT).
 * Returns false when it cannot be had: *old_kernel then says whether the
 * kernel lacks the request, rather than the process not being reaped. */
bool pidfd_exit_status(int pidfd, int wait_ms, int *status, bool *old_kernel);

#endif
