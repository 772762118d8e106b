/* pidfd-exit.h: how a process that is not dtee's child ended, from its
 * pidfd (Linux 6.15 and later). */
#ifndef DTEE_PIDFD_EXIT_H
#define DTEE_PIDFD_EXIT_H

#include <stdbool.h>

/* The wait status of the process of pidfd, which has exited. The kernel
 * keeps it once the process's parent has reaped it: if it is not there
 * yet, wait up to wait_ms for that (PIDFD_GET_INFO, PIDFD_INFO_EXIT).
 * Returns false when it cannot be had: *old_kernel then says whether the
 * kernel lacks it, rather than the process not being reaped. */
bool pidfd_exit_status(int pidfd, int wait_ms, int *status, bool *old_kernel);

#endif
