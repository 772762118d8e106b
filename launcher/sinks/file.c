/* file.c: the raw output files (-o -O -e -E -c -C): the command's bytes of
 * the streams each file wants, exactly as written, in order. */
#include <stdlib.h>

#include "outlet.h"
#include "sink.h"

struct file_sink {
	struct sink sink;
	struct outlet out;
	unsigned streams;
};

static void file_write(struct sink *k, const struct batch *b)
{
	struct file_sink *f = (struct file_sink *)k;
	struct iovec iov[BATCH_MAX];
	int cnt = batch_gather(b, f->streams, iov);

	if (cnt > 0)
		outlet_writev(&f->out, iov, cnt);
}

static void file_close(struct sink *k)
{
	struct file_sink *f = (struct file_sink *)k;

	outlet_close(&f->out);
	free(f);
}

static const struct sink_ops file_ops = {
	.write = file_write,
	.close = file_close,
};

struct sink *file_sink_open(const struct output_opt *o)
{
	struct outlet out;

	if (!outlet_open(&out, o->path, o->append))
		return NULL;
	struct file_sink *f = xcalloc(1, sizeof *f, "file sink");
	f->sink.ops = &file_ops;
	f->out = out;
	f->streams = o->streams;
	return &f->sink;
}
