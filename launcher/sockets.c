/* sockets.c: one bound input socket and three senders connected to it, in a
 * private directory that is gone before the command starts. The kernel keeps
 * each socket's name after the path is unlinked, so the sender's address
 * still tells the streams apart, and nobody can reach the input any more.
 *
 * The names exist for a few system calls only, and even a SIGKILL then must
 * not leave them behind: a child that shares dtee's memory and file table
 * (Linux clone(2)) makes them and removes them, while dtee waits. The
 * sockets it creates are dtee's; if dtee is killed meanwhile, the child
 * still removes the names before it exits. Only a kill of both (the whole
 * process group) can leave them. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sinks/sink.h"
#include "sockets.h"
#include "tmpdir.h"

/* The names inside the directory. */
static const char *const names[NSOCKS] = {
	[SOCK_IN] = "i", [SOCK_OUT] = "o", [SOCK_ERR] = "e", [SOCK_CTL] = "c",
	[SOCK_RELAY_OUT] = "O", [SOCK_RELAY_ERR] = "E", [SOCK_RELAY_WHO] = "W",
};

/* mkdtemp under base, if "base/dtee.XXXXXX/x" fits in a socket path. */
static int make_dir(const char *base, void *dir)
{
	struct sockaddr_un a;
	int n = snprintf(dir, PATH_MAX, "%s/dtee.XXXXXX", base);

	if (n < 0 || (size_t)n + 3 > sizeof a.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return mkdtemp(dir) ? 0 : -1;
}

static void set_path(struct sockaddr_un *a, socklen_t *len, const char *dir, const char *name)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	int n = snprintf(a->sun_path, sizeof a->sun_path, "%s/%s", dir, name);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
}

/* Ask for the largest buffer an unprivileged process may have: the kernel
 * clamps the request to net.core.[wr]mem_max (SO_*BUFFORCE is not used, on
 * purpose: the limits are the administrator's). */
static void grow_buffer(int fd, int opt)
{
	int want = INT_MAX / 2;

	(void)setsockopt(fd, SOL_SOCKET, opt, &want, sizeof want);
}

static int close_keep_errno(int fd)
{
	int e = errno;

	close(fd);
	errno = e;
	return -1;
}

static int bound_socket(const struct sockaddr_un *a, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (const struct sockaddr *)a, len) < 0)
		return close_keep_errno(fd);
	return fd;
}

static int sender(struct sockets *s, enum sock which)
{
	int fd = bound_socket(&s->addr[which], s->addr_len[which]);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&s->addr[SOCK_IN], s->addr_len[SOCK_IN]) < 0 ||
	    shutdown(fd, SHUT_RD) < 0)
		return close_keep_errno(fd);
	grow_buffer(fd, SO_SNDBUF);
	return fd;
}

/* The input socket, with what the kernel should record of each datagram:
 * the time it was queued is taken when the writer sends it, so it must be
 * asked for before anything is written. */
static int receiver(struct sockets *s, unsigned needs)
{
	int on = 1;
	int fd = bound_socket(&s->addr[SOCK_IN], s->addr_len[SOCK_IN]);

	if (fd < 0)
		return -1;
	grow_buffer(fd, SO_RCVBUF);
	if (((needs & SINK_TIME) && setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0) ||
	    ((needs & SINK_PID) && setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0))
		return close_keep_errno(fd);
	return fd;
}

static void remove_names(const struct sockets *s, const char *dir)
{
	for (int i = 0; i < NSOCKS; i++)
		if (s->addr_len[i] > 0)
			(void)unlink(s->addr[i].sun_path);
	(void)rmdir(dir);
}

/* Create the sockets; "what" says which call failed. */
static int create_all(struct sockets *s, unsigned needs, bool relay, const char **what)
{
	int sndbuf = 0;
	socklen_t optlen = sizeof sndbuf;

	*what = "socket";
	if ((s->in = receiver(s, needs)) < 0 ||
	    (s->out = sender(s, SOCK_OUT)) < 0 ||
	    (s->err = sender(s, SOCK_ERR)) < 0 ||
	    (s->ctl = sender(s, SOCK_CTL)) < 0)
		return -1;
	if (relay && ((s->relay_out = sender(s, SOCK_RELAY_OUT)) < 0 ||
		      (s->relay_err = sender(s, SOCK_RELAY_ERR)) < 0 ||
		      (s->relay_who = sender(s, SOCK_RELAY_WHO)) < 0))
		return -1;
	*what = "fcntl";
	if (fcntl(s->ctl, F_SETFL, O_NONBLOCK) < 0)
		return -1;
	*what = "getsockopt";
	if (getsockopt(s->out, SOL_SOCKET, SO_SNDBUF, &sndbuf, &optlen) < 0)
		return -1;
	/* A datagram is charged to the sender's buffer with some overhead, so
	 * no datagram that out or err accepts is larger than its buffer. */
	s->max_dgram = (size_t)sndbuf;
	return 0;
}

/* The work of the set-up child, and what it found. */
struct setup {
	struct sockets *s;
	unsigned needs;
	bool relay;
	int result, err;
	const char *where, *what;
	char dir[PATH_MAX];
};

/* In the child: make the directory and the sockets, remove the names. No
 * messages here: the child shares dtee's memory, and dtee speaks after. */
static int setup_child(void *arg)
{
	struct setup *u = arg;

	u->what = NULL;
	if (tmpdir_try(make_dir, u->dir, &u->where) < 0) {
		u->err = errno;
		u->result = -1;
		return 0;
	}
	for (int i = 0; i < NSOCKS; i++)
		if (u->relay || i < SOCK_RELAY_OUT)
			set_path(&u->s->addr[i], &u->s->addr_len[i], u->dir, names[i]);
	u->result = create_all(u->s, u->needs, u->relay, &u->what);
	u->err = errno;
	remove_names(u->s, u->dir);
	return 0;
}

/* The child's stack: it makes a few system calls and formats paths. */
#define SETUP_STACK (64 * 1024)

/* Run setup_child in a child that shares memory and files, with every
 * signal blocked, and wait for it; where clone() cannot, in dtee itself. */
static void run_setup(struct setup *u)
{
	static char stack[SETUP_STACK] __attribute__((aligned(16)));
	sigset_t all, old;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid_t pid = clone(setup_child, stack + sizeof stack,
			  CLONE_VM | CLONE_FILES | CLONE_VFORK | SIGCHLD, u);
	if (pid < 0)
		setup_child(u);
	else
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	sigprocmask(SIG_SETMASK, &old, NULL);
}

int sockets_create(struct sockets *s, unsigned needs, bool relay)
{
	struct setup u = { .s = s, .needs = needs, .relay = relay };

	*s = (struct sockets){ .in = -1, .out = -1, .err = -1, .ctl = -1,
			       .relay_out = -1, .relay_err = -1, .relay_who = -1,
			       .needs = needs };
	run_setup(&u);
	if (u.result < 0 && !u.what) {
		msg("cannot create a directory for sockets in %s: %s", u.where, strerror(u.err));
		return -1;
	}
	if (u.result < 0) {
		msg("%s: %s", u.what, strerror(u.err));
		int *fds[] = { &s->in, &s->out, &s->err, &s->ctl, &s->relay_out, &s->relay_err,
				&s->relay_who };
		for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
			if (*fds[i] >= 0)
				close(*fds[i]);
		return -1;
	}
	return 0;
}

void sockets_hang_up(const struct sockets *s)
{
	(void)shutdown(s->out, SHUT_WR);
	(void)shutdown(s->err, SHUT_WR);
}
