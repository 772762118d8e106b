/* sinks.c: the sink table, and the set of sinks a run writes to. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "lines.h"
#include "log.h"
#include "outlet.h"
#include "pass.h"
#include "sink.h"
#include "spool.h"
#include "logsinks.h"

/* Every kind of output the options can name. A byte sink opens into a sink
 * of its own; a line sink is fed records by the one line assembler, which
 * is opened once, when some line sink is asked for. An open function
 * reports its own failure and returns NULL; dtee then exits with the
 * entry's status (in cron mode after running the command). */
static const struct {
	struct sink *(*open)(const struct output_opt *o);
	struct line_sink *(*open_lines)(const struct output_opt *o, const struct options *opts);
	int unopened;	/* the exit status when it cannot be opened */
} sink_table[] = {
	[OUTPUT_FILE] = { .open = file_sink_open, .unopened = EX_CANTCREAT },
	[OUTPUT_LOG] = { .open_lines = log_sink_open, .unopened = EX_CANTCREAT },
	[OUTPUT_JOURNAL] = { .open_lines = journal_sink_open, .unopened = EX_UNAVAILABLE },
	[OUTPUT_SYSLOG] = { .open_lines = syslog_sink_open, .unopened = EX_UNAVAILABLE },
};

static void add(struct sinks *s, struct sink *k)
{
	s->list[s->n++] = k;
	s->needs |= k->needs;
}

void sinks_open(struct sinks *s, const struct options *opts, int out_fd, int err_fd)
{
	struct line_sink **lines = xcalloc(opts->noutputs, sizeof *lines, "sinks");
	size_t nlines = 0;

	/* Each output, the line assembler and the pass-through. */
	*s = (struct sinks){ .list = xcalloc(opts->noutputs + 2, sizeof *s->list, "sinks") };
	for (size_t i = 0; i < opts->noutputs; i++) {
		const struct output_opt *o = &opts->outputs[i];
		struct sink *k = NULL;
		struct line_sink *l = NULL;

		if (sink_table[o->kind].open)
			k = sink_table[o->kind].open(o);
		else
			l = sink_table[o->kind].open_lines(o, opts);
		if (k)
			add(s, k);
		else if (l) {
			l->start = &s->start;
			lines[nlines++] = l;
		}
		else {
			if (!s->open_failed)
				s->open_status = sink_table[o->kind].unopened;
			s->open_failed = true;
		}
	}
	if (nlines > 0)
		add(s, lines_open(lines, nlines));
	else
		free(lines);

	struct sink *pass = pass_open(out_fd, err_fd, opts);
	if (opts->cron)
		pass = spool_open(pass, opts, &s->open_failed);
	add(s, pass);
}

void sinks_start(struct sinks *s)
{
	clock_gettime(CLOCK_REALTIME, &s->start);
}

void sinks_write(struct sinks *s, const struct batch *b)
{
	for (size_t i = 0; i < s->n; i++)
		s->list[i]->ops->write(s->list[i], b);
	outlets_report();
}

void sinks_idle(struct sinks *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->list[i]->ops->idle)
			s->list[i]->ops->idle(s->list[i]);
	outlets_report();
}

void sinks_finish(struct sinks *s, struct ending *e)
{
	e->failed = s->open_failed || outlets_failed();
	for (size_t i = 0; i < s->n; i++)
		if (s->list[i]->ops->finish)
			s->list[i]->ops->finish(s->list[i], e);
	outlets_report();
}

void sinks_close(struct sinks *s)
{
	for (size_t i = 0; i < s->n; i++)
		s->list[i]->ops->close(s->list[i]);
	outlets_report();
	free(s->list);
	s->list = NULL;
	s->n = 0;
}
