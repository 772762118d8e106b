/* attach-repoint: a process that tries to make dtee --attach send its
 * data as dtee (issue 23, item 1).
 *
 *   attach-repoint DIR
 *
 * Puts an unconnected Unix datagram socket on fd 1 and keeps a second fd
 * on it; writes its pid to DIR/pid. Once fd 1 is another file (dtee has
 * attached), connects the kept fd to a listener of its own that has
 * SO_PASSCRED, writes "forged" to fd 1 (dtee's socket: dtee's pass-through
 * sends it on the kept socket's description) and writes to DIR/creds what
 * the listener saw: "PID UID GID BYTES" of the first datagram, or "none"
 * after 10 s without one. Exits once DIR/stop exists. */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *dir;

static void die(const char *what)
{
	fprintf(stderr, "attach-repoint: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* DIR/name holds text, all at once (written aside, then renamed). */
static void put(const char *name, const char *text)
{
	char path[4096], tmp[4200];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if (!(f = fopen(tmp, "w")) || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, path) < 0)
		die(path);
}

static int exists(const char *name)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void nap(void)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

static ino_t inode(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

/* A listener on an abstract address of this process's own. */
static int listener(struct sockaddr_un *a, socklen_t *alen)
{
	int one = 1, fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	int n;

	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	n = snprintf(a->sun_path + 1, sizeof a->sun_path - 1, "dtee-attach-repoint-%d", (int)getpid());
	*alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	if (fd < 0 || bind(fd, (struct sockaddr *)a, *alen) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
		die("listener");
	return fd;
}

static void report(int fd)
{
	union {
		char b[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	char buf[256], line[128];
	struct iovec iov = { buf, sizeof buf };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b };
	struct ucred cred = { -1, (uid_t)-1, (gid_t)-1 };
	ssize_t n;

	if (poll(&(struct pollfd){ fd, POLLIN, 0 }, 1, 10000) <= 0) {
		put("creds", "none\n");
		return;
	}
	if ((n = recvmsg(fd, &m, 0)) < 0)
		die("recvmsg");
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
			memcpy(&cred, CMSG_DATA(c), sizeof cred);
	snprintf(line, sizeof line, "%d %u %u %zd\n", (int)cred.pid, (unsigned)cred.uid, (unsigned)cred.gid, n);
	put("creds", line);
}

int main(int argc, char **argv)
{
	struct sockaddr_un a;
	socklen_t alen;
	char pid[32];
	int kept, l;
	ino_t mine;

	if (argc != 2) {
		fprintf(stderr, "usage: attach-repoint DIR\n");
		return 2;
	}
	dir = argv[1];
	if ((kept = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0 || dup2(kept, 1) < 0)
		die("socket");
	mine = inode(kept);
	l = listener(&a, &alen);
	snprintf(pid, sizeof pid, "%d\n", (int)getpid());
	put("pid", pid);
	while (inode(1) == mine && !exists("stop"))
		nap();
	if (!exists("stop")) {
		if (connect(kept, (struct sockaddr *)&a, alen) < 0)
			die("connect");
		if (write(1, "forged\n", 7) != 7)
			die("write");
		report(l);
	}
	while (!exists("stop"))
		nap();
	return 7;
}
