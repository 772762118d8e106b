/* colour.c: SGR 31 around stderr on a terminal, as rederr and stderred do,
 * without splitting what the program wrote: a reset never lands inside a
 * UTF-8 character or an escape sequence. */
#include <stdlib.h>
#include <unistd.h>

#include "colour.h"
#include "dtee.h"
#include "options.h"

#define SGR_RED "\033[31m"
#define SGR_RESET "\033[0m"
/* iovecs gathered before one write: pieces and the codes between them. */
#define COLOUR_PARTS 64

enum esc_state {
	ESC_NONE,	/* plain text */
	ESC_START,	/* after ESC */
	ESC_CSI,	/* after ESC [, until a final byte */
	ESC_STRING,	/* OSC, DCS...: until BEL or ESC \ */
	ESC_STRING_ESC,	/* ESC inside a string */
};

struct out {
	struct outlet *o;
	struct iovec part[COLOUR_PARTS];
	int n;
};

static void put(struct out *w, const void *p, size_t len)
{
	if (len == 0)
		return;
	if (w->n == COLOUR_PARTS) {
		outlet_writev(w->o, w->part, w->n);
		w->n = 0;
	}
	w->part[w->n++] = (struct iovec){ (void *)p, len };
}

/* A CSI sequence ended with final: a reset of all attributes? */
static bool is_reset(const struct colour *c, unsigned char final)
{
	return final == 'm' && (c->nparam == 0 || (c->nparam == 1 && c->param[0] == '0'));
}

/* Step the state over byte b; true when b ends a reset sequence. */
static bool step(struct colour *c, unsigned char b)
{
	switch (c->esc) {
	case ESC_NONE:
		if (c->utf8_left > 0 && (b & 0xc0) == 0x80) {
			c->utf8_left--;
			return false;
		}
		c->utf8_left = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : b >= 0xc0 ? 1 : 0;
		if (b == 0x1b)
			c->esc = ESC_START;
		return false;
	case ESC_START:
		c->nparam = 0;
		c->esc = b == '[' ? ESC_CSI : (b == ']' || b == 'P' || b == '_' || b == '^')
			? ESC_STRING : ESC_NONE;
		return false;
	case ESC_CSI:
		if (b >= 0x40 && b <= 0x7e) {
			c->esc = ESC_NONE;
			return is_reset(c, b);
		}
		if (c->nparam < sizeof c->param)
			c->param[c->nparam] = (char)b;
		c->nparam++;
		return false;
	case ESC_STRING:
		if (b == 0x07)
			c->esc = ESC_NONE;
		else if (b == 0x1b)
			c->esc = ESC_STRING_ESC;
		return false;
	case ESC_STRING_ESC:
		c->esc = b == '\\' ? ESC_NONE : ESC_STRING;
		return false;
	}
	return false;
}

void colour_write(struct colour *c, struct outlet *o, const struct iovec *iov, int cnt)
{
	struct out w = { .o = o };

	if (!c->on)
		put(&w, SGR_RED, sizeof SGR_RED - 1);
	c->on = true;
	for (int k = 0; k < cnt; k++) {
		const unsigned char *p = iov[k].iov_base, *from = p, *end = p + iov[k].iov_len;

		for (; p < end; p++) {
			if (!step(c, *p))
				continue;
			/* The program reset the attributes: red again after it. */
			put(&w, from, (size_t)(p + 1 - from));
			put(&w, SGR_RED, sizeof SGR_RED - 1);
			from = p + 1;
		}
		put(&w, from, (size_t)(end - from));
	}
	if (c->esc == ESC_NONE && c->utf8_left == 0) {
		put(&w, SGR_RESET, sizeof SGR_RESET - 1);
		c->on = false;
	}
	if (w.n > 0)
		outlet_writev(o, w.part, w.n);
}

void colour_reset(struct colour *c, struct outlet *o)
{
	struct iovec iov = { (void *)SGR_RESET, sizeof SGR_RESET - 1 };

	if (!c->on)
		return;
	/* Whatever was cut off mid-sequence is the program's own doing. */
	*c = (struct colour){ 0 };
	outlet_writev(o, &iov, 1);
}

bool colour_wanted(int when, int fd)
{
	const char *no = getenv("NO_COLOR");

	if (when == COLOR_ALWAYS)
		return true;
	return when == COLOR_AUTO && !(no && *no) && isatty(fd);
}
