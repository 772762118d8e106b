/* supervise-private.h: what the seccomp supervisor's files share. Linux
 * only. docs/seccomp.md tells the whole story; in short:
 *   supervise.c            the public entry points (supervise.h) and the
 *                          supervisor's memory;
 *   supervise-filter.c     the BPF filter and the probe of the kernel;
 *   supervise-handshake.c  the child installs the filter and hands its
 *                          listener to dtee, which lets it exec;
 *   supervise-call.c       what a stopped call asks for (which bytes, how);
 *   supervise-serve.c      the serving thread and its workers: copy the
 *                          data out of the command and send it in pieces;
 *   supervise-heir.c       the process that answers for dtee once it is
 *                          gone. */
#ifndef DTEE_SUPERVISE_PRIVATE_H
#define DTEE_SUPERVISE_PRIVATE_H

#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "sockets.h"

/* The largest datagram dtee sends when it relays, and the largest write()
 * the filter lets through to dtee's sockets untouched: the collector keeps
 * its memory small for datagrams up to this size. */
#define RELAY_CHUNK (256 * 1024)

/* write() never moves more than this in one call (the kernel's
 * MAX_RW_COUNT); the relay answers no more either. */
#define MAX_RW 0x7ffff000UL

/* Set in the command's environment once dtee's filter is in place: a dtee
 * started inside it, refused a filter of its own (EBUSY), knows that this
 * supervisor serves its sockets too, and stays quiet about it. */
#define ENV_SUPERVISED "_DTEE_SUPERVISED"

/* Threads serving foreign sockets at once. Each holds a RELAY_CHUNK buffer
 * (16 of them: 4 MiB at most). A dtee nested inside the command needs one
 * per stream it relays at a time, so this covers several levels; a call
 * beyond it runs in the process, unserved, as without the supervisor. */
#define MAX_WORKERS 16

/* A stopped call dtee holds unanswered, as the heir must find it if dtee
 * dies: its id, the thread that made it (to signal with SIGPIPE), and how
 * much of it is sent already (then it must return that, never run again). */
struct held_call {
	int busy;		/* 1 while held; read by the heir */
	bool ours;		/* a write dtee relays to its own socket */
	bool sigpipe;		/* ...by a call that raises SIGPIPE on EPIPE */
	pid_t tid;
	uint64_t id;
	long long done;		/* atomic: what the call would return now
				 * (bytes sent; for sendmmsg, messages) */
};

/* The page dtee shares with the heir (MAP_SHARED). dtee writes it; the heir
 * reads it only once every thread of dtee is gone. */
struct held_calls {
	uint64_t last_id;	/* the serving thread's latest call */
	int have_last;
	struct held_call serving;	/* the serving thread's own */
	struct held_call worker[MAX_WORKERS];
};

/* How a stopped call ends. */
struct outcome {
	bool run_in_process;	/* let it run as if never stopped */
	long long ret;		/* else it returns this... */
	int err;		/* ...or fails with this errno */
};

static inline struct outcome run_in_process(void)
{
	return (struct outcome){ .run_in_process = true };
}

static inline struct outcome returns(long long ret)
{
	return (struct outcome){ .ret = ret };
}

static inline struct outcome fails_with(int err)
{
	return (struct outcome){ .err = err };
}

/* One stopped write being served, and the memory to serve it with. */
struct job {
	struct supervisor *sv;
	uint64_t id;
	pid_t pid;		/* the thread stopped in the call */
	int sock;		/* where to send */
	int owned;		/* a foreign socket's copy, closed when done; -1 */
	bool claim;		/* send as the writer (foreign sockets) */
	struct ucred cred;	/* the writer's identity, when claim */
	bool dontwait;		/* the caller asked for MSG_DONTWAIT */
	int slot;		/* a worker's index in held->worker, or -1 */
	struct held_call *held;	/* where the heir finds the call, or NULL */
	int cnt;
	size_t total;
	/* sendmmsg(): where in the command's memory the messages are, the one
	 * being sent, and the largest one's total. */
	uint64_t mmsg_addr;
	unsigned mmsg_cnt;
	unsigned mmsg_i;
	size_t mmsg_largest;
	struct seccomp_notif_resp *resp;
	char *buf;		/* RELAY_CHUNK bytes */
	struct iovec iov[IOV_MAX];	/* the call's vector, as the command gave it */
	struct iovec part[IOV_MAX];	/* the slice of it that one chunk reads */
};

struct supervisor {
	const struct sockets *sk;
	int pair[2];		/* handshake: [0] dtee's end, [1] the child's */
	int listener;
	int life;		/* dtee's end of the pipe the heir watches, or -1 */
	struct held_calls *held;	/* MAP_SHARED with the heir, or NULL */
	pid_t self;
	size_t limit;		/* larger writes are trapped */
	struct sock_filter *code;
	struct sock_fprog prog;
	struct seccomp_notif_sizes sizes;
	struct seccomp_notif *req;
	struct job *job;	/* the serving thread's own */
	unsigned long unreadable;	/* atomic: calls let through unread */
	unsigned workers;	/* atomic: threads serving foreign sockets */
	pid_t announced;	/* the writer last named on relay_who (0: none) */
};

/* supervise-filter.c */
bool filter_kernel_can(struct supervisor *sv);
bool filter_build(struct supervisor *sv);
long seccomp_call(unsigned op, unsigned flags, void *arg);

/* supervise-handshake.c: the listener the child sent, or -1 with errno;
 * then let the child exec. */
int handshake_take_listener(struct supervisor *sv);
void handshake_release_child(struct supervisor *sv);

/* supervise-call.c: what the stopped call req asks. Fills job's vector and
 * total (or, for sendmmsg, where its messages are) and returns true where
 * dtee should serve it, once it knows the fd is a socket it may send on;
 * false where the call should run in the process as it is. */
bool call_read(struct job *job, const struct seccomp_notif *req);
/* For sendmmsg(): the vector of message i into job; false if it cannot be
 * served (an address or control data) or read. */
bool call_read_mmsg(struct job *job, unsigned i);
/* Tell the command how much message i took (its msg_len). */
bool call_write_mmsg_len(struct job *job, unsigned i, unsigned len);
/* The fd a stopped call is on, and whether it raises SIGPIPE on a broken
 * pipe (no MSG_NOSIGNAL). */
int call_fd(const struct seccomp_notif *req);
bool call_wants_sigpipe(const struct seccomp_notif *req);

/* supervise-reader.c: whether what is sent on sock (a foreign Unix
 * socket, of the thread group writer) is received by a socket that one of
 * writer's ancestors under the filter holds: then only the command can
 * read it, and dtee may send there as itself. */
bool reader_in_command(const struct supervisor *sv, pid_t writer, int sock);

/* supervise-relay.c: relay the job's stopped write, or sendmmsg(), and
 * say how to answer it. */
struct outcome serve_job(struct job *job);

/* supervise-serve.c */
struct job *job_new(struct supervisor *sv);
void job_free(struct job *job);
bool serve_start(struct supervisor *sv);
void serve_stop(struct supervisor *sv);
bool still_valid(int listener, uint64_t id);
void count_unreadable(struct supervisor *sv);

/* supervise-heir.c: start the heir; false where it cannot. */
bool heir_start(struct supervisor *sv);

#endif
