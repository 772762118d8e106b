/* tmpdir.h: where dtee puts its private temporary things. */
#ifndef DTEE_TMPDIR_H
#define DTEE_TMPDIR_H

/* Call make(base, ctx) with base $TMPDIR (when set and not empty), then
 * /tmp, until one returns >= 0, and return that. On failure returns -1 with
 * errno from the last try, and *where names what was tried ("TMPDIR or
 * /tmp", or "/tmp") for the message. */
int tmpdir_try(int (*make)(const char *base, void *ctx), void *ctx, const char **where);

#endif
