/* samefile.c: one file named by two output options. Opened twice, it would
 * be written through two offsets, one overwriting the other (-O f -E f lost
 * the first lines). Raw files that agree on append or overwrite become one
 * output that wants both streams, so the file gets them in order; any other
 * pair is refused before anything is opened. A file is known by its device
 * and inode, or, before it exists, by its directory's and its name. Only
 * regular files have an offset to share: a device or a fifo named twice is
 * opened twice, as before. */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dtee.h"
#include "options.h"

struct identity {
	dev_t dev;
	ino_t ino;
	char name[NAME_MAX + 1];	/* empty when the file exists */
};

/* False where the path cannot be told apart from others (it will fail to
 * open, and say why then), or need not be: not a regular file. */
static bool identify(const char *path, struct identity *id)
{
	char dir[PATH_MAX], base[PATH_MAX];
	struct stat st;

	id->name[0] = '\0';
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode))
			return false;
		id->dev = st.st_dev;
		id->ino = st.st_ino;
		return true;
	}
	if (strlen(path) >= sizeof dir)
		return false;
	strcpy(dir, path);
	strcpy(base, path);
	if (stat(dirname(dir), &st) != 0 || strlen(basename(base)) > NAME_MAX)
		return false;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	strcpy(id->name, basename(base));
	return true;
}

static bool same(const struct identity *a, const struct identity *b)
{
	return a->dev == b->dev && a->ino == b->ino && strcmp(a->name, b->name) == 0;
}

static bool is_file(const struct output_opt *o)
{
	return o->kind == OUTPUT_FILE || o->kind == OUTPUT_LOG;
}

/* Fold outputs[j] into outputs[i], or refuse the pair. */
static void merge(struct options *opts, size_t i, size_t j)
{
	struct output_opt *a = &opts->outputs[i], *b = &opts->outputs[j];

	if (a->kind != OUTPUT_FILE || b->kind != OUTPUT_FILE)
		die_usage("%s: named twice, and a log (-l, -L) needs a file of its own", b->path);
	if (a->append != b->append)
		die_usage("%s: named twice, once to append and once to overwrite", b->path);
	a->streams |= b->streams;
	memmove(b, b + 1, (opts->noutputs - j - 1) * sizeof *b);
	opts->noutputs--;
}

void outputs_merge_same(struct options *opts)
{
	for (size_t i = 0; i < opts->noutputs; i++) {
		struct identity a, b;

		if (!is_file(&opts->outputs[i]) || !identify(opts->outputs[i].path, &a))
			continue;
		for (size_t j = i + 1; j < opts->noutputs;) {
			if (is_file(&opts->outputs[j]) && identify(opts->outputs[j].path, &b) && same(&a, &b))
				merge(opts, i, j);
			else
				j++;
		}
	}
}
