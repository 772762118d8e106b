/*
 * preload-errno: return values and errno of the split calls, on a datagram
 * pair made as dtee makes it (the sender bound to DIR/dtee.XXXXXX/o) and
 * put on fd 1 (no launcher needed; the library splits only stdout/stderr
 * sockets).  Run with
 * LD_PRELOAD=libdtee.so; prints one line per failed check on stderr and
 * exits 1 if any failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#define BIG (20u << 20)

static int failures;
static char *big;

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "line %d: %s (errno %s)\n", __LINE__, #cond, strerror(errno)); \
	failures++; } } while (0)

static void *drain(void *arg)
{
	int fd = *(int *)arg;
	static char buf[1 << 20];

	while (recv(fd, buf, sizeof(buf), 0) > 0)
		;
	return NULL;
}

/* Bind fd to DIR/NAME. */
static void bind_in(int fd, const char *dir, const char *name, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof(a->sun_path), "%s/%s", dir, name);
	if (bind(fd, (struct sockaddr *)a, sizeof(*a)) != 0)
		exit(70);
}

/* A pair as dtee makes it: the sender bound to DIR/dtee.XXXXXX/o and
 * connected to a receiver there, the names gone (the library knows a
 * dtee's socket by that name). */
static void dtee_pair(int sv[2])
{
	const char *tmp = getenv("TMPDIR");
	char dir[256];
	struct sockaddr_un in, out;

	snprintf(dir, sizeof(dir), "%s/dtee.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		exit(70);
	sv[0] = socket(AF_UNIX, SOCK_DGRAM, 0);
	sv[1] = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (sv[0] < 0 || sv[1] < 0)
		exit(70);
	bind_in(sv[1], dir, "i", &in);
	bind_in(sv[0], dir, "o", &out);
	if (connect(sv[0], (struct sockaddr *)&in, sizeof(in)) != 0)
		exit(70);
	unlink(in.sun_path);
	unlink(out.sun_path);
	rmdir(dir);
}

/* A connected pair; the sending end is made fd 1 (sv[0] == 1) unless
 * own is set, when it is an fd of the program's own (a plain socketpair). */
static void pair_as(int sv[2], int sndbuf, int own)
{
	if (own) {
		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0)
			exit(70);
	} else {
		dtee_pair(sv);
	}
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (!own && sv[0] != 1) {
		if (dup2(sv[0], 1) != 1)
			exit(70);
		close(sv[0]);
		sv[0] = 1;
	}
}

static void pair(int sv[2], int sndbuf)
{
	pair_as(sv, sndbuf, 0);
}

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static void hung(int sig)
{
	static const char m[] = "hung: a call that should fail with EAGAIN waited\n";

	(void)sig;
	write(2, m, sizeof(m) - 1);
	_exit(1);
}

int main(void)
{
	int sv[2], type, n = -1;
	socklen_t len = sizeof(type);
	pthread_t t;
	ssize_t r;
	FILE *fp;

	big = malloc(BIG + 1);
	memset(big, 'x', BIG);
	big[BIG] = '\0';

	/* Blocking, with a reader: whole count, errno untouched. */
	pair(sv, 1 << 20);
	pthread_create(&t, NULL, drain, &sv[1]);
	errno = 1234;
	CHECK(write(sv[0], big, BIG) == BIG);
	CHECK(errno == 1234);
	/* A NULL or bad msghdr: the real call's EFAULT, on our socket too. */
	errno = 0;
	CHECK(sendmsg(sv[0], NULL, 0) == -1 && errno == EFAULT);
	errno = 0;
	CHECK(sendmsg(sv[0], (struct msghdr *)16, 0) == -1 && errno == EFAULT);
	errno = 1234;
	fp = fdopen(sv[0], "w");
	CHECK(fwrite(big, 1, BIG, fp) == BIG && fflush(fp) == 0 && !ferror(fp));
	CHECK(fprintf(fp, "%s%n", big, &n) == (int)BIG && n == (int)BIG);
	CHECK(fflush(fp) == 0 && !ferror(fp));
	CHECK(errno == 1234);
	fclose(fp);	/* closes fd 1 */
	shutdown(sv[1], SHUT_RDWR);
	pthread_join(t, NULL);
	close(sv[1]);

	/* Non-blocking, nobody reading: a partial count of whole datagrams,
	 * then EAGAIN, as a pipe would. */
	pair(sv, 1 << 20);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	r = write(sv[0], big, BIG);
	CHECK(r > 0 && r < (ssize_t)BIG);
	errno = 0;
	CHECK(write(sv[0], big, BIG) == -1 && errno == EAGAIN);
	fp = fdopen(sv[0], "w");
	CHECK(fwrite(big, 1, BIG, fp) < BIG && ferror(fp));
	/* send with MSG_DONTWAIT, and send on a non-blocking fd we reported as
	 * a stream (Python's socket.socket(fileno=1)): EAGAIN, never a wait. */
	CHECK(getsockopt(1, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM);
	signal(SIGALRM, hung);
	alarm(10);
	errno = 0;
	CHECK(send(sv[0], big, BIG, MSG_DONTWAIT) == -1 && errno == EAGAIN);
	errno = 0;
	CHECK(send(sv[0], big, 1000, MSG_DONTWAIT) == -1 && errno == EAGAIN);
	errno = 0;
	CHECK(send(sv[0], big, 1000, 0) == -1 && errno == EAGAIN);
	errno = 0;
	CHECK(sendto(sv[0], big, BIG, 0, NULL, 0) == -1 && errno == EAGAIN);
	alarm(0);

	/* The other calls that write to a socket, with nobody reading: the
	 * same EAGAIN, never a wait (none of them is waited out).  pwritev2
	 * with an offset other than -1, pwrite, pwritev: ESPIPE or EINVAL, as
	 * always on a socket. */
	{
		struct iovec v = { big, BIG };
		struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1 };
		struct mmsghdr mm = { .msg_hdr = m };

		alarm(10);
		errno = 0;
		CHECK(sendmsg(sv[0], &m, MSG_DONTWAIT) == -1 && errno == EAGAIN);
		errno = 0;
		CHECK(sendmmsg(sv[0], &mm, 1, MSG_DONTWAIT) == -1 && errno == EAGAIN);
		errno = 0;
		CHECK(pwritev2(sv[0], &v, 1, -1, RWF_NOWAIT) == -1 && errno == EAGAIN);
		alarm(0);
		/* With control data (here a file descriptor) one sendmsg is one
		 * message: too big stays EMSGSIZE. */
		union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } ctl;
		memset(&ctl, 0, sizeof(ctl));
		ctl.h.cmsg_len = CMSG_LEN(sizeof(int));
		ctl.h.cmsg_level = SOL_SOCKET;
		ctl.h.cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(&ctl.h), &(int){ 0 }, sizeof(int));
		m.msg_control = &ctl;
		m.msg_controllen = sizeof(ctl.b);
		errno = 0;
		CHECK(sendmsg(sv[0], &m, MSG_DONTWAIT) == -1 && errno == EMSGSIZE);
		errno = 0;
		CHECK(pwritev2(sv[0], &v, 1, 0, 0) == -1 && errno == ESPIPE);
		errno = 0;
		CHECK(pwrite(sv[0], big, BIG, 0) == -1 && errno == ESPIPE);
		errno = 0;
		CHECK(pwritev(sv[0], &v, 1, -1) == -1 && errno == EINVAL);
	}

	/* sendto with an address is a datagram protocol: not split. */
	errno = 0;
	CHECK(sendto(sv[0], big, BIG, 0, (struct sockaddr *)&(struct sockaddr){ .sa_family = AF_UNIX },
		     sizeof(sa_family_t)) == -1);
	/* Reader gone (dtee has exited): what a pipe gives, SIGPIPE to the
	 * thread and EPIPE, for the first failure (ECONNREFUSED) and the next
	 * ones (ENOTCONN), large or small, from stdio too; not the signal
	 * with MSG_NOSIGNAL; a blocked SIGPIPE stays pending. */
	close(sv[1]);
	signal(SIGPIPE, on_sigpipe);
	errno = 0;
	CHECK(write(sv[0], big, BIG) == -1 && errno == EPIPE && sigpipes == 1);
	errno = 0;
	CHECK(write(sv[0], big, 10) == -1 && errno == EPIPE && sigpipes == 2);
	errno = 0;
	CHECK(send(sv[0], big, 10, MSG_NOSIGNAL) == -1 && errno == EPIPE && sigpipes == 2);
	errno = 0;
	CHECK(send(sv[0], big, 10, 0) == -1 && errno == EPIPE && sigpipes == 3);
	errno = 0;
	clearerr(fp);
	CHECK(fprintf(fp, "x\n") >= 0 && fflush(fp) == EOF && errno == EPIPE && sigpipes == 4);
	/* putc is not hooked: its failure (a line flushed) shows at fflush,
	 * as in a shell's echo. */
	{
		FILE *lb = fdopen(sv[0], "w");	/* fd 1: ours */

		setvbuf(lb, NULL, _IOLBF, 0);
		CHECK(fputs("x", lb) >= 0 && fputc('\n', lb) == EOF && ferror(lb) && sigpipes == 4);
		errno = 0;
		CHECK(fflush(lb) == EOF && errno == EPIPE && sigpipes == 5);
		/* That failure was reported: the next fflush, with nothing
		 * left, returns 0 as on a pipe; after clearerr, a new failure
		 * is reported again. */
		CHECK(fflush(lb) == 0 && sigpipes == 5);
		clearerr(lb);
		CHECK(fputs("x", lb) >= 0 && fputc('\n', lb) == EOF && sigpipes == 5);
		errno = 0;
		CHECK(fflush(lb) == EOF && errno == EPIPE && sigpipes == 6);
		sigpipes -= 2;	/* the counts below go on from 4 */
		/* not closed: fd 1 is still fp's */
	}
	{
		FILE *nb = fdopen(sv[0], "w");	/* fd 1: ours */

		/* A positional format is formatted by the library itself (the
		 * output bound does not know it): one SIGPIPE still. */
		setvbuf(nb, NULL, _IONBF, 0);
		errno = 0;
		CHECK(fprintf(nb, "%1$s\n", "x") == -1 && errno == EPIPE && sigpipes == 5);
		/* Reported by fprintf: fflush has nothing new to report. */
		CHECK(fflush(nb) == 0 && sigpipes == 5);
		errno = 0;
		CHECK(dprintf(sv[0], "%1$s\n", "x") == -1 && errno == EPIPE && sigpipes == 6);
		sigpipes -= 2;
		/* not closed: fd 1 is still fp's */
	}
	{
		sigset_t block, pending;

		sigemptyset(&block);
		sigaddset(&block, SIGPIPE);
		pthread_sigmask(SIG_BLOCK, &block, NULL);
		errno = 0;
		CHECK(write(sv[0], big, 10) == -1 && errno == EPIPE && sigpipes == 4);
		sigpending(&pending);
		CHECK(sigismember(&pending, SIGPIPE));
		pthread_sigmask(SIG_UNBLOCK, &block, NULL);
		CHECK(sigpipes == 5);
	}
	signal(SIGPIPE, SIG_IGN);
	errno = 0;
	CHECK(write(sv[0], big, 10) == -1 && errno == EPIPE && sigpipes == 5);
	signal(SIGPIPE, SIG_DFL);
	fclose(fp);	/* closes fd 1; /dev/null takes its place */
	if (open("/dev/null", O_WRONLY) != 1)
		exit(70);

	/* A program's own datagram socket (not stdout/stderr): one send is one
	 * message, too big is EMSGSIZE, as without the library. */
	pair_as(sv, 65536, 1);
	pthread_create(&t, NULL, drain, &sv[1]);
	errno = 0;
	CHECK(send(sv[0], big, 300000, 0) == -1 && errno == EMSGSIZE);
	errno = 0;
	CHECK(write(sv[0], big, 300000) == -1 && errno == EMSGSIZE);
	fp = fdopen(dup(sv[0]), "w");
	CHECK(fprintf(fp, "%s", big) < 0 || fflush(fp) != 0);
	fclose(fp);
	shutdown(sv[1], SHUT_RDWR);
	pthread_join(t, NULL);
	/* Its reader gone: ECONNREFUSED, as without the library. */
	close(sv[1]);
	errno = 0;
	CHECK(write(sv[0], big, 10) == -1 && errno == ECONNREFUSED);
	close(sv[0]);

	/* Bad descriptors: the real call's EBADF. */
	errno = 0;
	CHECK(write(-1, big, BIG) == -1 && errno == EBADF);
	errno = 0;
	CHECK(write(99, big, 10) == -1 && errno == EBADF);
	errno = 0;
	CHECK(sendmsg(99, NULL, 0) == -1 && errno == EBADF);

	/* getsockopt(SO_TYPE): SOCK_STREAM only for fds 1 and 2 that are
	 * connected AF_UNIX datagram sockets. */
	pair_as(sv, 1 << 20, 1);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM);
	n = open("/dev/null", O_WRONLY);
	dup2(sv[0], 1);
	CHECK(getsockopt(1, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM);
	dup2(n, 1);
	CHECK(getsockopt(1, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM ||
	      errno == ENOTSOCK);
	return failures != 0;
}
