/*
 * preload-cases MODE: single cases for the libdtee.so tests, each a
 * regression of its own.  Exit status 0 when the case behaved, 1 when not
 * (with a line on stderr), 70 when it could not be set up.
 *
 *   dup       write 1 MB to dup(1) as fd 5 (run under a launcher whose fd 1
 *             is a datagram socket: the copy is split like fd 1)
 *   closefrom fd 1 is /dev/null and printed to; closefrom(1); a datagram
 *             socketpair takes fds 1 and 2; a 1 MB dprintf to fd 1 must
 *             arrive whole (the fd cache forgot what closefrom closed)
 *   hifd      1000 fprintf()s to a FILE on fd 5000 (/dev/null): run under
 *             strace to count the system calls the library adds
 *   longjmp   fd 1 is a socketpair whose reader starts after 1 s; a 20 MB
 *             write(1) is left by siglongjmp from a timer; another thread
 *             then writes 2 MB three times, and none of those may wait
 *             for the first one's lock more than once
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MB 1000000

static char *big;
static int peer;
static size_t received;

static void *drain(void *arg)
{
	static char buf[1 << 22];
	ssize_t n;

	if (arg != NULL)
		sleep(1);
	while ((n = recv(peer, buf, sizeof(buf), 0)) > 0)
		received += (size_t)n;
	return NULL;
}

static char *pattern(size_t n)
{
	char *p = malloc(n + 1);

	if (p == NULL)
		exit(70);
	memset(p, 'x', n);
	p[n] = '\0';
	return p;
}

static int case_dup(void)
{
	int fd = fcntl(1, F_DUPFD, 5);
	ssize_t r;

	big = pattern(MB);
	r = write(fd, big, MB);
	if (r != MB) {
		fprintf(stderr, "write(dup(1), 1 MB) = %zd (%s)\n", r, strerror(errno));
		return 1;
	}
	return 0;
}

static int case_closefrom(void)
{
	int sv[2], sndbuf = 1 << 18, r, null = open("/dev/null", O_WRONLY);
	pthread_t t;

	if (null < 0 || dup2(null, 1) != 1 || dup2(null, 2) != 2)
		return 70;
	dprintf(1, "hello\n");		/* the fd cache: fd 1 is not ours */
	closefrom(1);
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0 || sv[0] != 1)
		return 70;
	setsockopt(1, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	peer = sv[1];
	pthread_create(&t, NULL, drain, NULL);
	big = pattern(MB);
	r = dprintf(1, "%s", big);
	shutdown(peer, SHUT_RDWR);
	pthread_join(t, NULL);
	/* stderr is the socket's other end now: only the status tells. */
	return r == MB && received == MB ? 0 : 1;
}

static int case_hifd(void)
{
	int fd = fcntl(open("/dev/null", O_WRONLY), F_DUPFD, 5000);
	FILE *fp = fd < 0 ? NULL : fdopen(fd, "w");

	if (fp == NULL)
		return 70;
	for (int i = 0; i < 1000; i++)
		fprintf(fp, "line %d\n", i);
	return fclose(fp) != 0;
}

static sigjmp_buf jump;

static void on_alarm(int sig)
{
	(void)sig;
	siglongjmp(jump, 1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double took[3];

static void *second_writer(void *arg)
{
	for (int i = 0; i < 3; i++) {
		double t0 = now();

		if (write(1, big, 2 * MB) != 2 * MB)
			took[i] = -1;
		else
			took[i] = now() - t0;
	}
	return arg;
}

static int second_writes(void)
{
	pthread_t writer;
	int bad = 0;

	pthread_create(&writer, NULL, second_writer, NULL);
	pthread_join(writer, NULL);
	for (int i = 0; i < 3; i++) {
		fprintf(stderr, "write %d of 2 MB: %.2f s\n", i + 1, took[i]);
		/* The first may wait out the stale lock once; no later one. */
		if (took[i] < 0 || (i > 0 && took[i] > 2.0))
			bad = 1;
	}
	return bad;
}

static int case_longjmp(void)
{
	int sv[2], sndbuf = 1 << 18;
	struct itimerval it = { { 0, 0 }, { 0, 300000 } };
	pthread_t reader;

	big = pattern(20 * MB);
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0 || dup2(sv[0], 1) != 1)
		return 70;
	setsockopt(1, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	peer = sv[1];
	pthread_create(&reader, NULL, drain, "late");
	signal(SIGALRM, on_alarm);
	if (sigsetjmp(jump, 1) == 0) {
		setitimer(ITIMER_REAL, &it, NULL);
		write(1, big, 20 * MB);
		fprintf(stderr, "the write was not interrupted\n");
		return 70;
	}
	return second_writes();
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 64;
	if (strcmp(argv[1], "dup") == 0)
		return case_dup();
	if (strcmp(argv[1], "closefrom") == 0)
		return case_closefrom();
	if (strcmp(argv[1], "hifd") == 0)
		return case_hifd();
	if (strcmp(argv[1], "longjmp") == 0)
		return case_longjmp();
	return 64;
}
