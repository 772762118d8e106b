/* match.c: the --ignore-stderr patterns matched in a thread (see match.h).
 * The collector hands a line over and waits in ppoll() for the answer,
 * with every signal blocked but while it waits: a stop signal's handler
 * then interrupts the wait, and cannot slip in between the check of
 * signal_stop and the wait. The thread has every signal blocked, so the
 * handlers run in the main thread only. Linux only (eventfd). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dtee.h"
#include "match.h"
#include "signals.h"

struct matcher {
	const regex_t *re;
	size_t n;
	char *text;		/* the line, NUL-terminated for regexec */
	int done;		/* eventfd: the thread's answer is in result */
	pthread_mutex_t lock;
	pthread_cond_t asked;
	bool pending;		/* a line is waiting for the thread */
	bool quit;		/* the thread is to free the matcher and end */
	int result;
	bool started;
	bool spent;		/* abandoned to a stop signal */
};

static void destroy(struct matcher *m)
{
	if (m->done >= 0)
		close(m->done);
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->asked);
	free(m->text);
	free(m);
}

static void *match_thread(void *arg)
{
	struct matcher *m = arg;
	uint64_t one = 1;

	for (;;) {
		bool quit;

		pthread_mutex_lock(&m->lock);
		while (!m->pending && !m->quit)
			pthread_cond_wait(&m->asked, &m->lock);
		m->pending = false;
		quit = m->quit;
		pthread_mutex_unlock(&m->lock);
		if (quit) {
			destroy(m);
			return NULL;
		}
		m->result = 0;
		for (size_t i = 0; i < m->n && !m->result; i++)
			m->result = regexec(&m->re[i], m->text, 0, NULL, 0) == 0;
		while (write(m->done, &one, sizeof one) < 0 && errno == EINTR)
			;
	}
	return NULL;
}

struct matcher *matcher_new(const regex_t *re, size_t n, size_t max)
{
	struct matcher *m = xcalloc(1, sizeof *m, "stderr patterns");

	m->re = re;
	m->n = n;
	m->text = xcalloc(1, max + 1, "stderr patterns");
	m->done = -1;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->asked, NULL);
	return m;
}

/* Start the thread, with every signal blocked in it; false if it cannot
 * be (then lines are matched in the calling thread). */
static bool start(struct matcher *m)
{
	sigset_t all, old;
	pthread_t thread;
	bool ok;

	m->done = eventfd(0, EFD_CLOEXEC);
	if (m->done < 0)
		return false;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ok = pthread_create(&thread, NULL, match_thread, m) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!ok) {
		close(m->done);
		m->done = -1;
		return false;
	}
	pthread_detach(thread);
	m->started = true;
	return true;
}

static int match_here(struct matcher *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (regexec(&m->re[i], m->text, 0, NULL, 0) == 0)
			return 1;
	return 0;
}

/* Wait for the thread's answer, or for a stop signal. */
static int wait_answer(struct matcher *m)
{
	sigset_t all, old;
	uint64_t v;
	int r = -1;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (!signal_stop) {
		struct pollfd p = { m->done, POLLIN, 0 };

		if (ppoll(&p, 1, NULL, &old) > 0 && read(m->done, &v, sizeof v) == sizeof v) {
			r = m->result;
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

int matcher_run(struct matcher *m, const char *text, size_t len)
{
	if (m->spent)
		return -1;
	memcpy(m->text, text, len);
	m->text[len] = '\0';
	if (!m->started && !start(m))
		return match_here(m);
	pthread_mutex_lock(&m->lock);
	m->pending = true;
	pthread_cond_signal(&m->asked);
	pthread_mutex_unlock(&m->lock);
	if (wait_answer(m) < 0) {
		m->spent = true;
		return -1;
	}
	return m->result;
}

void matcher_free(struct matcher *m)
{
	if (!m || m->spent)
		return;
	if (!m->started) {
		destroy(m);
		return;
	}
	/* The thread is idle: it frees the matcher and ends. */
	pthread_mutex_lock(&m->lock);
	m->quit = true;
	pthread_cond_signal(&m->asked);
	pthread_mutex_unlock(&m->lock);
}
