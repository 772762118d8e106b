/* closefds.c: close_range(2), or its fallback. Linux only. The system
 * call by number: musl declares no close_range() wrapper, and glibc's
 * fails with ENOSYS on kernels before 5.9. */
#include <sys/syscall.h>
#include <unistd.h>

#include "closefds.h"

#ifndef SYS_close_range
#define SYS_close_range 436	/* the same on every architecture but alpha */
#endif
/* The fallback closes up to the fd limit, or this where it cannot be read. */
#define USUAL_FD_LIMIT 1024

void close_fds(unsigned lo, unsigned hi)
{
	long max;

	if (lo > hi || syscall(SYS_close_range, lo, hi, 0) == 0)
		return;
	max = sysconf(_SC_OPEN_MAX);
	if (max <= 0)
		max = USUAL_FD_LIMIT;
	for (unsigned fd = lo; fd <= hi && fd < (unsigned long)max; fd++)
		close((int)fd);
}
