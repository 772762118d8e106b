/* attach.h: dtee --attach=PID: put dtee's two sockets on a running
 * process's fds 1 and 2, and its own fds back when dtee is done or dies.
 * Linux-only. */
#ifndef DTEE_ATTACH_H
#define DTEE_ATTACH_H

#include <stdbool.h>
#include <sys/types.h>

struct attach;
struct options;

/* dtee --attach=PID from start to end: copy a running process's output
 * until it ends or dtee is stopped (attached.c). Returns the exit status. */
int run_attached(const struct options *opts);

/* Check that PID can be attached to, and take its fds 1 and 2 as
 * *orig_out and *orig_err (dtee's pass-through destinations, the caller's
 * to close). Nothing in the process changes. On refusal prints one line
 * and returns an exit status (sysexits); 0 on success. */
int attach_prepare(pid_t pid, bool force, struct attach **a, int *orig_out, int *orig_err);

/* Start the helper, which puts out_sock and err_sock on the process's fds 1
 * and 2. On failure prints why, leaves the process as it was, frees a and
 * returns an exit status. */
int attach_start(struct attach *a, int out_sock, int err_sock);

/* A pidfd of the process: readable once it has ended. */
int attach_pidfd(const struct attach *a);

/* Detaching, first step: stop every thread of the process, so that all it
 * has written is in dtee's queue and it writes no more until
 * attach_detach(). Returns 0 once held; 1 if it has just ended (nothing
 * to put back); -1 if it cannot be held now (another tracer has it): dtee
 * says so and goes on copying, the helper tries again and, once it holds
 * the process, sends dtee SIGCHLD (attach_held() then says so); -2 if no
 * helper can be had (said why). A killed helper is replaced here. */
int attach_hold(struct attach *a);

/* After attach_hold() returned -1: 1 once the helper holds the process. */
int attach_held(struct attach *a);

/* Then put the process's own fds back and let it run: 0 when done; -1 if
 * it could not be done now (said why; the helper tries again, as above);
 * -2 if the helper has gone. attach_finish() must follow. */
int attach_detach(struct attach *a);

/* The process has ended, or dtee has detached and is done: let the helper
 * go, free a. */
void attach_finish(struct attach *a);

/* What the helper reports (attach.c) and how dtee words it (attach-check.c). */
enum attach_step {
	STEP_OK,
	STEP_SEIZE,		/* sub: enum seize_fail */
	STEP_INJECT,		/* sub: enum inject_call */
	STEP_LOST,		/* ptrace failed halfway: the process ended? */
	STEP_CHANGED,		/* restore: the process has put other files on 1/2 */
	STEP_DONOR,		/* no process it may take fds from (errno) */
	STEP_NO_HELPER,		/* the helper has gone (dtee's side only) */
};

enum inject_call { CALL_FCNTL, CALL_PIDFD_OPEN, CALL_PIDFD_GETFD, CALL_DUP3 };

struct attach_reply {
	int step, sub, err;
};

/* Checks made before anything is done to the process (attach-check.c). */
int attach_check(pid_t pid, bool force, int *pidfd, int *orig_out, int *orig_err);
/* The process's fds 1 and 2 (dtee's copies) when they are sockets: its
 * Unix sockets are sent on with its identity, or refused where it could
 * re-point them and dtee may not (attach-socket.c). Prints one line and
 * returns an exit status on refusal; 0 otherwise. */
int attach_check_sockets(pid_t pid, int out, int err);
/* A process that holds the helper's fds and that pid may take them from:
 * the helper itself, or a child with pid's credentials (attach-donor.c); -1
 * if it cannot be made. donor_end() lets it go. */
pid_t donor_start(pid_t pid, int *hold);
void donor_end(pid_t donor, int hold);
/* Word a failure the helper reported; returns the exit status. */
int attach_report(pid_t pid, const struct attach_reply *r, bool detaching);
/* Word a failure to put the fds back that the helper will try again. */
void attach_report_retry(pid_t pid, const struct attach_reply *r);

#endif
