/* fdcmp.c: one open file or two, by kcmp(2). Linux only. */
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdcmp.h"

#ifndef KCMP_FILE
#define KCMP_FILE 0
#endif

int same_open_file(pid_t pid1, int fd1, pid_t pid2, int fd2)
{
	/* 0: equal; 1 or 2: an order between different files. */
	long r = syscall(SYS_kcmp, pid1, pid2, KCMP_FILE, fd1, fd2);

	if (r < 0) {
		/* Some kernels say EACCES where ptrace access is refused. */
		if (errno == EACCES)
			errno = EPERM;
		return -1;
	}
	return r == 0;
}
