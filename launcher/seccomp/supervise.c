/* supervise.c: the seccomp supervisor (--seccomp), its public side. Linux
 * only: seccomp user notification with SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
 * (Linux 5.19), kcmp(2), process_vm_readv(2) and pidfd_getfd(2).
 * supervise-private.h lists the files that do the work; docs/seccomp.md
 * tells how it works and why. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dtee.h"
#include "supervise-private.h"
#include "supervise.h"

static void discard(struct supervisor *sv)
{
	if (sv->pair[0] >= 0)
		close(sv->pair[0]);
	if (sv->pair[1] >= 0)
		close(sv->pair[1]);
	if (sv->held)
		munmap(sv->held, sizeof *sv->held);
	free(sv->code);
	free(sv->req);
	job_free(sv->job);
	free(sv);
}

/* The largest write the filter lets through: one that surely fits in a
 * datagram, which may be no larger than the sender's buffer less a
 * little (a page of room is kept). 0 where the buffers are too small. */
static size_t trap_limit(size_t max_dgram)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (max_dgram < 4 * page)
		return 0;
	return max_dgram > RELAY_CHUNK + page ? RELAY_CHUNK : (max_dgram - 1) / page * page - page;
}

struct supervisor *supervise_prepare(const struct sockets *sk)
{
	struct supervisor *sv = calloc(1, sizeof *sv);

	if (!sv) {
		msg("--seccomp: %s; running without it", strerror(errno));
		return NULL;
	}
	sv->sk = sk;
	sv->self = getpid();
	sv->listener = -1;
	sv->life = -1;
	sv->pair[0] = sv->pair[1] = -1;
	sv->limit = trap_limit(sk->max_dgram);
	if (sv->limit == 0) {
		msg("--seccomp: the sockets' buffers are too small (%zu bytes); running without it",
		    sk->max_dgram);
		discard(sv);
		return NULL;
	}
	if (!filter_kernel_can(sv)) {
		discard(sv);
		return NULL;
	}
	sv->req = calloc(1, sv->sizes.seccomp_notif > sizeof *sv->req ?
			 sv->sizes.seccomp_notif : sizeof *sv->req);
	sv->job = job_new(sv);
	if (!sv->req || !sv->job || !filter_build(sv) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv->pair) < 0) {
		msg("--seccomp: %s; running without it", strerror(errno));
		discard(sv);
		return NULL;
	}
	return sv;
}

/* Take the listener, start the heir and the serving thread. */
static void start(struct supervisor *sv)
{
	int err;

	sv->listener = handshake_take_listener(sv);
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
	/* Without an heir (no memory, no process), stopped calls fail with
	 * ENOSYS once dtee is gone: the rest works as well. */
	(void)heir_start(sv);
	if (!serve_start(sv))
		serve_stop(sv);
}

void supervise_start(struct supervisor *sv)
{
	start(sv);
	handshake_release_child(sv);
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
