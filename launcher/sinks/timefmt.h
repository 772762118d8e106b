/* timefmt.h: the times written in front of log records.
 *
 * A time format is strftime(3) with a few additions, as moreutils ts has
 * them: %.S, %.s and %.T are %S, %s and %T followed by the microseconds
 * (".123456"); %:z is the zone as +01:00, as GNU date has it. Or one of
 * the words "elapsed" (seconds since the command started, 12.345678) and
 * "delta" (seconds since the previous record). The part that changes only
 * once a second is rendered once a second. */
#ifndef DTEE_TIMEFMT_H
#define DTEE_TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* The longest time a format renders; longer renderings are cut. */
#define TIMEFMT_MAX 256

/* The default for text logs: local RFC 3339 with microseconds. */
#define TIMEFMT_LOCAL_RFC3339 "%Y-%m-%dT%H:%M:%.S%:z"

struct timefmt;

/* Compile a checked format, in local time or UTC. */
struct timefmt *timefmt_new(const char *spec, bool utc);

/* UTC RFC 3339 with nanoseconds: 2026-11-30T11:34:56.123456789Z. */
struct timefmt *timefmt_utc_ns(void);

/* Render t into out (room for TIMEFMT_MAX); returns the length. A format
 * that counts from an earlier time uses start (elapsed) or the previous
 * rendered time (delta; the first counts from start). */
size_t timefmt_render(struct timefmt *f, const struct timespec *t,
		      const struct timespec *start, char *out);

void timefmt_free(struct timefmt *f);

#endif
