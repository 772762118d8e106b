/* supervise.c: the seccomp supervisor (--seccomp). Linux only: seccomp user
 * notification with SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux 5.19),
 * kcmp(2), process_vm_readv(2) and pidfd_getfd(2).
 *
 * The child installs a filter before exec that stops three kinds of call on
 * fds 1 and 2 and asks dtee what to do:
 *   write(fd, buf, count)    with count > limit (the largest write that
 *                            surely fits in one datagram);
 *   writev(fd, iov, cnt)     always: BPF cannot see the total;
 *   setsockopt(fd, SOL_SOCKET, SO_SNDBUF[FORCE], ...)
 *                            so the command cannot shrink the socket's
 *                            buffer below limit behind the filter's back.
 * Every other call runs untouched, and costs the filter's few instructions.
 *
 * A thread in dtee receives each stopped call, checks with kcmp() which of
 * dtee's sockets the fd is (another file: the call goes on untouched, with
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE), copies the data out of the command's
 * memory with process_vm_readv() one chunk at a time and sends each chunk
 * on the same socket, so the collector sees the right stream; then it
 * answers with the byte count. The stopped thread waits for the answer, so
 * the order of its writes is kept, and with WAIT_KILLABLE_RECV a signal can
 * no longer restart a call that dtee has taken: nothing is sent twice.
 *
 * A datagram socket that is not dtee's own (the sockets of a dtee started
 * inside the command, whose own filter the kernel refuses with EBUSY) is
 * fetched with pidfd_getfd() and served the same way, except that every
 * datagram carries the writer's identity (SCM_CREDENTIALS: its process,
 * real uid and gid), never dtee's: the socket's reader may trust it. Only
 * a privileged dtee may claim another process; where the kernel refuses,
 * the call runs in the process, as it would without the supervisor.
 *
 * dtee can die, or exit, before the command's last process. A listener
 * that no one holds any more makes every stopped call fail with ENOSYS,
 * and one that is held but not read leaves them waiting. So a small
 * process, the heir ("dtee-supervise"), holds a copy of the listener: while
 * dtee serves it only watches; once dtee is gone (a pipe whose only writer
 * is dtee reports the hang-up) it answers every stopped call with
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE, so the real call runs and fails as it
 * would without the supervisor (ECONNREFUSED, then ENOTCONN; EMSGSIZE when
 * too large). Calls dtee had taken but not answered when it died are found
 * from ids it leaves in a shared page, and let run the same way. The heir
 * ends when no process is left under the filter (the listener polls
 * POLLHUP, Linux 5.8). It needs no ptrace access: it never reads the
 * command's memory, so it does not matter that it is no ancestor of the
 * command (Yama). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dtee.h"
#include "signals.h"
#include "supervise.h"

#ifndef KCMP_FILE
#define KCMP_FILE 0
#endif
/* Linux 6.6: wake the supervisor and the stopped thread on the same CPU, in
 * turn, instead of through the scheduler: trapped calls cost less. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/* The largest datagram dtee itself sends, and the largest write() let
 * through to the socket untouched: the collector keeps memory small for
 * datagrams up to this size. */
#define CHUNK (256 * 1024)
/* write() never moves more than this in one call (MAX_RW_COUNT). */
#define MAX_RW 0x7ffff000UL
/* Set in the command's environment once dtee's filter is in place: a dtee
 * started inside it, refused a filter of its own (EBUSY), knows that this
 * supervisor serves its sockets too, and stays quiet about it. */
#define ENV_SUPERVISED "_DTEE_SUPERVISED"

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define NATIVE_ARCH AUDIT_ARCH_I386
#elif defined(__riscv) && __riscv_xlen == 64
#define NATIVE_ARCH AUDIT_ARCH_RISCV64
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define ARG_HI(i) (offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#else
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#define ARG_HI(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#endif

/* How the child tells dtee whether it has a filter: err 0 and the
 * listener as SCM_RIGHTS, or the errno of the failure. */
struct hello {
	int err;
};

struct reply {
	bool go_on;		/* let the call run as if never stopped */
	long long val;		/* else its return value... */
	int err;		/* ...or this errno */
};

#define MAX_WORKERS 16
/* How many ids past the last one dtee recorded the heir checks: the call
 * dtee was taking when it died is one of them. */
#define SWEEP 64

/* Shared with the heir: the stopped calls dtee may hold unanswered. */
struct shared {
	uint64_t last_id;	/* the serving thread's latest call */
	int have_last;
	int busy[MAX_WORKERS];	/* a worker holds id[i] */
	uint64_t id[MAX_WORKERS];
};

/* One stopped write being served, and the memory to serve it with. */
struct job {
	struct supervisor *sv;
	uint64_t id;
	pid_t pid;
	int sock;		/* where to send */
	int owned;		/* a foreign socket's copy, closed when done */
	bool claim;		/* send as the writer (foreign sockets) */
	struct ucred cred;	/* the writer's identity, when claim */
	int slot;		/* a worker's index in shared->busy, or -1 */
	int cnt;
	size_t total;
	struct seccomp_notif_resp *resp;
	char *buf;		/* CHUNK bytes */
	struct iovec iov[IOV_MAX];	/* a writev's vector, as the command gave it */
	struct iovec part[IOV_MAX];	/* the slice of it that one chunk reads */
};

struct supervisor {
	const struct sockets *sk;
	int pair[2];		/* [0] dtee's end, [1] the child's */
	int listener;
	int life;		/* dtee's end of the pipe the heir watches, or -1 */
	struct shared *shared;	/* MAP_SHARED with the heir, or NULL */
	pid_t self;
	size_t limit;
	struct sock_filter code[24];
	struct sock_fprog prog;
	struct seccomp_notif_sizes sizes;
	struct seccomp_notif *req;
	struct job *job;	/* the serving thread's own */
	unsigned long unreadable;	/* atomic: calls let through unread */
	unsigned workers;	/* atomic: threads serving foreign sockets */
};

static long seccomp_call(unsigned op, unsigned flags, void *arg)
{
	return syscall(SYS_seccomp, op, flags, arg);
}

static int kcmp_file(pid_t pid, int fd, pid_t self, int ours)
{
	return (int)syscall(SYS_kcmp, pid, self, KCMP_FILE, fd, ours);
}

/* The filter. Labels are instruction indices; a jump's offset counts from
 * the next instruction. */
enum {
	L_ARCH, L_ARCH_OK, L_NR, L_IS_WRITE, L_TO_COUNT, L_IS_WRITEV, L_IS_SETSOCKOPT,
	L_LEVEL, L_LEVEL_OK, L_OPTNAME, L_SNDBUF, L_SNDBUFFORCE,
	L_COUNT_HI, L_COUNT_HI_OK, L_COUNT_LO, L_COUNT_OK,
	L_FD, L_FD1, L_FD2, L_NOTIFY, L_ALLOW, L_END
};
#define TO(from, to) ((to) - (from) - 1)

static void build_filter(struct supervisor *sv)
{
#ifdef NATIVE_ARCH
	const struct sock_filter code[L_END] = {
		[L_ARCH] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		[L_ARCH_OK] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 0, TO(L_ARCH_OK, L_ALLOW)),
		[L_NR] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		[L_IS_WRITE] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_write, 0, TO(L_IS_WRITE, L_IS_WRITEV)),
		[L_TO_COUNT] = BPF_STMT(BPF_JMP | BPF_JA, TO(L_TO_COUNT, L_COUNT_HI)),
		[L_IS_WRITEV] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_writev, TO(L_IS_WRITEV, L_FD), 0),
		[L_IS_SETSOCKOPT] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_setsockopt, 0,
					     TO(L_IS_SETSOCKOPT, L_ALLOW)),
		[L_LEVEL] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
		[L_LEVEL_OK] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SOL_SOCKET, 0, TO(L_LEVEL_OK, L_ALLOW)),
		[L_OPTNAME] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2)),
		[L_SNDBUF] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SO_SNDBUF, TO(L_SNDBUF, L_FD), 0),
		[L_SNDBUFFORCE] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SO_SNDBUFFORCE, TO(L_SNDBUFFORCE, L_FD),
					   TO(L_SNDBUFFORCE, L_ALLOW)),
		[L_COUNT_HI] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_HI(2)),
		[L_COUNT_HI_OK] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, TO(L_COUNT_HI_OK, L_FD)),
		[L_COUNT_LO] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2)),
		[L_COUNT_OK] = BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)sv->limit, TO(L_COUNT_OK, L_FD),
					TO(L_COUNT_OK, L_ALLOW)),
		[L_FD] = BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
		[L_FD1] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, STDOUT_FILENO, TO(L_FD1, L_NOTIFY), 0),
		[L_FD2] = BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, STDERR_FILENO, TO(L_FD2, L_NOTIFY),
				   TO(L_FD2, L_ALLOW)),
		[L_NOTIFY] = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		[L_ALLOW] = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	_Static_assert(L_END <= sizeof sv->code / sizeof sv->code[0], "filter too long");

	memcpy(sv->code, code, sizeof code);
	sv->prog = (struct sock_fprog){ .len = L_END, .filter = sv->code };
#else
	(void)sv;
#endif
}

/* Can this kernel do it all? A message and false where it cannot. */
static bool kernel_can(struct supervisor *sv)
{
	unsigned action = SECCOMP_RET_USER_NOTIF;
	char probe = 0, copy;
	struct iovec local = { &copy, 1 }, remote = { &probe, 1 };

#ifndef NATIVE_ARCH
	msg("--seccomp: not supported on this architecture; running without it");
	return false;
#endif
	if (seccomp_call(SECCOMP_GET_ACTION_AVAIL, 0, &action) < 0 ||
	    seccomp_call(SECCOMP_GET_NOTIF_SIZES, 0, &sv->sizes) < 0) {
		msg("--seccomp: this kernel has no seccomp user notification: %s; running without it",
		    strerror(errno));
		return false;
	}
	/* The flags are checked before the program is read, so a NULL one
	 * answers EFAULT where they are known and installs nothing. */
	if (seccomp_call(SECCOMP_SET_MODE_FILTER,
			 SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
			 NULL) == 0 || errno != EFAULT) {
		if (errno == EINVAL)
			msg("--seccomp: this kernel cannot hold a stopped write against signals "
			    "(needs Linux 5.19 or later); running without it");
		else
			msg("--seccomp: seccomp: %s; running without it", strerror(errno));
		return false;
	}
	if (kcmp_file(sv->self, sv->sk->out, sv->self, sv->sk->out) != 0) {
		msg("--seccomp: kcmp: %s; running without it", strerror(errno));
		return false;
	}
	if (process_vm_readv(sv->self, &local, 1, &remote, 1, 0) != 1) {
		msg("--seccomp: process_vm_readv: %s; running without it", strerror(errno));
		return false;
	}
	return true;
}

static void free_job(struct job *job)
{
	if (job) {
		free(job->resp);
		free(job->buf);
		free(job);
	}
}

static struct job *new_job(struct supervisor *sv)
{
	struct job *job = calloc(1, sizeof *job);
	size_t rsize = sv->sizes.seccomp_notif_resp;

	if (!job)
		return NULL;
	job->sv = sv;
	job->owned = -1;
	job->slot = -1;
	job->resp = calloc(1, rsize > sizeof *job->resp ? rsize : sizeof *job->resp);
	job->buf = malloc(CHUNK);
	if (!job->resp || !job->buf) {
		free_job(job);
		return NULL;
	}
	return job;
}

static void discard(struct supervisor *sv)
{
	if (sv->pair[0] >= 0) {
		close(sv->pair[0]);
		close(sv->pair[1]);
	}
	if (sv->shared)
		munmap(sv->shared, sizeof *sv->shared);
	free(sv->req);
	free_job(sv->job);
	free(sv);
}

struct supervisor *supervise_prepare(const struct sockets *sk)
{
	struct supervisor *sv = calloc(1, sizeof *sv);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (!sv) {
		msg("--seccomp: %s; running without it", strerror(errno));
		return NULL;
	}
	sv->sk = sk;
	sv->self = getpid();
	sv->listener = -1;
	sv->life = -1;
	sv->pair[0] = sv->pair[1] = -1;
	/* A datagram fits if it is no larger than the sender's buffer less
	 * a little; keep a page of room. */
	sv->limit = sk->max_dgram > CHUNK + page ? CHUNK : (sk->max_dgram - 1) / page * page - page;
	if (sk->max_dgram < 4 * page)
		sv->limit = 0;
	if (sv->limit == 0) {
		msg("--seccomp: the sockets' buffers are too small (%zu bytes); running without it",
		    sk->max_dgram);
		discard(sv);
		return NULL;
	}
	if (!kernel_can(sv)) {
		discard(sv);
		return NULL;
	}
	sv->req = calloc(1, sv->sizes.seccomp_notif > sizeof *sv->req ?
			 sv->sizes.seccomp_notif : sizeof *sv->req);
	sv->job = new_job(sv);
	if (!sv->req || !sv->job ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv->pair) < 0) {
		msg("--seccomp: %s; running without it", strerror(errno));
		discard(sv);
		return NULL;
	}
	build_filter(sv);
	return sv;
}

/* The child's side --------------------------------------------------------*/

static void hello(int fd, int err, int listener)
{
	struct hello h = { err };
	struct iovec iov = { &h, sizeof h };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (listener >= 0) {
		memset(&u, 0, sizeof u);
		m.msg_control = u.buf;
		m.msg_controllen = sizeof u.buf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &listener, sizeof(int));
	}
	while (sendmsg(fd, &m, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

void supervise_child(struct supervisor *sv)
{
	const unsigned flags = SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	int listener;

	close(sv->pair[0]);
	/* Without CAP_SYS_ADMIN the kernel wants no_new_privs first, so that
	 * a filter cannot fool a set-user-ID program. */
	listener = (int)seccomp_call(SECCOMP_SET_MODE_FILTER, flags, &sv->prog);
	if (listener < 0 && errno == EACCES && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
		listener = (int)seccomp_call(SECCOMP_SET_MODE_FILTER, flags, &sv->prog);
	if (listener >= 0)
		setenv(ENV_SUPERVISED, "1", 1);
	hello(sv->pair[1], listener < 0 ? errno : 0, listener);
	/* The child must not keep the listener: were dtee to die, the
	 * command's stopped writes would wait for an answer for ever. */
	if (listener >= 0)
		close(listener);
	/* Start the command only once dtee has its supervisor and the heir
	 * in place (dtee then closes its end): killed a moment later, dtee
	 * must already have an heir to let the stopped calls run. */
	char go;
	while (read(sv->pair[1], &go, 1) < 0 && errno == EINTR)
		;
	close(sv->pair[1]);
}

/* dtee's side --------------------------------------------------------------*/

/* The child's answer: its listener, or -1 with errno. */
static int take_listener(struct supervisor *sv)
{
	struct hello h = { 0 };
	struct iovec iov = { &h, sizeof h };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof u.buf };
	ssize_t n;
	int fd = -1;

	close(sv->pair[1]);
	sv->pair[1] = -1;
	while ((n = recvmsg(sv->pair[0], &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (n < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(c), sizeof fd);
	if (n != sizeof h || h.err != 0 || fd < 0) {
		if (fd >= 0)
			close(fd);
		/* No answer at all: the child died before it could say. */
		errno = n == 0 ? ECHILD : h.err ? h.err : EPROTO;
		return -1;
	}
	return fd;
}

static bool still_valid(const struct supervisor *sv, uint64_t id)
{
	return ioctl(sv->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static void count_unreadable(struct supervisor *sv)
{
	__atomic_add_fetch(&sv->unreadable, 1, __ATOMIC_RELAXED);
}

static struct reply go_on(void)
{
	return (struct reply){ .go_on = true };
}

static struct reply failed(int err)
{
	return (struct reply){ .err = err };
}

/* Which of dtee's sockets the command's fd is: the socket, or -1 with errno
 * 0 (another file), EPERM (cannot look: not dumpable), or why not. */
static int our_socket(struct supervisor *sv, pid_t pid, int fd)
{
	int r = kcmp_file(pid, fd, sv->self, sv->sk->out);

	if (r == 0)
		return sv->sk->out;
	if (r > 0 && kcmp_file(pid, fd, sv->self, sv->sk->err) == 0)
		return sv->sk->err;
	if (r > 0)
		errno = 0;
	else if (errno == EACCES)
		errno = EPERM;
	return -1;
}

/* What a datagram the thread tid sent itself would carry as its sender
 * (SCM_CREDENTIALS): its process (thread group) and its real uid and gid,
 * as /proc/TID/status shows them. The thread is stopped in the call, so
 * they cannot change under us. False where they cannot be read. */
static bool writer_creds(pid_t tid, struct ucred *cred)
{
	char path[64], line[128];
	unsigned uid, gid;
	int tgid, have = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
	if (!(f = fopen(path, "re")))
		return false;
	while (have != 7 && fgets(line, sizeof line, f)) {
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			have |= 1;
		else if (sscanf(line, "Uid: %u", &uid) == 1)
			have |= 2;
		else if (sscanf(line, "Gid: %u", &gid) == 1)
			have |= 4;
	}
	fclose(f);
	if (have != 7 || tgid <= 0)
		return false;
	*cred = (struct ucred){ .pid = tgid, .uid = uid, .gid = gid };
	return true;
}

/* A copy of the command's fd if it is a Unix datagram socket (a dtee inside
 * the command), else -1. cred: the writer's identity, which every datagram
 * sent on the copy must carry (the socket's reader may trust it). */
static int foreign_socket(struct supervisor *sv, pid_t pid, int fd, uint64_t id, struct ucred *cred)
{
	pid_t tgid = writer_creds(pid, cred) ? cred->pid : -1;
	int pidfd = tgid > 0 ? (int)syscall(SYS_pidfd_open, tgid, 0) : -1;
	int copy = pidfd >= 0 ? (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0) : -1;
	int type = 0;
	struct sockaddr_storage a;
	socklen_t len = sizeof type, alen = sizeof a;

	if (pidfd >= 0)
		close(pidfd);
	/* The pid could have been reused, had the call been ended. */
	if (copy >= 0 && still_valid(sv, id) &&
	    getsockopt(copy, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM &&
	    getsockname(copy, (struct sockaddr *)&a, &alen) == 0 && a.ss_family == AF_UNIX)
		return copy;
	if (copy >= 0)
		close(copy);
	return -1;
}

/* Send n bytes of the job's buffer as one datagram. On a foreign socket
 * the datagram carries the writer's identity, never dtee's: its reader may
 * trust SO_PASSCRED (journald, /dev/log readers), and the command chose
 * it. The kernel lets only a privileged dtee claim another process
 * (EPERM otherwise, with nothing sent).
 * The socket's description is the command's: if the command made it
 * non-blocking (node does), the send may find no room (EAGAIN). With
 * wait_for_room (part of the write is sent already) it waits for room, so
 * that the write stays one contiguous run; without, EAGAIN is returned, as
 * the kernel answers the process's own non-blocking write that has no
 * room (nothing sent). */
static ssize_t send_piece(struct job *job, size_t n, bool wait_for_room)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { job->buf, n };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t s;

	if (job->claim) {
		memset(&u, 0, sizeof u);
		m.msg_control = u.buf;
		m.msg_controllen = sizeof u.buf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_CREDENTIALS;
		c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
		memcpy(CMSG_DATA(c), &job->cred, sizeof job->cred);
	}
	for (;;) {
		s = sendmsg(job->sock, &m, MSG_NOSIGNAL);
		if (s >= 0 || (errno != EINTR && (errno != EAGAIN || !wait_for_room)))
			return s;
		if (errno == EAGAIN)
			(void)poll(&(struct pollfd){ job->sock, POLLOUT, 0 }, 1, -1);
	}
}

/* Copy the job's total bytes, described by the command's vector iov[0..cnt),
 * out of its memory and send them on sock, CHUNK at a time. */
static struct reply relay(struct job *job)
{
	struct supervisor *sv = job->sv;
	const struct iovec *vec = job->iov;
	size_t done = 0, off = 0, total = job->total;
	int i = 0, cnt = job->cnt;

	while (done < total) {
		size_t want = 0;
		int k = 0;

		/* The next CHUNK of the vector, from element i, offset off. */
		for (int j = i; j < cnt && want < CHUNK && done + want < total; j++) {
			size_t start = j == i ? off : 0;
			size_t len = vec[j].iov_len - start;
			if (len > CHUNK - want)
				len = CHUNK - want;
			if (len > total - done - want)
				len = total - done - want;
			if (len == 0)
				continue;
			job->part[k++] = (struct iovec){ (char *)vec[j].iov_base + start, len };
			want += len;
		}
		struct iovec local = { job->buf, want };
		ssize_t n = process_vm_readv(job->pid, &local, 1, job->part, (unsigned long)k, 0);
		if (n <= 0) {
			if (done > 0)
				break;
			if (n < 0 && errno == EPERM) {
				count_unreadable(sv);
				return go_on();
			}
			return failed(n < 0 && errno != ESRCH ? errno : EFAULT);
		}
		/* Only now is it sure the memory was the stopped command's. */
		if (!still_valid(sv, job->id))
			return failed(EINTR);
		if (send_piece(job, (size_t)n, done > 0) < 0) {
			if (done > 0)
				break;
			/* dtee may not send as the writer: the writer sends. */
			if (errno == EPERM && job->claim)
				return go_on();
			return failed(errno);
		}
		done += (size_t)n;
		if ((size_t)n < want)
			break;	/* the rest is not readable: a short write */
		for (size_t left = (size_t)n; left > 0;) {
			size_t len = vec[i].iov_len - off;
			if (left < len) {
				off += left;
				left = 0;
			} else {
				left -= len;
				i++;
				off = 0;
			}
		}
	}
	return (struct reply){ .val = (long long)done };
}

/* A stopped write() or writev() into job: its vector and total. False
 * where the call should just run (unreadable, refused by the kernel, or
 * small enough for one datagram). */
static bool read_call(struct job *job, const struct seccomp_notif *req)
{
	struct supervisor *sv = job->sv;
	size_t total = 0;

	job->id = req->id;
	job->pid = (pid_t)req->pid;
	job->cnt = 1;
	if (req->data.nr == __NR_write) {
		job->iov[0] = (struct iovec){ (void *)(uintptr_t)req->data.args[1],
					      (size_t)req->data.args[2] };
		job->total = job->iov[0].iov_len < MAX_RW ? job->iov[0].iov_len : MAX_RW;
		return true;
	}

	uint64_t n = req->data.args[2];
	struct iovec local = { job->iov, 0 }, remote = { (void *)(uintptr_t)req->data.args[1], 0 };

	if (n == 0 || n > IOV_MAX)
		return false;
	job->cnt = (int)n;
	local.iov_len = remote.iov_len = (size_t)job->cnt * sizeof(struct iovec);
	if (process_vm_readv(job->pid, &local, 1, &remote, 1, 0) != (ssize_t)local.iov_len) {
		if (errno == EPERM)
			count_unreadable(sv);
		return false;
	}
	for (int j = 0; j < job->cnt; j++) {
		if (job->iov[j].iov_len > SSIZE_MAX - total)
			return false;	/* EINVAL */
		total += job->iov[j].iov_len;
	}
	job->total = total < MAX_RW ? total : MAX_RW;
	/* One datagram carries it, as the command meant. */
	return total > sv->limit;
}

static void answer(struct job *job, struct reply r)
{
	struct seccomp_notif_resp *resp = job->resp;

	memset(resp, 0, job->sv->sizes.seccomp_notif_resp);
	resp->id = job->id;
	if (r.go_on) {
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	} else if (r.err) {
		resp->error = -r.err;
	} else {
		resp->val = r.val;
	}
	/* ENOENT: the stopped thread was killed meanwhile. */
	(void)ioctl(job->sv->listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
}

/* A foreign socket's reader may itself be waiting for this supervisor (a
 * dtee inside the command: its collector writes to our socket, and its
 * writev() stops here), so its writes are served in threads of their own
 * while this one goes on. */
static void *foreign_worker(void *arg)
{
	struct job *job = arg;
	struct supervisor *sv = job->sv;

	answer(job, relay(job));
	if (job->slot >= 0)
		__atomic_store_n(&sv->shared->busy[job->slot], 0, __ATOMIC_RELEASE);
	close(job->owned);
	free_job(job);
	__atomic_sub_fetch(&sv->workers, 1, __ATOMIC_RELAXED);
	return NULL;
}

static bool hand_over(struct supervisor *sv, int copy)
{
	struct job *job;
	pthread_t thread;

	if (__atomic_load_n(&sv->workers, __ATOMIC_RELAXED) >= MAX_WORKERS || !(job = new_job(sv)))
		return false;
	job->id = sv->job->id;
	job->pid = sv->job->pid;
	job->sock = job->owned = copy;
	job->claim = true;
	job->cred = sv->job->cred;
	job->cnt = sv->job->cnt;
	job->total = sv->job->total;
	memcpy(job->iov, sv->job->iov, (size_t)job->cnt * sizeof job->iov[0]);
	/* Fewer than MAX_WORKERS workers: a slot is free. Only this thread
	 * takes slots, so none is taken twice. */
	for (int i = 0; sv->shared && i < MAX_WORKERS; i++)
		if (!__atomic_load_n(&sv->shared->busy[i], __ATOMIC_ACQUIRE)) {
			job->slot = i;
			sv->shared->id[i] = job->id;
			__atomic_store_n(&sv->shared->busy[i], 1, __ATOMIC_RELEASE);
			break;
		}
	__atomic_add_fetch(&sv->workers, 1, __ATOMIC_RELAXED);
	if (pthread_create(&thread, NULL, foreign_worker, job) != 0) {
		__atomic_sub_fetch(&sv->workers, 1, __ATOMIC_RELAXED);
		if (job->slot >= 0)
			__atomic_store_n(&sv->shared->busy[job->slot], 0, __ATOMIC_RELEASE);
		free_job(job);
		return false;
	}
	pthread_detach(thread);
	return true;
}

/* write() or writev() on fd 1 or 2: how much, to which socket, then relay
 * and answer (or let a worker thread do both). */
static void on_write(struct supervisor *sv, const struct seccomp_notif *req)
{
	struct job *job = sv->job;
	int fd = (int)(uint32_t)req->data.args[0];

	job->id = req->id;
	if (req->pid == 0 || !read_call(job, req)) {	/* pid 0: not in our namespace */
		answer(job, go_on());
		return;
	}
	job->sock = our_socket(sv, job->pid, fd);
	if (job->sock >= 0) {
		answer(job, relay(job));
		return;
	}
	if (errno == EPERM) {
		count_unreadable(sv);
	} else if (errno == 0) {
		int copy = foreign_socket(sv, job->pid, fd, job->id, &job->cred);
		if (copy >= 0 && hand_over(sv, copy))
			return;
		if (copy >= 0)
			close(copy);
	}
	/* Another file, fd not open, or too busy: the call runs as it is. */
	answer(job, go_on());
}

/* setsockopt(fd, SOL_SOCKET, SO_SNDBUF or SO_SNDBUFFORCE, &v, len) on one of
 * our sockets with v below limit: the filter lets writes up to limit past,
 * so the buffer must stay large enough for them. Give it limit instead. */
static struct reply on_setsockopt(struct supervisor *sv, const struct seccomp_notif *req)
{
	pid_t pid = (pid_t)req->pid;
	int v = 0, want = (int)sv->limit;
	struct iovec local = { &v, sizeof v }, remote = { (void *)(uintptr_t)req->data.args[3], sizeof v };
	int sock;

	if (pid == 0 || (int)(uint32_t)req->data.args[4] < (int)sizeof v ||
	    process_vm_readv(pid, &local, 1, &remote, 1, 0) != sizeof v || v < 0 || v >= want)
		return go_on();
	sock = our_socket(sv, pid, (int)(uint32_t)req->data.args[0]);
	if (sock < 0 || !still_valid(sv, req->id))
		return go_on();
	if (setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &want, sizeof want) < 0)
		return failed(errno);
	return (struct reply){ .val = 0 };
}

/* dtee serves no more: the heir, if there is one, lets every stopped call
 * run; if there is none, they fail with ENOSYS. */
static void stop_serving(struct supervisor *sv)
{
	/* The workers' calls are theirs to answer. */
	while (__atomic_load_n(&sv->workers, __ATOMIC_RELAXED) > 0)
		usleep(1000);
	if (sv->life >= 0)
		close(sv->life);
	close(sv->listener);
	sv->life = sv->listener = -1;
}

static void *serve(void *arg)
{
	struct supervisor *sv = arg;
	struct seccomp_notif *req = sv->req;

	for (;;) {
		memset(req, 0, sv->sizes.seccomp_notif);
		if (ioctl(sv->listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			msg("--seccomp: %s; writes too large for a datagram will fail", strerror(errno));
			stop_serving(sv);
			return NULL;
		}
		if (sv->shared) {
			__atomic_store_n(&sv->shared->last_id, req->id, __ATOMIC_RELAXED);
			__atomic_store_n(&sv->shared->have_last, 1, __ATOMIC_RELEASE);
		}
		if (req->data.nr == __NR_setsockopt) {
			sv->job->id = req->id;
			answer(sv->job, on_setsockopt(sv, req));
		} else {
			on_write(sv, req);
		}
	}
}

/* The heir ---------------------------------------------------------------*/

/* Let the stopped call id run as if never stopped. */
static void let_run(struct supervisor *sv, uint64_t id)
{
	struct seccomp_notif_resp *resp = sv->job->resp;

	memset(resp, 0, sv->sizes.seccomp_notif_resp);
	resp->id = id;
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	/* ENOENT: answered or gone; EINPROGRESS: not taken yet, it will be. */
	(void)ioctl(sv->listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
}

/* The calls dtee took and did not answer: the workers' and the serving
 * thread's last one, or the one it had just taken when it died (ids rise
 * by one per stopped call, and dtee takes them in order). */
static void sweep(struct supervisor *sv, uint64_t from)
{
	struct shared *sh = sv->shared;

	for (int i = 0; i < MAX_WORKERS; i++)
		if (__atomic_load_n(&sh->busy[i], __ATOMIC_ACQUIRE))
			let_run(sv, sh->id[i]);
	for (uint64_t id = from; id != from + SWEEP; id++)
		let_run(sv, id);
}

/* Nothing of dtee's stays open here: no output, pipe or socket of dtee's
 * is held up by the heir. */
static void keep_only(int a, int b)
{
	int null = open("/dev/null", O_RDWR);
	int lo = a < b ? a : b, hi = a < b ? b : a;

	for (int fd = 0; fd < 3; fd++)
		if (null != fd)
			dup2(null, fd);
	if (null > 2 && null != a && null != b)
		close(null);
	if ((lo > 3 && close_range(3, (unsigned)lo - 1, 0) < 0) ||
	    (hi > lo + 1 && close_range((unsigned)lo + 1, (unsigned)hi - 1, 0) < 0) ||
	    close_range((unsigned)hi + 1, ~0U, 0) < 0) {
		long max = sysconf(_SC_OPEN_MAX);
		for (int fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
			if (fd != a && fd != b)
				close(fd);
	}
}

static void __attribute__((noreturn)) heir(struct supervisor *sv, int life)
{
	struct shared *sh = sv->shared;
	struct pollfd p[2] = { { life, POLLIN, 0 }, { sv->listener, 0, 0 } };
	bool swept = false;

	keep_only(life, sv->listener);
	/* Out of the terminal's process group and session: ^C, ^Z and a
	 * hang-up reach the command and dtee, not the heir, which must serve
	 * whatever of the command goes on. A signal sent to it by pid still
	 * has its usual effect. */
	(void)setsid();
	(void)prctl(PR_SET_NAME, "dtee-supervise", 0, 0, 0);
	signals_reset_for_child();
	signal(SIGPIPE, SIG_IGN);

	/* While dtee serves: wait for it to go, or for the command to end. */
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == ENOMEM)
				continue;
			_exit(1);
		}
		if (p[1].revents & (POLLHUP | POLLERR | POLLNVAL))
			_exit(0);
		if (p[0].revents)
			break;
	}
	close(life);
	if (__atomic_load_n(&sh->have_last, __ATOMIC_ACQUIRE)) {
		sweep(sv, __atomic_load_n(&sh->last_id, __ATOMIC_RELAXED));
		swept = true;
	}
	/* Then every stopped call runs as it would without the supervisor. */
	p[0] = (struct pollfd){ sv->listener, POLLIN, 0 };
	for (;;) {
		if (poll(p, 1, -1) < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == ENOMEM)
				continue;
			_exit(1);	/* stopped calls fail with ENOSYS */
		}
		if (p[0].revents & POLLIN) {
			memset(sv->req, 0, sv->sizes.seccomp_notif);
			if (ioctl(sv->listener, SECCOMP_IOCTL_NOTIF_RECV, sv->req) < 0) {
				if (errno == EINTR || errno == ENOENT)
					continue;
				_exit(1);
			}
			/* dtee died as it took its first call: that one is
			 * among the few before this. */
			if (!swept) {
				sweep(sv, sv->req->id - SWEEP);
				swept = true;
			}
			let_run(sv, sv->req->id);
		} else if (p[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			_exit(0);
		}
	}
}

/* Start the heir, a grandchild that dtee does not wait for: dtee's own
 * SIGCHLD and wait status stay the command's. False where it cannot. */
static bool start_heir(struct supervisor *sv)
{
	int life[2];
	pid_t pid;

	sv->shared = mmap(NULL, sizeof *sv->shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sv->shared == MAP_FAILED) {
		sv->shared = NULL;
		return false;
	}
	if (pipe2(life, O_CLOEXEC) < 0)
		goto fail;
	pid = fork();
	if (pid == 0) {
		close(life[1]);
		if (fork() == 0)
			heir(sv, life[0]);
		_exit(0);
	}
	close(life[0]);
	if (pid < 0) {
		close(life[1]);
		goto fail;
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	sv->life = life[1];
	return true;
fail:
	munmap(sv->shared, sizeof *sv->shared);
	sv->shared = NULL;
	return false;
}

/* Let the child go on to exec the command: it waits for the end of the
 * socket pair (supervise_child). */
static void release_child(struct supervisor *sv)
{
	if (sv->pair[0] >= 0) {
		close(sv->pair[0]);
		sv->pair[0] = -1;
	}
}

static void start(struct supervisor *sv);

void supervise_start(struct supervisor *sv)
{
	start(sv);
	release_child(sv);
}

static void start(struct supervisor *sv)
{
	pthread_t thread;
	int err;

	sv->listener = take_listener(sv);
	if (sv->listener < 0) {
		err = errno;
		/* Inside another dtee that supervises: it serves our sockets too. */
		if (err == EBUSY && getenv(ENV_SUPERVISED))
			return;
		if (err == EBUSY)
			msg("--seccomp: another seccomp supervisor watches this process (%s); running without it",
			    strerror(err));
		else
			msg("--seccomp: cannot install the filter: %s; running without it", strerror(err));
		return;
	}
	/* Older kernels refuse it (EINVAL): they serve as well, more slowly. */
	(void)ioctl(sv->listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	/* Without an heir (no memory, no process), stopped calls fail with
	 * ENOSYS once dtee is gone: the rest works as well. */
	(void)start_heir(sv);
	/* Every signal is blocked here, and stays blocked in the thread: the
	 * collector's handlers run in the main thread only. */
	err = pthread_create(&thread, NULL, serve, sv);
	if (err != 0) {
		msg("--seccomp: cannot start the supervisor: %s; writes too large for a datagram will fail",
		    strerror(err));
		stop_serving(sv);
		return;
	}
	pthread_detach(thread);
}

void supervise_finish(struct supervisor *sv)
{
	unsigned long n;

	if (!sv)
		return;
	n = __atomic_load_n(&sv->unreadable, __ATOMIC_RELAXED);
	if (n > 0)
		msg("--seccomp: %lu large write%s from a non-dumpable process went through unsplit",
		    n, n == 1 ? "" : "s");
	/* A serving thread keeps its supervisor until dtee exits. */
	if (sv->listener < 0)
		discard(sv);
}
