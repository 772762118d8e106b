/* attach-writer32: a 32-bit x86 process that writes "x" lines to stdout
 * forever, one every 2 ms, without libc (built by tests/attach.bats with
 * gcc -m32 -nostdlib -static where the toolchain can). */
	.globl _start
_start:
	movl $4, %eax		/* write(1, line, 2) */
	movl $1, %ebx
	movl $line, %ecx
	movl $2, %edx
	int $0x80
	movl $162, %eax		/* nanosleep(&pause, NULL) */
	movl $pause, %ebx
	xorl %ecx, %ecx
	int $0x80
	jmp _start
	.data
line:	.ascii "x\n"
pause:	.long 0, 2000000
