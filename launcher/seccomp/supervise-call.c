/* supervise-call.c: what a stopped call asks for, read from the command's
 * memory: which bytes (a vector, its total), and how to send them. Linux
 * only.
 *
 * Served, where the total is more than one datagram surely takes (limit):
 *   write, sendto          one buffer (sendto without an address);
 *   writev, sendmsg        a vector (sendmsg without address or control
 *                          data);
 *   pwritev2               a vector, at the current offset (-1) and with
 *                          no flags: then it is writev;
 *   sendmmsg               each message in turn, as sendmsg.
 * send flags other than MSG_NOSIGNAL and MSG_DONTWAIT, or anything dtee
 * cannot read, and the call runs in the process as it is. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "supervise-private.h"

/* The send flags a served call may have: the relay does the same. */
#define SEND_FLAGS_SERVED (MSG_NOSIGNAL | MSG_DONTWAIT)

/* Read len bytes at the command's address from into to; false (and the
 * unreadable count up where it may not be read) if not all of it. */
static bool read_mem(struct job *job, void *to, uint64_t from, size_t len)
{
	struct iovec local = { to, len }, remote = { (void *)(uintptr_t)from, len };

	if (process_vm_readv(job->pid, &local, 1, &remote, 1, 0) == (ssize_t)len)
		return true;
	if (errno == EPERM)
		count_unreadable(job->sv);
	return false;
}

static bool one_buffer(struct job *job, uint64_t buf, uint64_t count)
{
	job->cnt = 1;
	job->iov[0] = (struct iovec){ (void *)(uintptr_t)buf, (size_t)count };
	job->total = (size_t)count < MAX_RW ? (size_t)count : MAX_RW;
	return true;
}

/* The command's vector of cnt elements at addr into job, and its total;
 * false where the kernel would refuse it (EINVAL) or it cannot be read. */
static bool read_vector(struct job *job, uint64_t addr, uint64_t cnt)
{
	size_t total = 0;

	if (cnt == 0 || cnt > IOV_MAX || !read_mem(job, job->iov, addr, (size_t)cnt * sizeof job->iov[0]))
		return false;
	job->cnt = (int)cnt;
	for (int j = 0; j < job->cnt; j++) {
		if (job->iov[j].iov_len > SSIZE_MAX - total)
			return false;
		total += job->iov[j].iov_len;
	}
	job->total = total < MAX_RW ? total : MAX_RW;
	return true;
}

/* A struct msghdr at addr: its vector into job, if it has no address and
 * no control data. */
static bool read_msghdr(struct job *job, uint64_t addr)
{
	struct msghdr m;

	return read_mem(job, &m, addr, sizeof m) && (m.msg_name == NULL || m.msg_namelen == 0) &&
	       m.msg_controllen == 0 && read_vector(job, (uintptr_t)m.msg_iov, m.msg_iovlen);
}

static uint64_t mmsg_at(const struct job *job, unsigned i)
{
	return job->mmsg_addr + (uint64_t)i * sizeof(struct mmsghdr);
}

bool call_read_mmsg(struct job *job, unsigned i)
{
	return read_msghdr(job, mmsg_at(job, i) + offsetof(struct mmsghdr, msg_hdr));
}

bool call_write_mmsg_len(struct job *job, unsigned i, unsigned len)
{
	struct iovec local = { &len, sizeof len },
		     remote = { (void *)(uintptr_t)(mmsg_at(job, i) + offsetof(struct mmsghdr, msg_len)),
				sizeof len };

	return process_vm_writev(job->pid, &local, 1, &remote, 1, 0) == sizeof len;
}

/* sendmmsg: served if every message can be, and one is too large for a
 * datagram; else it runs, as one call, in the process. */
static bool read_mmsg(struct job *job, uint64_t addr, uint64_t cnt)
{
	bool large = false;

	job->mmsg_addr = addr;
	job->mmsg_cnt = cnt < UIO_MAXIOV ? (unsigned)cnt : UIO_MAXIOV;
	job->mmsg_largest = 0;
	for (unsigned i = 0; i < job->mmsg_cnt; i++) {
		if (!call_read_mmsg(job, i))
			return false;
		large |= job->total > job->sv->limit;
		if (job->total > job->mmsg_largest)
			job->mmsg_largest = job->total;
	}
	return large;
}

/* pwritev2 writes at the current offset (as writev) when its offset is -1. */
static bool at_current_offset(const __u64 *a)
{
#if __SIZEOF_LONG__ == 8
	return (int64_t)a[3] == -1;
#else
	return (uint32_t)a[3] == UINT32_MAX && (uint32_t)a[4] == UINT32_MAX;
#endif
}

static bool send_flags_served(struct job *job, uint64_t flags)
{
	job->dontwait = (flags & MSG_DONTWAIT) != 0;
	return (flags & ~(uint64_t)SEND_FLAGS_SERVED) == 0;
}

bool call_read(struct job *job, const struct seccomp_notif *req)
{
	const __u64 *a = req->data.args;
	size_t limit = job->sv->limit;

	job->id = req->id;
	job->pid = (pid_t)req->pid;
	job->dontwait = false;
	job->mmsg_cnt = 0;
	switch (req->data.nr) {
	case __NR_write:
		return one_buffer(job, a[1], a[2]);
	case __NR_sendto:
		return a[4] == 0 && send_flags_served(job, a[3]) && one_buffer(job, a[1], a[2]);
	case __NR_writev:
		return read_vector(job, a[1], a[2]) && job->total > limit;
	case __NR_pwritev2:
		return at_current_offset(a) && a[5] == 0 && read_vector(job, a[1], a[2]) &&
		       job->total > limit;
	case __NR_sendmsg:
		return send_flags_served(job, a[2]) && read_msghdr(job, a[1]) && job->total > limit;
	case __NR_sendmmsg:
		return send_flags_served(job, a[3]) && read_mmsg(job, a[1], a[2]);
	}
	return false;
}

int call_fd(const struct seccomp_notif *req)
{
	return (int)(uint32_t)req->data.args[0];
}

bool call_wants_sigpipe(const struct seccomp_notif *req)
{
	const __u64 *a = req->data.args;

	switch (req->data.nr) {
	case __NR_write:
	case __NR_writev:
	case __NR_pwritev2:
		return true;
	case __NR_sendto:
	case __NR_sendmmsg:
		return !(a[3] & MSG_NOSIGNAL);
	case __NR_sendmsg:
		return !(a[2] & MSG_NOSIGNAL);
	}
	return false;
}

