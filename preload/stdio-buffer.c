/* stdio-buffer.c: the size of stdio's buffer on our sockets
 * (setvbuf, setbuffer, setbuf: at most a piece, see stdio.c).  Line
 * buffering at start (_DTEE_STDOUT=L) is order.c's. */

#include "dtee-preload.h"

/* glibc's FILE: built with another libc, stdio-api.c has the hooks. */
#ifdef __GLIBC__

/* A buffer larger than a piece would be flushed as one oversized datagram. */
static int dtee_setvbuf(FILE *fp, char *buf, int mode, size_t size)
{
	size_t piece;

	if (buf != NULL && mode != _IONBF && (piece = dtee_stdio_pieces_for(size, fp)) != 0)
		size = piece;
	return real_setvbuf(fp, buf, mode, size);
}

/* setbuffer, and setbuf (glibc's calls its setbuffer internally, past any
 * hook): the same limit. */
static void dtee_setbuffer(FILE *fp, char *buf, size_t size)
{
	size_t piece;

	if (buf != NULL && (piece = dtee_stdio_pieces_for(size, fp)) != 0) {
		real_setbuffer(fp, buf, piece);
		return;
	}
	real_setbuffer(fp, buf, size);
}

static void dtee_setbuf(FILE *fp, char *buf)
{
	if (buf != NULL && dtee_stdio_pieces_for(BUFSIZ, fp) != 0) {
		dtee_setbuffer(fp, buf, BUFSIZ);
		return;
	}
	real_setbuf(fp, buf);
}

/* Exported: forwarders only; on another libc than glibc, to stdio-api.c
 * ------------------------------------------------------------------------ */

DTEE_EXPORT int setvbuf(FILE *fp, char *buf, int mode, size_t size)
{
	if (!dtee_libc_is_glibc())
		return dtee_api_setvbuf(fp, buf, mode, size);
	return dtee_setvbuf(fp, buf, mode, size);
}

DTEE_EXPORT void setbuffer(FILE *fp, char *buf, size_t size)
{
	if (!dtee_libc_is_glibc())
		dtee_api_setbuffer(fp, buf, size);
	else
		dtee_setbuffer(fp, buf, size);
}

DTEE_EXPORT void setbuf(FILE *fp, char *buf)
{
	if (!dtee_libc_is_glibc())
		dtee_api_setbuf(fp, buf);
	else
		dtee_setbuf(fp, buf);
}

#endif
