/* pass.c: the pass-through. What arrives is written out at once, one
 * writev() per stream per batch, except where the order between dtee's own
 * stdout and stderr can be seen: there each run of one stream is a write of
 * its own. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "colour.h"
#include "kernel/fdcmp.h"
#include "io.h"
#include "outlet.h"
#include "pass.h"

/* How the two outputs must be written. */
enum pass_mode {
	PASS_RUNS,	/* anything where the two may meet: in order, run by run */
	PASS_SHARED,	/* one open file description (2>&1): everything to the first */
	PASS_APART,	/* two different regular files, or one is /dev/null: order
			 * between them cannot be seen */
};

struct pass_sink {
	struct sink sink;
	enum pass_mode mode;
	struct outlet out, err;
	bool colour;		/* stderr in red (--color) */
	struct colour col;
};

static enum pass_mode choose_mode(const struct pass_sink *p)
{
	struct stat o, e;
	pid_t self = getpid();

	if (p->out.null || p->err.null)
		return PASS_APART;
	if (fstat(p->out.fd, &o) < 0 || fstat(p->err.fd, &e) < 0)
		return PASS_RUNS;
	if (o.st_dev == e.st_dev && o.st_ino == e.st_ino)
		return same_open_file(self, p->out.fd, self, p->err.fd) == 1 ? PASS_SHARED : PASS_RUNS;
	/* Two regular files are two outputs; anything else may meet again (a
	 * reader merging two pipes, one terminal under two names such as
	 * /dev/pts/N and /dev/tty): keep the order. */
	return S_ISREG(o.st_mode) && S_ISREG(e.st_mode) ? PASS_APART : PASS_RUNS;
}

static struct outlet *outlet_of(struct pass_sink *p, unsigned stream)
{
	return stream == STREAM_OUT ? &p->out : &p->err;
}

/* One stream's data: stderr through the colour when it is on; stdout
 * after the colour is turned off where the two can meet. */
static void put_stream(struct pass_sink *p, unsigned stream, struct iovec *iov, int cnt)
{
	if (p->colour && stream == STREAM_ERR) {
		colour_write(&p->col, &p->err, iov, cnt);
		return;
	}
	if (p->colour && p->mode != PASS_APART)
		colour_reset(&p->col, &p->err);
	outlet_writev(outlet_of(p, stream), iov, cnt);
}

static void write_runs(struct pass_sink *p, const struct batch *b)
{
	struct iovec iov[BATCH_MAX];

	for (int j = 0; j < b->n;) {
		unsigned stream = b->stream[j];
		int k = 0;

		for (; j < b->n && b->stream[j] == stream; j++)
			if (b->data[j].iov_len > 0)
				iov[k++] = b->data[j];
		if (k > 0)
			put_stream(p, stream, iov, k);
	}
}

static void pass_write(struct sink *k, const struct batch *b)
{
	struct pass_sink *p = (struct pass_sink *)k;
	struct iovec iov[BATCH_MAX];
	int cnt;

	switch (p->mode) {
	case PASS_SHARED:
		if (p->colour)
			break;	/* the codes go between the runs */
		if ((cnt = batch_gather(b, STREAM_BOTH, iov)) > 0)
			outlet_writev(&p->out, iov, cnt);
		return;
	case PASS_APART:
		if ((cnt = batch_gather(b, STREAM_OUT, iov)) > 0)
			put_stream(p, STREAM_OUT, iov, cnt);
		if ((cnt = batch_gather(b, STREAM_ERR, iov)) > 0)
			put_stream(p, STREAM_ERR, iov, cnt);
		return;
	case PASS_RUNS:
		break;
	}
	write_runs(p, b);
}

/* A piece of the replay of stderr, through the colour. */
static int put_coloured(void *ctx, const void *buf, size_t n)
{
	struct pass_sink *p = ctx;
	struct iovec iov = { (void *)buf, n };

	colour_write(&p->col, &p->err, &iov, 1);
	return 0;	/* a failure is the outlet's, reported as ever */
}

int pass_replay(struct sink *k, enum stream stream, int fd, off_t off, size_t len,
		const char *src_name)
{
	struct pass_sink *p = (struct pass_sink *)k;
	struct outlet *o = p->mode == PASS_SHARED ? &p->out : outlet_of(p, stream);
	int out_failed;

	if (o->null || o->failed || len == 0)
		return 0;
	if (p->colour && p->mode != PASS_APART && stream == STREAM_OUT)
		colour_reset(&p->col, &p->err);
	if ((p->colour && stream == STREAM_ERR
	     ? read_range(fd, off, len, put_coloured, p, &out_failed)
	     : copy_range(o->fd, fd, off, len, &out_failed)) == 0)
		return 0;
	if (out_failed) {
		outlet_fail(o, errno);
		return 0;
	}
	msg("%s: read: %s", src_name, strerror(errno));
	return -1;
}

static void pass_finish(struct sink *k, const struct ending *e)
{
	struct pass_sink *p = (struct pass_sink *)k;

	(void)e;
	if (p->colour)
		colour_reset(&p->col, &p->err);
}

static void pass_close(struct sink *k)
{
	free(k);
}

static const struct sink_ops pass_ops = {
	.write = pass_write,
	.finish = pass_finish,
	.close = pass_close,
};

struct sink *pass_open(int out_fd, int err_fd, const struct options *opts)
{
	struct pass_sink *p = xcalloc(1, sizeof *p, "pass-through");

	p->sink.ops = &pass_ops;
	p->out = outlet_make(out_fd, "stdout: write");
	p->err = outlet_make(err_fd, "stderr: write");
	p->mode = choose_mode(p);
	p->colour = !p->err.null && colour_wanted(opts->color, err_fd);
	return &p->sink;
}
