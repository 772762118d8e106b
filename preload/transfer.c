/* transfer.c: the kernel's copies into a socket: sendfile(64) and splice.
 *
 * On a datagram socket each call sends what it moves as datagrams, and a
 * call that would make one too big fails with EMSGSIZE (sendfile of 20 MB
 * from a file; splice from a pipe holding more than the socket takes,
 * which a small SO_SNDBUF or a large pipe gives).  Into one of our sockets
 * the copy is then made in pieces, each through the real call, which moves
 * *off, the file position or the pipe exactly as one big call would have:
 * sendfile PIPE_BUF bytes at a time, splice a chunk at a time (halved while
 * too big).  The pieces are sent under the split lock, so they stay
 * contiguous; a copy started while another thread's split is being sent
 * waits its turn.
 *
 * Not reachable, so not covered: vmsplice (its fd must be a pipe: EBADF
 * on a socket), copy_file_range (regular files only: EINVAL), splice from
 * a file (one end must be a pipe: EINVAL). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/sendfile.h>

#include "dtee-preload.h"

enum copy_call { BY_SENDFILE, BY_SENDFILE64, BY_SPLICE };

struct copy {
	enum copy_call call;
	int in, out;
	void *off_in;		/* sendfile's offset, or splice's input offset */
	size_t count;
	unsigned flags;		/* splice's */
};

static ssize_t copy_once(const struct copy *c, size_t n)
{
	switch (c->call) {
	case BY_SENDFILE:
		return real_sendfile(c->out, c->in, c->off_in, n);
	case BY_SENDFILE64:
		return real_sendfile64(c->out, c->in, c->off_in, n);
	case BY_SPLICE:
		break;
	}
	return real_splice(c->in, c->off_in, c->out, NULL, n, c->flags);
}

/* The first piece: sendfile's PIPE_BUF (what the tests have always
 * shown to fit), splice's first chunk; both halved while too big. */
static size_t first_piece(const struct copy *c)
{
	return c->call == BY_SPLICE ? dtee_first_chunk(c->out) : PIPE_BUF;
}

/* The pieces, one real call each; returns the bytes moved, or -1 with the
 * error of the first piece.  0 from a piece is the end of the input. */
static long copy_pieces(void *arg)
{
	const struct copy *c = arg;
	size_t piece = first_piece(c), moved = 0;
	int saved = errno;

	while (moved < c->count) {
		size_t n = c->count - moved < piece ? c->count - moved : piece;
		ssize_t r = copy_once(c, n);

		if (r < 0 && dtee_too_big(errno) && piece > DTEE_CHUNK_MIN) {
			piece /= 2;
			continue;
		}
		if (r <= 0) {
			if (moved == 0)
				return r;
			break;
		}
		moved += (size_t)r;
	}
	errno = saved;
	return (long)moved;
}

/* After the real call refused the whole copy: pieces, when it was too big
 * for one of our sockets. */
DTEE_COLD static ssize_t copy_failed(const struct copy *c, int saved)
{
	int err = errno;
	ssize_t r;

	if (!dtee_too_big(err) || !dtee_fd_ours(c->out)) {
		errno = err;
		return -1;
	}
	errno = saved;
	r = dtee_call_in_turn(c->out, copy_pieces, (void *)c);
	if (r >= 0)
		errno = saved;
	return r;
}

static ssize_t dtee_copy(struct copy *c)
{
	int saved = errno;
	ssize_t r;

	if (dtee_wait_turn(c->out))
		return dtee_checked(dtee_call_in_turn(c->out, copy_pieces, c), c->out, 0);
	r = copy_once(c, c->count);
	if (!dtee_unlikely(r < 0))
		return r;
	return dtee_checked(copy_failed(c, saved), c->out, 0);
}

/* Only a splice into the socket's stream position (no output offset: a
 * socket has none, and the kernel refuses one with ESPIPE). */
static ssize_t dtee_splice(int in, loff_t *off_in, int out, loff_t *off_out, size_t count,
			   unsigned flags)
{
	struct copy c = { BY_SPLICE, in, out, off_in, count, flags };

	if (off_out != NULL)
		return real_splice(in, off_in, out, off_out, count, flags);
	return dtee_copy(&c);
}

/* Exported: forwarders only ----------------------------------------------- */

DTEE_EXPORT ssize_t sendfile(int out, int in, off_t *off, size_t count)
{
	return dtee_copy(&(struct copy){ BY_SENDFILE, in, out, off, count, 0 });
}

DTEE_EXPORT ssize_t sendfile64(int out, int in, off64_t *off, size_t count)
{
	return dtee_copy(&(struct copy){ BY_SENDFILE64, in, out, off, count, 0 });
}

DTEE_EXPORT ssize_t splice(int in, loff_t *off_in, int out, loff_t *off_out, size_t count,
			   unsigned flags)
{
	return dtee_splice(in, off_in, out, off_out, count, flags);
}
