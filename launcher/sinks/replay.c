/* replay.c: the replay of the cron spool (see replay.h). The runs are read
 * back one header at a time, never held in memory: a report cut to a limit
 * costs one extra pass over the spool in a fixed buffer, to find where the
 * head ends, where the tail starts and how many lines lie between. Offsets
 * called "positions" count output bytes only, headers left out. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "pass.h"
#include "replay.h"

#define SCAN_BUF (64 * 1024)

/* A walk over the runs of a spool. */
struct runs {
	int fd;
	off_t at, end;		/* the next header; the spool's end */
	struct run_header h;	/* the current run */
	off_t data;		/* where its bytes are */
	uint64_t pos;		/* the position of its first byte */
};

/* Step to the next run: 1, 0 at the end, -1 if the spool cannot be read. */
static int next_run(struct runs *r)
{
	if (r->data)
		r->pos += r->h.len;
	if (r->at >= r->end)
		return 0;
	ssize_t n = pread(r->fd, &r->h, sizeof r->h, r->at);
	if (n != (ssize_t)sizeof r->h) {
		msg("spool: read: %s", n < 0 ? strerror(errno) : "file shorter than written");
		return -1;
	}
	r->data = r->at + (off_t)sizeof r->h;
	r->at = r->data + (off_t)r->h.len;
	return 1;
}

/* What a limited replay leaves out: positions [head_end, tail_start). */
struct cut {
	uint64_t head_end, tail_start, lines;
	bool found;		/* tail_start is after a newline, not the end */
};

/* Note the newline at position p. The head ends after the last newline
 * before half; the tail starts after the first newline at or after
 * total - half - 1; the newlines in between count the lines left out. */
static void newline_at(struct cut *c, uint64_t p, uint64_t half, uint64_t total)
{
	if (p < half) {
		c->head_end = p + 1;
	} else if (!c->found) {
		c->lines++;
		if (p + 1 >= total - half) {
			c->tail_start = p + 1;
			c->found = true;
		}
	}
}

static int find_cut(int fd, off_t end, uint64_t total, uint64_t half, struct cut *c)
{
	static char buf[SCAN_BUF];
	struct runs r = { .fd = fd, .end = end };
	int more;

	*c = (struct cut){ 0 };
	while (!c->found && (more = next_run(&r)) > 0) {
		for (uint64_t done = 0; done < r.h.len && !c->found;) {
			size_t want = r.h.len - done < sizeof buf ? r.h.len - done : sizeof buf;
			ssize_t n = pread(fd, buf, want, r.data + (off_t)done);
			if (n <= 0) {
				msg("spool: read: %s", n < 0 ? strerror(errno) : "file shorter than written");
				return -1;
			}
			for (char *p = buf; (p = memchr(p, '\n', (size_t)(buf + n - p))); p++)
				newline_at(c, r.pos + done + (uint64_t)(p - buf), half, total);
			done += (uint64_t)n;
		}
	}
	if (more < 0)
		return -1;
	if (!c->found) {
		c->tail_start = total;	/* the last line has no newline */
		c->lines++;
	}
	return 0;
}

/* Replay positions [from, to) of the current run. */
static int replay_part(struct sink *pass, const struct runs *r, uint64_t from, uint64_t to)
{
	uint64_t lo = from > r->pos ? from : r->pos;
	uint64_t hi = to < r->pos + r->h.len ? to : r->pos + r->h.len;

	if (lo >= hi)
		return 0;
	return pass_replay(pass, (enum stream)r->h.stream, r->fd, r->data + (off_t)(lo - r->pos),
			   hi - lo, "spool");
}

int replay(int fd, off_t end, uint64_t total, uint64_t limit, struct sink *pass)
{
	struct runs r = { .fd = fd, .end = end };
	struct cut c = { .head_end = total, .tail_start = total };
	bool told = false;
	int more;

	if (limit > 0 && total > limit && find_cut(fd, end, total, limit / 2, &c) < 0)
		return -1;
	while ((more = next_run(&r)) > 0) {
		if (replay_part(pass, &r, 0, c.head_end) < 0)
			return -1;
		if (!told && c.head_end < total && r.pos + r.h.len > c.head_end) {
			msg("%" PRIu64 " line%s (%" PRIu64 " bytes) left out of this report",
			    c.lines, c.lines == 1 ? "" : "s", c.tail_start - c.head_end);
			told = true;
		}
		if (replay_part(pass, &r, c.tail_start, total) < 0)
			return -1;
	}
	return more;
}
