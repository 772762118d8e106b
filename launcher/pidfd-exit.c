/* pidfd-exit.c: a process's exit status through its pidfd (pidfd-exit.h).
 * The request and its structure are those of <linux/pidfd.h> since Linux
 * 6.15, defined here for older headers. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "pidfd-exit.h"

#ifndef PIDFD_INFO_EXIT
#define PIDFD_INFO_EXIT (1UL << 3)
#endif

/* struct pidfd_info, version 0 (64 bytes); the kernel fills in what it
 * knows and says which in mask. */
struct dtee_pidfd_info {
	uint64_t mask;
	uint64_t cgroupid;
	uint32_t pid, tgid, ppid;
	uint32_t ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	int32_t exit_code;	/* the wait status */
};

#define DTEE_PIDFS_IOCTL_MAGIC 0xFF
#define DTEE_PIDFD_GET_INFO _IOWR(DTEE_PIDFS_IOCTL_MAGIC, 11, struct dtee_pidfd_info)

/* Wait up to ms for the process to be reaped: its pidfd then reports
 * POLLHUP. */
static void wait_reaped(int pidfd, int ms)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = { pidfd, POLLIN, 0 };
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = ms - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0)
			return;
		int n = poll(&p, 1, (int)left);
		if (n > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)))
			return;
		if (n < 0 && errno != EINTR)
			return;
		/* POLLIN alone: exited, not reaped yet; poll again without
		 * spinning, as POLLIN stays set. */
		if (n > 0) {
			struct timespec pause = { 0, 10 * 1000 * 1000 };
			nanosleep(&pause, NULL);
		}
	}
}

bool pidfd_exit_status(int pidfd, int wait_ms, int *status, bool *old_kernel)
{
	struct dtee_pidfd_info info;

	*old_kernel = false;
	wait_reaped(pidfd, wait_ms);
	memset(&info, 0, sizeof info);
	info.mask = PIDFD_INFO_EXIT;
	if (ioctl(pidfd, DTEE_PIDFD_GET_INFO, &info) < 0) {
		/* ESRCH: gone and reaped, but this kernel keeps no status. */
		*old_kernel = errno == ENOTTY || errno == EINVAL || errno == ESRCH;
		return false;
	}
	if (!(info.mask & PIDFD_INFO_EXIT)) {
		*old_kernel = false;
		return false;
	}
	*status = info.exit_code;
	return true;
}
