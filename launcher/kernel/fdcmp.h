/* fdcmp.h: are two file descriptors, each in some process, the same open
 * file (one description, as dup() and fork() share)? Linux only: kcmp(2),
 * which needs ptrace read access to both processes. */
#ifndef DTEE_FDCMP_H
#define DTEE_FDCMP_H

#include <sys/types.h>

/* 1 if fd1 in pid1 and fd2 in pid2 are one open file, 0 if not, -1 with
 * errno where it cannot be told: EPERM (no access to a process: it is not
 * dumpable, or another user's), EBADF (a fd is not open), ESRCH (no such
 * process), ENOSYS (a kernel without kcmp). */
int same_open_file(pid_t pid1, int fd1, pid_t pid2, int fd2);

#endif
