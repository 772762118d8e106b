/* ptrace.c: one system call at a time inside a stopped process.
 *
 * The process's main thread is seized and interrupted; its registers are
 * saved; each call is made by pointing the thread at a system call
 * instruction that is already in its memory (the one it stopped after, or
 * one in the vDSO), with the call's number and arguments in registers, and
 * letting it run from system call entry to exit. Nothing is written to its
 * memory. Every signal is blocked in it meanwhile (PTRACE_SETSIGMASK), so
 * that signals sent stay queued as sent until release. A thread's execve
 * (PTRACE_O_TRACEEXEC) voids what was saved: nothing is put back then.
 * The architecture's details are in arch/. Linux-only. */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel/procstatus.h"
#include "ptrace.h"

#if PTRACE_SUPPORTED

enum want { WANT_STOP, WANT_SYSCALL };

/* A thread of the process has called execve since process_stop(): the
 * threads we stopped are gone but for the one that took over the process's
 * pid, which runs another program; the registers we saved are not its. */
static bool exec_seen;

static int get_regs(pid_t pid, arch_regs *r, size_t *len)
{
	struct iovec iov = { r, sizeof *r };

	if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &iov) < 0)
		return -1;
	*len = iov.iov_len;
	return 0;
}

static int set_regs(pid_t pid, arch_regs *r)
{
	struct iovec iov = { r, sizeof *r };

	return ptrace(PTRACE_SETREGSET, pid, (void *)NT_PRSTATUS, &iov) < 0 ? -1 : 0;
}

static void hold_signal(struct tracee *t, int sig)
{
	if (t->nsigs < TRACEE_MAX_SIGNALS)
		t->sigs[t->nsigs++] = sig;
}

/* Wait for the stop we want. A signal on its way to a thread we are
 * stopping is delivered as it came (its delivery stop resumed with it:
 * the kernel keeps its siginfo); once the thread is stopped every signal
 * but SIGKILL and SIGSTOP is blocked in it, and a SIGSTOP taken while we
 * run calls is held back and sent again on release. A group stop is not
 * ours to keep the thread in while we work: it is in force again once we
 * detach. Returns -1 with errno ESRCH if the process ended. */
static int wait_for(struct tracee *t, enum want want)
{
	int st;

	for (;;) {
		/* Any of our threads: one killed by another thread's execve is
		 * a zombie until we reap it, and that execve waits for it;
		 * waiting for one thread only could wait for ever. */
		pid_t got = waitpid(-1, &st, __WALL);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (WIFSTOPPED(st) && st >> 16 == PTRACE_EVENT_EXEC)
			exec_seen = true;
		if (exec_seen) {
			errno = ECHILD;
			return -1;
		}
		if (got != t->pid)
			continue;	/* another thread ended */
		if (!WIFSTOPPED(st)) {
			errno = ESRCH;
			return -1;
		}
		int sig = WSTOPSIG(st), event = st >> 16;
		if (event == PTRACE_EVENT_STOP && want == WANT_STOP)
			return 0;
		if (sig == (SIGTRAP | 0x80) && event == 0 && want == WANT_SYSCALL)
			return 0;
		long pass = 0;
		if (event == 0 && sig != (SIGTRAP | 0x80)) {
			if (want == WANT_STOP)
				pass = sig;
			else
				hold_signal(t, sig);
		}
		if (ptrace(want == WANT_STOP ? PTRACE_CONT : PTRACE_SYSCALL, t->pid, NULL, (void *)pass) < 0)
			return -1;
		/* A delivery stop can use up the interrupt we asked for. */
		if (pass && ptrace(PTRACE_INTERRUPT, t->pid, NULL, NULL) < 0)
			return -1;
	}
}

/* Let go of every thread of process pid that we may still trace: one in
 * a stop we took for another's (PTRACE_DETACH works in any stop), one
 * that another thread's execve killed (a zombie until we reap it, and
 * that execve waits for it), one inside such an execve (it stops at
 * PTRACE_EVENT_EXEC). Ends when we trace nothing: the helper has no child
 * of its own, so waitpid then fails with ECHILD. */
static void settle(pid_t pid)
{
	const struct timespec ms = { 0, 1000 * 1000 };
	char path[64];
	int st;

	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	for (;;) {
		DIR *d = opendir(path);
		struct dirent *e;
		while (d && (e = readdir(d)))
			if (atoi(e->d_name) > 0)
				(void)ptrace(PTRACE_DETACH, atoi(e->d_name), NULL, NULL);
		if (d)
			closedir(d);
		pid_t got = waitpid(-1, &st, __WALL | WNOHANG);
		if (got < 0 && errno != EINTR)
			return;
		if (got > 0 && WIFSTOPPED(st)) {
			int sig = st >> 16 == 0 && WSTOPSIG(st) != (SIGTRAP | 0x80) ? WSTOPSIG(st) : 0;
			(void)ptrace(PTRACE_DETACH, got, NULL, (void *)(long)sig);
		}
		if (got == 0)
			nanosleep(&ms, NULL);
	}
}

/* Whether the thread that now has t's id is one that has just run
 * execve (its stop not yet seen): its registers are not the ones saved. */
static bool exec_pending(const struct tracee *t)
{
	siginfo_t si;

	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)t->pid, &si, WSTOPPED | WNOHANG | WNOWAIT | __WALL) == 0 &&
	    si.si_pid == t->pid && si.si_code == CLD_TRAPPED && si.si_status == (SIGTRAP | PTRACE_EVENT_EXEC << 8))
		exec_seen = true;
	return exec_seen;
}

static bool insn_at(pid_t pid, int mem, unsigned long pc)
{
	unsigned char b[ARCH_INSN_LEN];

	if (pc % ARCH_INSN_ALIGN != 0)
		return false;
	if (mem >= 0)
		return pread(mem, b, sizeof b, (off_t)pc) == (ssize_t)sizeof b &&
		       memcmp(b, arch_syscall_insn, sizeof b) == 0;
	errno = 0;
	long word = ptrace(PTRACE_PEEKTEXT, pid, (void *)pc, NULL);
	return errno == 0 && memcmp(&word, arch_syscall_insn, sizeof b) == 0;
}

/* The first system call instruction in [lo, hi) of the process's memory. */
static bool scan(int mem, unsigned long lo, unsigned long hi, unsigned long *pc)
{
	static unsigned char buf[65536];

	for (unsigned long at = lo; at < hi;) {
		size_t want = hi - at < sizeof buf ? hi - at : sizeof buf;
		ssize_t got = pread(mem, buf, want, (off_t)at);
		if (got < (ssize_t)ARCH_INSN_LEN)
			return false;
		for (size_t i = 0; i + ARCH_INSN_LEN <= (size_t)got; i += ARCH_INSN_ALIGN)
			if (memcmp(buf + i, arch_syscall_insn, ARCH_INSN_LEN) == 0) {
				*pc = at + i;
				return true;
			}
		/* An instruction may straddle two reads. */
		at += (unsigned long)got - (ARCH_INSN_LEN - ARCH_INSN_ALIGN);
		if ((size_t)got < want)
			return false;
	}
	return false;
}

/* Search the vDSO, else the process's executable mappings, read through
 * /proc/PID/mem (allowed to its tracer). */
static bool search_maps(pid_t pid, unsigned long *pc)
{
	char path[64], line[512];
	bool found = false;

	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	FILE *maps = fopen(path, "re");
	snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
	int mem = open(path, O_RDONLY | O_CLOEXEC);
	if (!maps || mem < 0)
		goto out;
	for (int pass = 0; pass < 2 && !found; pass++) {
		rewind(maps);
		while (!found && fgets(line, sizeof line, maps)) {
			unsigned long lo, hi;
			char perms[8];
			if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[2] != 'x')
				continue;
			if (pass == 0 && !strstr(line, "[vdso]"))
				continue;
			found = scan(mem, lo, hi, pc);
		}
	}
out:
	if (maps)
		fclose(maps);
	if (mem >= 0)
		close(mem);
	return found;
}

static bool find_insn(struct tracee *t)
{
	unsigned long pc;

	if (arch_current_insn(&t->saved, &pc) && insn_at(t->pid, -1, pc)) {
		t->insn = pc;
		return true;
	}
	return search_maps(t->pid, &t->insn);
}

/* Block every signal in the stopped thread, keeping its own mask: a
 * signal sent while we run calls stays queued with its siginfo, and a
 * real-time queue is not cut. Without PTRACE_GETSIGMASK (Linux 3.11)
 * signals are held as they come (wait_for). */
static void block_signals(struct tracee *t)
{
	unsigned long long all = ~0ULL;

	t->masked = ptrace(PTRACE_GETSIGMASK, t->pid, (void *)sizeof t->mask, &t->mask) == 0 &&
		    ptrace(PTRACE_SETSIGMASK, t->pid, (void *)sizeof all, &all) == 0;
}

/* A signal its own mask lets through is queued for the thread: once
 * released it is delivered at once, and the kernel then ends or restarts
 * an interrupted call as that signal's handler asks (a pause() returns
 * EINTR). */
static bool signal_waiting(const struct tracee *t)
{
	struct proc_status s;

	(void)proc_status(t->pid, PS_SIGPND | PS_SHDPND, &s);
	return (s.pending & ~t->mask) != 0;
}

/* Let go of a thread that is in a stop and was never changed. */
static void let_go(struct tracee *t)
{
	int e = errno;

	(void)tracee_release(t);
	errno = e;
}

enum seize_fail tracee_stop(struct tracee *t, pid_t tid)
{
	*t = (struct tracee){ .pid = tid };
	if (ptrace(PTRACE_SEIZE, tid, NULL, (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC)) < 0)
		return SEIZE_ATTACH;
	/* If these fail the thread is gone, and with it our hold. */
	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) < 0)
		return errno == ESRCH ? SEIZE_GONE : SEIZE_STOP;
	if (wait_for(t, WANT_STOP) < 0)
		return errno == ESRCH ? SEIZE_GONE : SEIZE_STOP;
	return SEIZE_OK;
}

enum seize_fail tracee_seize(struct tracee *t, pid_t pid)
{
	size_t len;
	enum seize_fail f = tracee_stop(t, pid);

	if (f != SEIZE_OK)
		return f;
	if (get_regs(pid, &t->saved, &len) < 0) {
		let_go(t);
		return SEIZE_REGS;
	}
	if (len != sizeof t->saved) {
		let_go(t);
		return SEIZE_COMPAT;
	}
	if (!find_insn(t)) {
		let_go(t);
		errno = ENOENT;
		return SEIZE_NO_INSN;
	}
	block_signals(t);
	return SEIZE_OK;
}

int tracee_syscall(struct tracee *t, long *ret, long nr, long a0, long a1, long a2, long a3)
{
	const long args[6] = { a0, a1, a2, a3, 0, 0 };
	arch_regs r = t->saved;
	size_t len;

	arch_set_call(&r, t->insn, nr, args);
	t->dirty = true;
	if (set_regs(t->pid, &r) < 0 ||
	    ptrace(PTRACE_SYSCALL, t->pid, NULL, NULL) < 0 || wait_for(t, WANT_SYSCALL) < 0 ||
	    ptrace(PTRACE_SYSCALL, t->pid, NULL, NULL) < 0 || wait_for(t, WANT_SYSCALL) < 0 ||
	    get_regs(t->pid, &r, &len) < 0)
		return -1;
	*ret = arch_result(&r);
	return 0;
}

int tracee_release(struct tracee *t)
{
	int rc = 0;

	/* After an execve the registers saved are another program's. */
	if (t->dirty && !exec_pending(t)) {
		arch_regs r = t->saved;
		if (!t->masked || !signal_waiting(t))
			arch_prepare_resume(&r);
		rc = set_regs(t->pid, &r);
		t->dirty = false;
	}
	if (t->masked && !exec_seen &&
	    ptrace(PTRACE_SETSIGMASK, t->pid, (void *)sizeof t->mask, &t->mask) < 0)
		rc = -1;
	t->masked = false;
	int first = t->nsigs > 0 ? t->sigs[0] : 0;
	if (ptrace(PTRACE_DETACH, t->pid, NULL, (void *)(long)first) < 0)
		rc = -1;
	/* Rare: more than one signal came while we worked. */
	for (int i = 1; i < t->nsigs; i++)
		(void)kill(t->pid, t->sigs[i]);
	t->nsigs = 0;
	return rc;
}

static bool have(const struct stopped *p, pid_t tid)
{
	for (int i = 0; i < p->n; i++)
		if (p->t[i].pid == tid)
			return true;
	return false;
}

/* Stop every thread of pid not stopped yet; *added says how many. */
static enum seize_fail stop_new_threads(struct stopped *p, pid_t pid, int *added)
{
	char path[64];
	struct dirent *e;
	enum seize_fail f = SEIZE_OK;

	*added = 0;
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT ? SEIZE_GONE : SEIZE_STOP;
	while (f == SEIZE_OK && (e = readdir(d))) {
		pid_t tid = (pid_t)atoi(e->d_name);
		if (tid <= 0 || have(p, tid))
			continue;
		if (p->n == p->cap) {
			int cap = p->cap ? 2 * p->cap : 16;
			struct tracee *t = realloc(p->t, (size_t)cap * sizeof *t);
			if (!t) {
				f = SEIZE_STOP;
				break;
			}
			p->t = t, p->cap = cap;
		}
		f = tracee_stop(&p->t[p->n], tid);
		if (f == SEIZE_OK)
			p->n++, (*added)++;
		else if (f == SEIZE_GONE)
			f = SEIZE_OK;	/* it ended meanwhile */
	}
	int e2 = errno;
	closedir(d);
	errno = e2;
	return f;
}

enum seize_fail process_stop(struct stopped *p, pid_t pid)
{
	enum seize_fail f;
	int added;

	*p = (struct stopped){ NULL, 0, 0 };
	exec_seen = false;
	p->t = malloc(16 * sizeof *p->t);
	if (!p->t)
		return SEIZE_STOP;
	p->cap = 16;
	f = tracee_seize(&p->t[0], pid);
	if (f != SEIZE_OK) {
		int e = errno;
		settle(pid);
		free(p->t);
		p->t = NULL;
		errno = e;
		return f;
	}
	p->n = 1;
	/* A running thread may start another: look again until none is new. */
	do
		f = stop_new_threads(p, pid, &added);
	while (f == SEIZE_OK && added > 0);
	if (f != SEIZE_OK) {
		int e = errno;
		process_release(p);
		errno = e;
	}
	return f;
}

int process_release(struct stopped *p)
{
	int rc = 0;

	/* The main thread first: the calls we made ran there. */
	for (int i = 0; i < p->n; i++)
		if (tracee_release(&p->t[i]) < 0 && i == 0)
			rc = -1;
	if (p->n > 0)
		settle(p->t[0].pid);
	free(p->t);
	*p = (struct stopped){ NULL, 0, 0 };
	return rc;
}

#else

enum seize_fail process_stop(struct stopped *p, pid_t pid)
{
	(void)pid;
	*p = (struct stopped){ NULL, 0, 0 };
	errno = ENOSYS;
	return SEIZE_ARCH;
}

int process_release(struct stopped *p)
{
	(void)p;
	return 0;
}

enum seize_fail tracee_stop(struct tracee *t, pid_t tid)
{
	*t = (struct tracee){ .pid = tid };
	errno = ENOSYS;
	return SEIZE_ARCH;
}

enum seize_fail tracee_seize(struct tracee *t, pid_t pid)
{
	return tracee_stop(t, pid);
}

int tracee_syscall(struct tracee *t, long *ret, long nr, long a0, long a1, long a2, long a3)
{
	(void)t, (void)ret, (void)nr, (void)a0, (void)a1, (void)a2, (void)a3;
	errno = ENOSYS;
	return -1;
}

int tracee_release(struct tracee *t)
{
	(void)t;
	return 0;
}

#endif
