/* arch/x86_64.h: what ptrace.c needs to know about x86_64 registers.
 * Linux-only. */
#ifndef DTEE_ARCH_X86_64_H
#define DTEE_ARCH_X86_64_H

#include <stdbool.h>
#include <sys/syscall.h>
#include <sys/user.h>

typedef struct user_regs_struct arch_regs;

/* The `syscall` instruction. */
static const unsigned char arch_syscall_insn[] = { 0x0f, 0x05 };
#define ARCH_INSN_LEN 2
#define ARCH_INSN_ALIGN 1

static inline unsigned long arch_pc(const arch_regs *r)
{
	return r->rip;
}

/* Registers that run system call nr with args at the instruction at pc.
 * orig_rax -1: the kernel must not take this for an interrupted call to
 * restart when the thread resumes from its stop. */
static inline void arch_set_call(arch_regs *r, unsigned long pc, long nr, const long args[6])
{
	r->rip = pc;
	r->rax = (unsigned long)nr;
	r->orig_rax = (unsigned long)-1;
	r->rdi = (unsigned long)args[0];
	r->rsi = (unsigned long)args[1];
	r->rdx = (unsigned long)args[2];
	r->r10 = (unsigned long)args[3];
	r->r8 = (unsigned long)args[4];
	r->r9 = (unsigned long)args[5];
}

static inline long arch_result(const arch_regs *r)
{
	return (long)r->rax;
}

/* Where a `syscall` instruction may be without a search: the one the thread
 * stopped after, if it stopped in a system call. */
static inline bool arch_current_insn(const arch_regs *r, unsigned long *pc)
{
	if ((long)r->orig_rax < 0)
		return false;
	*pc = r->rip - ARCH_INSN_LEN;
	return true;
}

/* A thread stopped inside an interrupted system call shows the restart
 * code in rax; the kernel turns it into a restart after the signal stop,
 * but the thread leaves its last stop from a system call of ours. Linux
 * 6.x still does the turn then, since PTRACE_DETACH wakes the thread as a
 * signal would; do it here rather than count on that. The result (a call
 * number in rax) is no restart code, so it is never done twice. */
static inline void arch_prepare_resume(arch_regs *r)
{
	if ((long)r->orig_rax < 0)
		return;
	switch ((long)r->rax) {
	case -512:	/* ERESTARTSYS */
	case -513:	/* ERESTARTNOINTR */
	case -514:	/* ERESTARTNOHAND */
		r->rax = r->orig_rax;
		r->rip -= ARCH_INSN_LEN;
		break;
	case -516:	/* ERESTART_RESTARTBLOCK */
		r->rax = SYS_restart_syscall;
		r->rip -= ARCH_INSN_LEN;
		break;
	}
}

#endif
