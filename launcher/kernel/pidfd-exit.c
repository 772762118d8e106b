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
 * POLLHUP. Returns whether it was. */
static bool wait_reaped(int pidfd, int ms)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = { pidfd, POLLIN, 0 };
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = ms - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0)
			return false;
		int n = poll(&p, 1, (int)left);
		if (n > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)))
			return true;
		if (n < 0 && errno != EINTR)
			return false;
		/* POLLIN alone: exited, not reaped yet; POLLIN stays set, so
		 * look again a little later rather than spin. */
		if (n > 0) {
			struct timespec pause = { 0, 10 * 1000 * 1000 };
			nanosleep(&pause, NULL);
		}
	}
}

static int get_info(int pidfd, struct dtee_pidfd_info *info)
{
	memset(info, 0, sizeof *info);
	info->mask = PIDFD_INFO_EXIT;
	return ioctl(pidfd, DTEE_PIDFD_GET_INFO, info);
}

bool pidfd_exit_status(int pidfd, int wait_ms, int *status, bool *old_kernel)
{
	struct dtee_pidfd_info info;

	/* No such request (before 6.13): said at once, without waiting. */
	*old_kernel = get_info(pidfd, &info) < 0 && (errno == ENOTTY || errno == EINVAL);
	if (*old_kernel)
		return false;
	if (!(info.mask & PIDFD_INFO_EXIT)) {
		/* Not reaped yet; or reaped, on a kernel that keeps no exit
		 * status (6.13, 6.14). */
		bool reaped = wait_reaped(pidfd, wait_ms);
		if (get_info(pidfd, &info) < 0 || !(info.mask & PIDFD_INFO_EXIT)) {
			*old_kernel = reaped;
			return false;
		}
	}
	*status = info.exit_code;
	return true;
}
