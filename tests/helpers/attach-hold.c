/* attach-hold PID FILE: be PID's tracer (PTRACE_SEIZE, which does not stop
 * it), create FILE once that holds, then wait to be killed. For the test
 * that dtee --attach refuses a process another tracer holds. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	if (ptrace(PTRACE_SEIZE, atoi(argv[1]), NULL, NULL) < 0) {
		perror("PTRACE_SEIZE");
		return 1;
	}
	int fd = open(argv[2], O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	close(fd);
	for (;;)
		pause();
}
