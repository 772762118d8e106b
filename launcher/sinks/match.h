/* match.h: the --ignore-stderr patterns matched in a thread of their own,
 * so that a stop signal ends the wait for a slow match. Without
 * back-references (refused, cronopts.c) glibc matches in polynomial time,
 * but nested bounded repetitions can still take many seconds on one long
 * line: dtee must not be deaf to SIGTERM meanwhile. */
#ifndef DTEE_MATCH_H
#define DTEE_MATCH_H

#include <regex.h>
#include <stddef.h>

struct matcher;

/* A matcher of the n patterns re (kept, not copied), for lines of at most
 * max bytes. */
struct matcher *matcher_new(const regex_t *re, size_t n, size_t max);
/* Whether text (len bytes, no NUL needed) matches any pattern: 1 or 0; or
 * -1 if a stop signal came first. Then the match goes on in its thread,
 * the matcher is spent (every later call returns -1), and dtee ends. */
int matcher_run(struct matcher *m, const char *text, size_t len);
/* Free the matcher (its thread does, and ends), unless a match is still
 * running: then dtee is ending of a stop signal, and the thread still
 * reads it. */
void matcher_free(struct matcher *m);

#endif
