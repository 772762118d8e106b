/* supervise-filter.c: the filter the command runs under, and whether this
 * kernel can do all the supervisor needs. Linux only.
 *
 * The filter stops these calls on fds 1 and 2 and asks dtee:
 *   write(fd, buf, count), sendto(fd, buf, count, ...)
 *                             with count > limit (the largest write that
 *                             surely fits in one datagram);
 *   writev, pwritev2, sendmsg, sendmmsg
 *                             always: BPF cannot see their total;
 *   setsockopt(fd, SOL_SOCKET, SO_SNDBUF[FORCE], ...)
 *                             so the command cannot shrink the socket's
 *                             buffer below limit behind the filter's back.
 * Every other call runs untouched, and costs the filter's few
 * instructions. pwrite64 and pwritev are left alone: on a socket the
 * kernel refuses them (ESPIPE; EINVAL for pwritev's offset -1). */
#include <errno.h>
#include <linux/audit.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dtee.h"
#include "kernel/fdcmp.h"
#include "supervise-private.h"

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

long seccomp_call(unsigned op, unsigned flags, void *arg)
{
	return syscall(SYS_seccomp, op, flags, arg);
}

#ifdef NATIVE_ARCH
/* Labels are instruction indices; a jump's offset counts from the next
 * instruction. */
enum {
	L_ARCH, L_ARCH_OK, L_NR,
	L_IS_WRITE, L_IS_SENDTO,			/* trapped above limit */
	L_IS_WRITEV, L_IS_PWRITEV2, L_IS_SENDMSG, L_IS_SENDMMSG,	/* always */
	L_IS_SETSOCKOPT, L_LEVEL, L_LEVEL_OK, L_OPTNAME, L_SNDBUF, L_SNDBUFFORCE,
	L_COUNT_HI, L_COUNT_HI_OK, L_COUNT_LO, L_COUNT_OK,
	L_FD, L_FD1, L_FD2, L_NOTIFY, L_ALLOW, FILTER_LEN
};
#define TO(from, to) ((to) - (from) - 1)
#define LOAD(what) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (what))
#define IF_EQ(from, k, yes, no) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), TO(from, yes), TO(from, no))

bool filter_build(struct supervisor *sv)
{
	const struct sock_filter code[FILTER_LEN] = {
		[L_ARCH] = LOAD(offsetof(struct seccomp_data, arch)),
		[L_ARCH_OK] = IF_EQ(L_ARCH_OK, NATIVE_ARCH, L_NR, L_ALLOW),
		[L_NR] = LOAD(offsetof(struct seccomp_data, nr)),
		[L_IS_WRITE] = IF_EQ(L_IS_WRITE, __NR_write, L_COUNT_HI, L_IS_SENDTO),
		/* sendto's length is its third argument, as write's count. */
		[L_IS_SENDTO] = IF_EQ(L_IS_SENDTO, __NR_sendto, L_COUNT_HI, L_IS_WRITEV),
		[L_IS_WRITEV] = IF_EQ(L_IS_WRITEV, __NR_writev, L_FD, L_IS_PWRITEV2),
		[L_IS_PWRITEV2] = IF_EQ(L_IS_PWRITEV2, __NR_pwritev2, L_FD, L_IS_SENDMSG),
		[L_IS_SENDMSG] = IF_EQ(L_IS_SENDMSG, __NR_sendmsg, L_FD, L_IS_SENDMMSG),
		[L_IS_SENDMMSG] = IF_EQ(L_IS_SENDMMSG, __NR_sendmmsg, L_FD, L_IS_SETSOCKOPT),
		[L_IS_SETSOCKOPT] = IF_EQ(L_IS_SETSOCKOPT, __NR_setsockopt, L_LEVEL, L_ALLOW),
		[L_LEVEL] = LOAD(ARG_LO(1)),
		[L_LEVEL_OK] = IF_EQ(L_LEVEL_OK, SOL_SOCKET, L_OPTNAME, L_ALLOW),
		[L_OPTNAME] = LOAD(ARG_LO(2)),
		[L_SNDBUF] = IF_EQ(L_SNDBUF, SO_SNDBUF, L_FD, L_SNDBUFFORCE),
		[L_SNDBUFFORCE] = IF_EQ(L_SNDBUFFORCE, SO_SNDBUFFORCE, L_FD, L_ALLOW),
		[L_COUNT_HI] = LOAD(ARG_HI(2)),
		[L_COUNT_HI_OK] = IF_EQ(L_COUNT_HI_OK, 0, L_COUNT_LO, L_FD),
		[L_COUNT_LO] = LOAD(ARG_LO(2)),
		[L_COUNT_OK] = BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)sv->limit, TO(L_COUNT_OK, L_FD),
					TO(L_COUNT_OK, L_ALLOW)),
		[L_FD] = LOAD(ARG_LO(0)),
		[L_FD1] = IF_EQ(L_FD1, STDOUT_FILENO, L_NOTIFY, L_FD2),
		[L_FD2] = IF_EQ(L_FD2, STDERR_FILENO, L_NOTIFY, L_ALLOW),
		[L_NOTIFY] = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		[L_ALLOW] = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};

	if (!(sv->code = malloc(sizeof code)))
		return false;
	memcpy(sv->code, code, sizeof code);
	sv->prog = (struct sock_fprog){ .len = FILTER_LEN, .filter = sv->code };
	return true;
}
#else
bool filter_build(struct supervisor *sv)
{
	(void)sv;
	return false;
}
#endif

/* Can this kernel do it all? A message and false where it cannot. */
bool filter_kernel_can(struct supervisor *sv)
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
	if (same_open_file(sv->self, sv->sk->out, sv->self, sv->sk->out) != 1) {
		msg("--seccomp: kcmp: %s; running without it", strerror(errno));
		return false;
	}
	if (process_vm_readv(sv->self, &local, 1, &remote, 1, 0) != 1) {
		msg("--seccomp: process_vm_readv: %s; running without it", strerror(errno));
		return false;
	}
	return true;
}
