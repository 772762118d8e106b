/* colour.h: stderr in red on a terminal (--color). */
#ifndef DTEE_COLOUR_H
#define DTEE_COLOUR_H

#include <stdbool.h>
#include <sys/uio.h>

#include "outlet.h"

/* Where the last piece left off: colour still on (it ended inside a UTF-8
 * character or an escape sequence, where no reset may go), and the state
 * of the escape or character it ended in. */
struct colour {
	bool on;
	unsigned char esc;	/* enum in colour.c */
	unsigned char utf8_left;
	unsigned char nparam;
	char param[4];		/* the parameters of a CSI sequence, as far as they matter */
};

/* Write iov to o in red: the colour is set before the piece and reset
 * after it, and set again after every reset the program writes itself
 * (ESC [ m, ESC [ 0 m). A piece that ends inside a UTF-8 character or an
 * escape sequence keeps the colour on (c->on) rather than split it. */
void colour_write(struct colour *c, struct outlet *o, const struct iovec *iov, int cnt);

/* Turn the colour off on o if a piece left it on (before other output
 * goes to the same terminal, and at the end). */
void colour_reset(struct colour *c, struct outlet *o);

/* Whether --color=WHEN (or DTEE_COLOR) with NO_COLOR gives colour on fd. */
bool colour_wanted(int when, int fd);

#endif
