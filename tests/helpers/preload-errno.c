/*
 * preload-errno: return values and errno of the split calls, on a
 * socketpair(AF_UNIX, SOCK_DGRAM) of its own (no launcher needed).  Run
 * with LD_PRELOAD=libdtee.so; prints one line per failed check on stderr
 * and exits 1 if any failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

static void pair(int sv[2], int sndbuf)
{
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0)
		exit(70);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
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
	fp = fdopen(dup(sv[0]), "w");
	CHECK(fwrite(big, 1, BIG, fp) == BIG && fflush(fp) == 0 && !ferror(fp));
	CHECK(fprintf(fp, "%s%n", big, &n) == (int)BIG && n == (int)BIG);
	CHECK(fflush(fp) == 0 && !ferror(fp));
	CHECK(errno == 1234);
	fclose(fp);
	shutdown(sv[1], SHUT_RDWR);
	close(sv[0]);
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
	fp = fdopen(dup(sv[0]), "w");
	CHECK(fwrite(big, 1, BIG, fp) < BIG && ferror(fp));
	fclose(fp);

	/* sendto with an address is a datagram protocol: not split. */
	errno = 0;
	CHECK(sendto(sv[0], big, BIG, 0, (struct sockaddr *)&(struct sockaddr){ .sa_family = AF_UNIX },
		     sizeof(sa_family_t)) == -1);
	/* Peer gone: the same error as the real call gives a small write. */
	close(sv[1]);
	errno = 0;
	CHECK(write(sv[0], big, BIG) == -1 && errno == ECONNREFUSED);
	close(sv[0]);

	/* Bad descriptors: the real call's EBADF. */
	errno = 0;
	CHECK(write(-1, big, BIG) == -1 && errno == EBADF);
	errno = 0;
	CHECK(write(99, big, 10) == -1 && errno == EBADF);

	/* getsockopt(SO_TYPE): SOCK_STREAM only for fds 1 and 2 that are
	 * connected AF_UNIX datagram sockets. */
	pair(sv, 1 << 20);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM);
	n = dup(1);
	dup2(sv[0], 1);
	CHECK(getsockopt(1, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM);
	dup2(n, 1);
	CHECK(getsockopt(1, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM ||
	      errno == ENOTSOCK);
	return failures != 0;
}
