/* outlet.h: one file descriptor an output writes to, with the name its
 * errors are reported under. Failures are reported once, after the batch in
 * hand has been written everywhere (outlets_report), so a failing output
 * never holds up the others, and its message follows whatever was written
 * to dtee's stderr in the same batch. */
#ifndef DTEE_OUTLET_H
#define DTEE_OUTLET_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "dtee.h"
#include "options.h"

struct outlet {
	int fd;
	const char *name;	/* "FILE", or "stdout: write" for dtee's own */
	bool null;		/* /dev/null: nothing to write, no order to keep */
	bool failed;		/* written no more */
	const struct ucred *as;	/* send with this identity (sendas.h), or NULL */
	int err;		/* why, until reported */
	struct outlet *next_failed;
};

/* An outlet on fd; null is found out here. */
struct outlet outlet_make(int fd, const char *name);

/* Open the output file path (created, mode 0666 less the umask, then
 * appended to or truncated) as an outlet. On failure say "PROG: PATH: why"
 * and return false. */
bool outlet_open(struct outlet *o, const char *path, bool append);

/* Close an outlet outlet_open() made; a failure to close is reported at
 * once (outlets_report), as the outlet is about to be freed. */
void outlet_close(struct outlet *o);

/* Outlets made on fd from now on send with the identity cred (sendas.h):
 * dtee --attach's pass-through on a socket the process can re-point. At
 * most two fds; cred must outlive them. */
void outlet_send_as(int fd, const struct ucred *cred);

/* Write all of iov[0..cnt) (left describing what was not written). On
 * failure marks the outlet failed and queues its report; returns the bytes
 * written. A failed outlet takes nothing more. */
size_t outlet_writev(struct outlet *o, struct iovec *iov, int cnt);

/* Mark o failed with err (once) and queue the report. */
void outlet_fail(struct outlet *o, int err);

/* Print the queued failure reports, "PROG: NAME: strerror", in the order
 * they happened. */
void outlets_report(void);

/* Output was lost before it reached any outlet (a datagram cut short):
 * counts as a failed write. */
void outlets_note_loss(void);

/* Whether a broken pipe is reported in words when dtee then dies of the
 * SIGPIPE, as cron mode does; otherwise the wait status says it, as for
 * tee. */
void outlets_report_epipe(bool on);

/* What a failed write does (-p, --output-error): in the nopipe modes a
 * reader that has gone (EPIPE) ends that outlet without a report or a
 * failure; in the exit modes any other failure asks dtee to stop
 * (outlets_exit_now). */
void outlets_set_mode(enum output_error mode);
bool outlets_exit_now(void);

/* Some outlet has failed since dtee started (exit status 74). */
bool outlets_failed(void);

/* fd is the null device, whatever its name. */
bool is_null_device(int fd);

#endif
