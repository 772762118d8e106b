/* dgram-sink PATH COUNT: bind a unix datagram socket at PATH, receive
 * COUNT datagrams as fast as the kernel hands them over (recvmmsg), and
 * exit 0. A receiver that costs next to nothing, for scripts/bench-syslog:
 * with it, the sender's own speed shows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define VLEN 64
#define SIZE 65536

int main(int argc, char **argv)
{
	static char bufs[VLEN][SIZE];
	struct mmsghdr m[VLEN];
	struct iovec iov[VLEN];
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	long want, got = 0;
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof a.sun_path) {
		fprintf(stderr, "usage: dgram-sink PATH COUNT\n");
		return 2;
	}
	want = atol(argv[2]);
	strcpy(a.sun_path, argv[1]);
	unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		perror("dgram-sink: bind");
		return 1;
	}
	for (int i = 0; i < VLEN; i++) {
		iov[i] = (struct iovec){ bufs[i], SIZE };
		m[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	while (got < want) {
		int n = recvmmsg(fd, m, VLEN, MSG_WAITFORONE, NULL);
		if (n < 0) {
			perror("dgram-sink: recvmmsg");
			return 1;
		}
		got += n;
	}
	unlink(argv[1]);
	return 0;
}
