/* attach.h: dtee --attach=PID: put dtee's two sockets on a running
 * process's fds 1 and 2, and its own fds back when dtee is done or dies.
 * Linux-only. */
#ifndef DTEE_ATTACH_H
#define DTEE_ATTACH_H

#include <stdbool.h>
#include <sys/types.h>

struct attach;

/* Take PID's fds 1 and 2 as *orig_out and *orig_err (dtee's pass-through
 * destinations), then start the heir, which puts out_sock and err_sock on
 * them inside the process. On refusal or failure prints one line, leaves
 * the process as it was and returns an exit status (sysexits); 0 on
 * success. */
int attach_start(pid_t pid, int out_sock, int err_sock, bool force,
		 struct attach **a, int *orig_out, int *orig_err);

/* A pidfd of the process: readable once it has ended. */
int attach_pidfd(const struct attach *a);

/* Put the process's own fds back. Prints why and returns -1 if it could
 * not (the process keeps dtee's sockets and gets EPIPE/SIGPIPE once dtee
 * is gone, as under dtee). */
int attach_detach(struct attach *a);

/* The process has ended: let the heir go. */
void attach_finish(struct attach *a);

/* What the heir reports (attach.c) and how dtee words it (attach-check.c). */
enum attach_step {
	STEP_OK,
	STEP_SEIZE,		/* sub: enum seize_fail */
	STEP_INJECT,		/* sub: enum inject_call */
	STEP_LOST,		/* ptrace failed halfway: the process ended? */
	STEP_CHANGED,		/* restore: the process has put other files on 1/2 */
};

enum inject_call { CALL_FCNTL, CALL_PIDFD_OPEN, CALL_PIDFD_GETFD, CALL_DUP3 };

struct attach_reply {
	int step, sub, err;
};

/* Checks made before anything is done to the process (attach-check.c). */
int attach_check(pid_t pid, bool force, int *pidfd, int *orig_out, int *orig_err);
/* Word a failure the heir reported; returns the exit status. */
int attach_report(pid_t pid, const struct attach_reply *r, bool detaching);

#endif
