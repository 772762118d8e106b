/* iov.h: walking an iovec array as one run of bytes, a piece at a time.
 * Used by the launcher's full-write loop, the seccomp supervisor's relay
 * and libdtee.so's splitter: each takes a piece of at most some size from
 * where it stands, sends what it can, and moves on by what was sent.
 * Header only, no state, nothing that allocates: safe in libdtee.so. */
#ifndef DTEE_IOV_H
#define DTEE_IOV_H

#include <stddef.h>
#include <sys/uio.h>

/* A position in iov[0..cnt): element i, byte off within it. */
struct iov_cursor {
	const struct iovec *iov;
	int cnt;
	int i;
	size_t off;
};

static inline struct iov_cursor iov_cursor(const struct iovec *iov, int cnt)
{
	struct iov_cursor c = { iov, cnt, 0, 0 };

	while (c.i < c.cnt && c.iov[c.i].iov_len == 0)
		c.i++;
	return c;
}

static inline size_t iov_total(const struct iovec *iov, int cnt)
{
	size_t total = 0;

	for (int k = 0; k < cnt; k++)
		total += iov[k].iov_len;
	return total;
}

/* Nothing left after the cursor. */
static inline int iov_done(const struct iov_cursor *c)
{
	return c->i >= c->cnt;
}

/* Describe up to max bytes from the cursor in at most maxparts elements of
 * part (empty elements skipped); returns how many. The cursor stays. */
static inline int iov_take(const struct iov_cursor *c, size_t max, struct iovec *part,
			   int maxparts)
{
	size_t len = 0, off = c->off;
	int np = 0;

	for (int i = c->i; i < c->cnt && np < maxparts && len < max; i++, off = 0) {
		size_t take = c->iov[i].iov_len - off;

		if (take > max - len)
			take = max - len;
		if (take == 0)
			continue;
		part[np++] = (struct iovec){ (char *)c->iov[i].iov_base + off, take };
		len += take;
	}
	return np;
}

/* Move the cursor on by n bytes (at most what is left), and past any
 * empty elements after them. */
static inline void iov_advance(struct iov_cursor *c, size_t n)
{
	while (c->i < c->cnt) {
		size_t left = c->iov[c->i].iov_len - c->off;

		if (n < left) {
			c->off += n;
			return;
		}
		n -= left;
		c->i++;
		c->off = 0;
		if (n == 0)
			break;
	}
	while (c->i < c->cnt && c->iov[c->i].iov_len == 0)
		c->i++;
}

#endif
