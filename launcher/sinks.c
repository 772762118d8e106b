/* sinks.c: opening, writing and closing every output. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sysexits.h>
#include <unistd.h>

#include "io.h"
#include "signals.h"
#include "sinks.h"

void sinks_guard_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (n >= 0 && n != fd)
			close(n);
	}
}

/* The null device, whatever its name. */
static bool is_null_device(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
	       major(st.st_rdev) == 1 && minor(st.st_rdev) == 3;
}

void sinks_open(struct sinks *s, const struct options *opts)
{
	*s = (struct sinks){
		.out = { .fd = STDOUT_FILENO, .name = "stdout", .streams = STREAM_OUT, .std = true },
		.err = { .fd = STDERR_FILENO, .name = "stderr", .streams = STREAM_ERR, .std = true },
	};
	s->out.null = is_null_device(STDOUT_FILENO);
	s->err.null = is_null_device(STDERR_FILENO);
	s->files = calloc(opts->nfiles ? opts->nfiles : 1, sizeof *s->files);
	if (!s->files) {
		msg("%s", strerror(errno));
		exit(EX_OSERR);
	}
	for (size_t i = 0; i < opts->nfiles; i++) {
		const struct file_opt *f = &opts->files[i];
		int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | (f->append ? O_APPEND : O_TRUNC);
		int fd = open(f->path, flags, 0666);

		if (fd < 0) {
			msg("%s: %s", f->path, strerror(errno));
			s->open_failed = true;
			continue;
		}
		s->files[s->nfiles++] = (struct sink){ .fd = fd, .name = f->path, .streams = f->streams };
	}
}

void sinks_pass_to(struct sinks *s, int out, int err)
{
	s->out.fd = out;
	s->err.fd = err;
	s->out.null = is_null_device(out);
	s->err.null = is_null_device(err);
}

void sink_fail(struct sinks *s, struct sink *k, int err)
{
	if (k->failed)
		return;
	k->failed = true;
	s->write_failed = true;
	if (k->std)
		msg("%s: write: %s", k->name, strerror(err));
	else
		msg("%s: %s", k->name, strerror(err));
	if (k->std && err == EPIPE && s->die_on_epipe) {
		sinks_close(s);
		die_by_signal(SIGPIPE);
	}
}

size_t sink_write(struct sinks *s, struct sink *k, struct iovec *iov, int cnt)
{
	size_t total = 0;

	for (int i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	if (k->null)
		return total;
	if (k->failed)
		return 0;
	size_t done = writev_full(k->fd, iov, cnt);
	if (done < total)
		sink_fail(s, k, errno);
	return done;
}

void sinks_close(struct sinks *s)
{
	for (size_t i = 0; i < s->nfiles; i++) {
		struct sink *k = &s->files[i];
		if (close(k->fd) < 0 && errno != EINTR)
			sink_fail(s, k, errno);
	}
	free(s->files);
	s->files = NULL;
	s->nfiles = 0;
}
