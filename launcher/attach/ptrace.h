/* ptrace.h: run system calls inside another process, one at a time, and
 * leave it as it was found. Linux-only (x86_64 and aarch64). */
#ifndef DTEE_PTRACE_H
#define DTEE_PTRACE_H

#include <stdbool.h>
#include <sys/types.h>

#if defined(__x86_64__)
#include "arch/x86_64.h"
#define PTRACE_SUPPORTED 1
#elif defined(__aarch64__)
#include "arch/aarch64.h"
#define PTRACE_SUPPORTED 1
#else
#define PTRACE_SUPPORTED 0
#endif

/* Why tracee_seize failed. */
enum seize_fail {
	SEIZE_OK,
	SEIZE_ATTACH,		/* PTRACE_SEIZE refused it (errno) */
	SEIZE_GONE,		/* it ended meanwhile */
	SEIZE_STOP,		/* it could not be stopped (errno) */
	SEIZE_REGS,		/* its registers could not be read (errno) */
	SEIZE_COMPAT,		/* a 32-bit process */
	SEIZE_NO_INSN,		/* no system call instruction found */
	SEIZE_ARCH,		/* not built for this architecture */
};

#define TRACEE_MAX_SIGNALS 8

struct tracee {
	pid_t pid;
	unsigned long insn;	/* address of a system call instruction */
#if PTRACE_SUPPORTED
	arch_regs saved;	/* as found */
#endif
	bool dirty;		/* registers changed: restore before detaching */
	bool masked;		/* every signal blocked while we work: mask holds its own */
	unsigned long long mask;
	int nsigs;		/* stop signals taken while we work: sent again on release */
	int sigs[TRACEE_MAX_SIGNALS];
};

/* Take thread tid under ptrace and stop it. A thread blocked in a system
 * call leaves it to restart it when released. On failure it is left
 * running as it was, errno says why, and the return value says at which
 * step. */
enum seize_fail tracee_stop(struct tracee *t, pid_t tid);

/* The same, then save its registers and find a system call instruction,
 * so that tracee_syscall() may run calls in it, and block every signal
 * in it (PTRACE_SETSIGMASK): a signal sent meanwhile stays queued, as
 * sent, until tracee_release() puts the mask back. */
enum seize_fail tracee_seize(struct tracee *t, pid_t tid);

/* Run system call nr with up to six arguments inside the tracee; *ret is
 * its result (-errno on failure). Returns -1 if ptrace itself failed (the
 * process has gone, errno ESRCH, or cannot be run any more). */
int tracee_syscall(struct tracee *t, long *ret, long nr, long a0, long a1, long a2, long a3);

/* Put the registers back, let the thread run as it would have, deliver the
 * signals that arrived meanwhile, and stop tracing it. */
int tracee_release(struct tracee *t);

/* Every thread of a process, stopped; t[0] is its main thread, ready for
 * tracee_syscall(). */
struct stopped {
	struct tracee *t;
	int n, cap;
};

/* Stop every thread of process pid (threads it starts meanwhile too), so
 * that none writes until process_release(). On failure none is held. */
enum seize_fail process_stop(struct stopped *p, pid_t pid);

/* Release every thread (the main thread's registers restored); -1 if the
 * main thread could not be. */
int process_release(struct stopped *p);

#endif
