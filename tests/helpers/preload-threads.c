/*
 * preload-threads: concurrency cases for the libdtee.so tests.
 *
 *   preload-threads threads N BLOCKS SIZE
 *       N threads each write BLOCKS blocks to stdout, one write() per block;
 *       a block is SIZE-1 copies of the thread's letter (A, B, ...) and '\n'.
 *   preload-threads fork N BLOCKS SIZE [raw]
 *       the same, and while the threads write, the main thread forks five
 *       times (raw: with _Fork, which runs no atfork handlers); each child
 *       writes BLOCKS blocks of 'z' (async-signal-safe calls only).
 *   preload-threads signal BLOCKS SIZE HSIZE
 *       writes BLOCKS blocks of 'M' while a 1 ms SIGALRM handler (without
 *       SA_RESTART) writes HSIZE bytes of 's' (no newline) per signal;
 *       prints "handled K" on stderr at the end.
 *   preload-threads count < output
 *       bytes per letter ("A 5000000"); blocks from different processes may
 *       interleave, the split lock being per process.
 *   preload-threads check SIZE  < output
 *       every line must be SIZE-1 copies of one letter; prints a count of
 *       blocks per letter, "A 8" lines in letter order; exit 1 otherwise.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

/* write_all() is async-signal-safe: the signal handlers use it. */
#define TEST_PROG "preload-threads"
#define TEST_DIE_STATUS 3
#include "test.h"

static size_t size;
static int blocks;
static atomic_int started;

static char *make_block(char letter, size_t len)
{
	char *b = malloc(len);

	if (b == NULL)
		die("malloc");
	memset(b, letter, len);
	b[len - 1] = '\n';
	return b;
}

static void write_blocks(const char *b)
{
	for (int i = 0; i < blocks; i++) {
		write_all(1, b, size);
		atomic_fetch_add(&started, 1);
	}
}

static void *thread_main(void *arg)
{
	write_blocks(arg);
	return NULL;
}

static int run_threads(int n, int forks, int raw)
{
	pthread_t t[26];
	char *zblock = make_block('z', size);
	int status = 0;

	for (int i = 0; i < n && i < 26; i++)
		if (pthread_create(&t[i], NULL, thread_main, make_block((char)('A' + i), size)) != 0)
			die("pthread_create");
	for (int f = 0; f < forks; f++) {
		pid_t pid;
		int st;

		while (atomic_load(&started) < f + 1)
			usleep(100);
		pid = raw ? _Fork() : fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			write_blocks(zblock);
			_exit(0);
		}
		if (waitpid(pid, &st, 0) != pid || st != 0)
			status = 1;
	}
	for (int i = 0; i < n && i < 26; i++)
		pthread_join(t[i], NULL);
	return status;
}

static const char *sblock;
static size_t ssize;
static volatile sig_atomic_t handled;

static void on_alarm(int sig)
{
	int saved = errno;

	(void)sig;
	write_all(1, sblock, ssize);
	handled++;
	errno = saved;
}

static int run_signal(size_t hsize)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	char *s = malloc(hsize);

	if (s == NULL)
		die("malloc");
	memset(s, 's', hsize);
	sblock = s;
	ssize = hsize;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	write_blocks(make_block('M', size));
	setitimer(ITIMER_REAL, &off, NULL);
	fprintf(stderr, "handled %d\n", (int)handled);
	return 0;
}

static int check(void)
{
	long count[256] = { 0 };
	size_t len = 0;
	int c, letter = -1;

	while ((c = getchar()) != EOF) {
		if (c == '\n') {
			if (letter < 0 || len != size - 1) {
				fprintf(stderr, "bad block: %zu bytes of '%c'\n", len, letter);
				return 1;
			}
			count[letter]++;
			letter = -1;
			len = 0;
		} else if (letter < 0 || c == letter) {
			letter = c;
			len++;
		} else {
			fprintf(stderr, "'%c' inside a block of '%c'\n", c, letter);
			return 1;
		}
	}
	if (len != 0) {
		fprintf(stderr, "incomplete last block\n");
		return 1;
	}
	for (int i = 0; i < 256; i++)
		if (count[i])
			printf("%c %ld\n", i, count[i]);
	return 0;
}

static int count_bytes(void)
{
	long count[256] = { 0 };
	int c;

	while ((c = getchar()) != EOF)
		count[c]++;
	for (int i = 0; i < 256; i++)
		if (count[i] && i != '\n')
			printf("%c %ld\n", i, count[i]);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "count") == 0)
		return count_bytes();
	if (argc >= 3 && strcmp(argv[1], "check") == 0) {
		size = strtoul(argv[2], NULL, 0);
		return check();
	}
	if (argc >= 5 && strcmp(argv[1], "signal") == 0) {
		blocks = atoi(argv[2]);
		size = strtoul(argv[3], NULL, 0);
		return run_signal(strtoul(argv[4], NULL, 0));
	}
	if (argc >= 5) {
		int n = atoi(argv[2]);

		blocks = atoi(argv[3]);
		size = strtoul(argv[4], NULL, 0);
		if (strcmp(argv[1], "threads") == 0)
			return run_threads(n, 0, 0);
		if (strcmp(argv[1], "fork") == 0)
			return run_threads(n, 5, argc > 5 && strcmp(argv[5], "raw") == 0);
	}
	fprintf(stderr, "usage: see the comment at the top of preload-threads.c\n");
	return 64;
}
