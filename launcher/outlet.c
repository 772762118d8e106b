/* outlet.c: writing to one output, and reporting its failure once. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "iov.h"
#include "dtee.h"
#include "io.h"
#include "outlet.h"
#include "kernel/sendas.h"
#include "signals.h"

/* Failures waiting to be reported, oldest first. */
static struct outlet *failed_head, **failed_tail = &failed_head;
static bool any_failed;
static bool report_epipe = true;
/* Fds whose outlets send as another process (outlet_send_as). */
static struct {
	int fd;
	const struct ucred *cred;
} send_as_fds[2] = { { -1, NULL }, { -1, NULL } };
static enum output_error mode;
static bool exit_now;

bool is_null_device(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
	       major(st.st_rdev) == 1 && minor(st.st_rdev) == 3;
}

void outlet_send_as(int fd, const struct ucred *cred)
{
	for (int i = 0; i < 2; i++)
		if (send_as_fds[i].fd < 0 || send_as_fds[i].fd == fd) {
			send_as_fds[i].fd = fd;
			send_as_fds[i].cred = cred;
			return;
		}
}

struct outlet outlet_make(int fd, const char *name)
{
	struct outlet o = { .fd = fd, .name = name, .null = is_null_device(fd) };

	for (int i = 0; i < 2; i++)
		if (send_as_fds[i].fd == fd && fd >= 0)
			o.as = send_as_fds[i].cred;
	return o;
}

bool outlet_open(struct outlet *o, const char *path, bool append)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | (append ? O_APPEND : O_TRUNC);
	int fd = open(path, flags, 0666);

	if (fd < 0) {
		msg("%s: %s", path, strerror(errno));
		return false;
	}
	*o = outlet_make(fd, path);
	return true;
}

void outlet_close(struct outlet *o)
{
	if (close(o->fd) < 0 && errno != EINTR)
		outlet_fail(o, errno);
	/* The outlet waits in the failure queue until reported: now, before
	 * its owner frees it. */
	outlets_report();
}

void outlet_fail(struct outlet *o, int err)
{
	if (o->failed)
		return;
	o->failed = true;
	o->err = err;
	/* A reader that has gone, in a nopipe mode: that output ends, quietly. */
	if (err == EPIPE && (mode == OUTERR_WARN_NOPIPE || mode == OUTERR_EXIT_NOPIPE))
		return;
	exit_now |= mode == OUTERR_EXIT || mode == OUTERR_EXIT_NOPIPE;
	o->next_failed = NULL;
	*failed_tail = o;
	failed_tail = &o->next_failed;
	any_failed = true;
}

size_t outlet_writev(struct outlet *o, struct iovec *iov, int cnt)
{
	if (o->null)
		return iov_total(iov, cnt);
	if (o->failed)
		return 0;
	size_t total = iov_total(iov, cnt);
	size_t done = o->as ? send_as_full(o->fd, iov, cnt, o->as) : writev_full(o->fd, iov, cnt);
	if (done < total)
		outlet_fail(o, errno);
	return done;
}

void outlets_report(void)
{
	for (struct outlet *o = failed_head; o; o = o->next_failed)
		if (report_epipe || o->err != EPIPE || signal_stop != SIGPIPE)
			msg("%s: %s", o->name, strerror(o->err));
	failed_head = NULL;
	failed_tail = &failed_head;
}

bool outlets_failed(void)
{
	return any_failed;
}

void outlets_note_loss(void)
{
	any_failed = true;
}

void outlets_report_epipe(bool on)
{
	report_epipe = on;
}

void outlets_set_mode(enum output_error m)
{
	mode = m;
}

bool outlets_exit_now(void)
{
	return exit_now;
}
