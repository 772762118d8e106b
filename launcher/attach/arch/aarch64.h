/* arch/aarch64.h: what ptrace.c needs to know about aarch64 registers.
 * Linux-only. Compiled in CI with a cross compiler; not run here. */
#ifndef DTEE_ARCH_AARCH64_H
#define DTEE_ARCH_AARCH64_H

#include <stdbool.h>
#include <sys/syscall.h>
#include <sys/user.h>

typedef struct user_regs_struct arch_regs;

/* `svc #0`, little-endian. */
static const unsigned char arch_syscall_insn[] = { 0x01, 0x00, 0x00, 0xd4 };
#define ARCH_INSN_LEN 4
#define ARCH_INSN_ALIGN 4

static inline unsigned long arch_pc(const arch_regs *r)
{
	return r->pc;
}

static inline void arch_set_call(arch_regs *r, unsigned long pc, long nr, const long args[6])
{
	r->pc = pc;
	r->regs[8] = (unsigned long)nr;
	for (int i = 0; i < 6; i++)
		r->regs[i] = (unsigned long)args[i];
}

static inline long arch_result(const arch_regs *r)
{
	return (long)r->regs[0];
}

/* Never the thread's own `svc`: the kernel rewinds an interrupted call to
 * it before the stop, and would turn a call of ours made there into
 * restart_syscall on the way out of the stop. The vDSO has one. */
static inline bool arch_current_insn(const arch_regs *r, unsigned long *pc)
{
	(void)r;
	(void)pc;
	return false;
}

/* The kernel has already rewound an interrupted call (pc on its `svc`, x0
 * its first argument) before the stop: the saved registers restart it as
 * they are. */
static inline void arch_prepare_resume(arch_regs *r)
{
	(void)r;
}

#endif
