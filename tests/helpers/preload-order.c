/*
 * preload-order [HOW]: printf("out %d\n") and a line "err %d\n" to stderr
 * in turn, three times each, as a program that does not think about
 * buffering writes.  HOW writes the stderr line with:
 *   (none)   fprintf(stderr)
 *   full     fprintf(stderr), after setvbuf(stdout, NULL, _IOFBF, 0), the
 *            program's own choice of full buffering
 *   write    write(2) on fd 2
 *   perror   perror() (errno EDOM), then the last one with warnx()
 *   fork     fprintf(stderr) from a child forked after each printf, which
 *            ends with _exit (so, alone, it duplicates nothing)
 * preload-order block: printf("l%d\n") 50 times, then fputs("e\n", stderr),
 * then printf("last\n").
 * preload-order wait FILE: printf("before\n"), wait until FILE exists,
 * printf("after\n").
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void err_line(const char *how, int i)
{
	char line[32];
	int n = snprintf(line, sizeof line, "err %d\n", i);

	if (strcmp(how, "write") == 0) {
		if (write(2, line, (size_t)n) != n)
			_exit(74);
	} else if (strcmp(how, "perror") == 0 && i < 2) {
		line[n - 1] = '\0';
		errno = EDOM;
		perror(line);
	} else if (strcmp(how, "perror") == 0) {
		warnx("err %d", i);
	} else if (strcmp(how, "fork") == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			fputs(line, stderr);
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, NULL, 0) != pid)
			_exit(71);
	} else {
		fprintf(stderr, "err %d\n", i);
	}
}

static int wait_for(const char *file)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	printf("before\n");
	while (access(file, F_OK) != 0)
		nanosleep(&tick, NULL);
	printf("after\n");
	return 0;
}

static int block(void)
{
	for (int i = 1; i <= 50; i++)
		printf("l%d\n", i);
	fputs("e\n", stderr);
	printf("last\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "";

	if (strcmp(how, "block") == 0)
		return block();

	if (strcmp(how, "wait") == 0 && argc > 2)
		return wait_for(argv[2]);
	if (strcmp(how, "full") == 0 && setvbuf(stdout, NULL, _IOFBF, 0) != 0)
		return 70;
	for (int i = 0; i < 3; i++) {
		printf("out %d\n", i);
		err_line(how, i);
	}
	return 0;
}
