/* closefds.h: close a range of file descriptors on any Linux and libc:
 * close_range(2) where the kernel has it (5.9 and later), else one by one.
 * Called in a child between fork and exec: async-signal-safe. */
#ifndef DTEE_CLOSEFDS_H
#define DTEE_CLOSEFDS_H

/* Close every open fd from lo to hi (both included; ~0U: all above lo). */
void close_fds(unsigned lo, unsigned hi);

#endif
