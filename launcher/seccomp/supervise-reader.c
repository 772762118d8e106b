/* supervise-reader.c: whether the reader of a Unix datagram socket that is
 * not dtee's is inside the command. Linux only.
 *
 * An unprivileged dtee may not send as the writer (the kernel refuses the
 * writer's pid in SCM_CREDENTIALS), so it may relay a write on a foreign
 * socket under its own identity only where no reader outside the command
 * could trust that identity: where the socket's peer, the socket that
 * receives, is held by one of the writer's ancestors below dtee, all of
 * them under dtee's filter (the case meant: the input socket of a dtee
 * started inside the command). Sockets are named by inode: a path can be
 * bound again, or mean another socket in another mount namespace. The
 * peer's inode comes from the kernel's sock_diag interface (unix_diag),
 * which needs no privilege. */
#include <dirent.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervise-private.h"

/* The inode of the socket that sock (a connected Unix socket, by its own
 * inode) sends to, or 0. */
static ino_t peer_inode(ino_t sock)
{
	struct {
		struct nlmsghdr nh;
		struct unix_diag_req req;
	} q = {
		.nh = { .nlmsg_len = sizeof q, .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST },
		.req = { .sdiag_family = AF_UNIX, .udiag_states = ~0U, .udiag_ino = (__u32)sock,
			 .udiag_show = UDIAG_SHOW_PEER,
			 .udiag_cookie = { INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE } },
	};
	long buf[1024];
	ino_t peer = 0;
	int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	ssize_t n;

	if (nl < 0)
		return 0;
	if (send(nl, &q, sizeof q, 0) == (ssize_t)sizeof q &&
	    (n = recv(nl, buf, sizeof buf, 0)) > 0) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (NLMSG_OK(h, (size_t)n) && h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
			struct unix_diag_msg *m = NLMSG_DATA(h);
			struct rtattr *a = (struct rtattr *)(m + 1);
			int len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *m));

			for (; m->udiag_ino == sock && RTA_OK(a, len); a = RTA_NEXT(a, len))
				if (a->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(a) >= sizeof(__u32))
					peer = *(__u32 *)RTA_DATA(a);
		}
	}
	close(nl);
	return peer;
}

/* pid's parent, from /proc/PID/stat, or 0. */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *close_paren;
	int ppid = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "re")))
		return 0;
	/* The name, in parentheses, may hold anything: parse after the last ')'. */
	if (fgets(buf, sizeof buf, f) && (close_paren = strrchr(buf, ')')))
		(void)sscanf(close_paren + 1, " %*c %d", &ppid);
	fclose(f);
	return ppid;
}

/* Whether process pid has the socket of that inode open. */
static bool holds_socket(pid_t pid, ino_t ino)
{
	char dir[64], path[320], link[64], want[64];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
	snprintf(want, sizeof want, "socket:[%llu]", (unsigned long long)ino);
	if (!(d = opendir(dir)))
		return false;
	while (!found && (e = readdir(d))) {
		ssize_t n;

		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		n = readlink(path, link, sizeof link - 1);
		found = n > 0 && (size_t)n == strlen(want) && memcmp(link, want, (size_t)n) == 0;
	}
	closedir(d);
	return found;
}

bool reader_in_command(const struct supervisor *sv, pid_t writer, int sock)
{
	struct stat st;
	ino_t peer;

	if (fstat(sock, &st) < 0 || !S_ISSOCK(st.st_mode) || !(peer = peer_inode(st.st_ino)))
		return false;
	/* Up from the writer to dtee: every process on the way is under the
	 * filter. A chain that never reaches dtee (a process adopted by init or
	 * a subreaper) proves nothing. */
	for (pid_t p = writer; p > 1 && p != sv->self; p = parent_of(p))
		if (holds_socket(p, peer)) {
			for (pid_t q = parent_of(p); q != sv->self; q = parent_of(q))
				if (q <= 1)
					return false;
			return true;
		}
	return false;
}
