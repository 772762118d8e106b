/* procstatus.h: the fields dtee reads of /proc/PID/status, read in one
 * place. Linux only. */
#ifndef DTEE_PROCSTATUS_H
#define DTEE_PROCSTATUS_H

#include <stdbool.h>
#include <sys/types.h>

/* The fields, one bit each: what a caller wants and what was found. */
enum {
	PS_NAME = 1 << 0,
	PS_STATE = 1 << 1,
	PS_TGID = 1 << 2,
	PS_TRACER = 1 << 3,
	PS_UID = 1 << 4,
	PS_GID = 1 << 5,
	PS_SECCOMP = 1 << 6,
	PS_CAPPRM = 1 << 7,
	PS_SIGPND = 1 << 8,	/* the thread's pending signals */
	PS_SHDPND = 1 << 9,	/* the process's */
};

struct proc_status {
	unsigned have;		/* the PS_* bits of the fields found */
	char name[64];
	char state;
	pid_t tgid;
	pid_t tracer;		/* 0: not traced */
	int seccomp;		/* 0, 1 strict, 2 filter */
	unsigned long uid[4];	/* real, effective, saved, filesystem */
	unsigned long gid[4];
	unsigned long long cap_prm;
	unsigned long long pending;	/* SigPnd | ShdPnd, as found */
};

/* Read /proc/PID/status (PID may be a thread's id) until every field in
 * want is found; the fields not found stay 0. True when all of want was
 * found; s->have says what was, 0 when the file could not be read. */
bool proc_status(pid_t pid, unsigned want, struct proc_status *s);

#endif
