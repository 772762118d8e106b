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
 *   preload-threads inside write|fwrite|sendfile FD_A SIZE_A FD_B SIZE_B
 *       thread A writes a block of SIZE_A 'A's to FD_A in one write() (or
 *       fwrite() to stdout/stderr); thread B, once A is seen sending a piece
 *       of it (eventfd, then /proc/self/task/A/syscall), writes SIZE_B 'B's
 *       to FD_B in one call (write, fwrite, or sendfile from a file).  Each block ends with '\n'.  Exit status 75
 *       when A's write was over before B saw it (run again).
 *   preload-threads runs < output
 *       the runs of equal letters, a newline counted with the run before
 *       it: "A 20000000" per run, in order.
 *   preload-threads count < output
 *       bytes per letter ("A 5000000"); blocks from different processes may
 *       interleave, the split lock being per process.
 *   preload-threads check SIZE  < output
 *       every line must be SIZE-1 copies of one letter; prints a count of
 *       blocks per letter, "A 8" lines in letter order; exit 1 otherwise.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
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

/* inside ------------------------------------------------------------------ */

enum how { BY_WRITE, BY_FWRITE, BY_SENDFILE };

struct writer {
	int fd, started, done;
	enum how how;
	size_t size;
	char *block;
	pid_t tid;
};

/* The block in an unlinked temporary file, at offset 0. */
static int block_file(const struct writer *w)
{
	char path[] = "/tmp/preload-threads.XXXXXX", tmpl[4096];
	const char *dir = getenv("TMPDIR");
	int f;

	snprintf(tmpl, sizeof(tmpl), "%s/preload-threads.XXXXXX", dir ? dir : "/tmp");
	if ((f = mkstemp(dir ? tmpl : path)) < 0)
		die("mkstemp");
	unlink(dir ? tmpl : path);
	if (write(f, w->block, w->size) != (ssize_t)w->size || lseek(f, 0, SEEK_SET) != 0)
		die("temporary file");
	return f;
}

static void write_once(const struct writer *w)
{
	if (w->how == BY_SENDFILE) {
		int f = block_file(w);

		if (sendfile(w->fd, f, NULL, w->size) != (ssize_t)w->size)
			die("sendfile");
		close(f);
	} else if (w->how == BY_FWRITE) {
		FILE *f = w->fd == 1 ? stdout : stderr;

		if (fwrite(w->block, 1, w->size, f) != w->size || fflush(f) != 0)
			die("fwrite");
	} else if (write(w->fd, w->block, w->size) != (ssize_t)w->size) {
		die("write");
	}
}

static void *writer_a(void *arg)
{
	struct writer *w = arg;
	uint64_t one = 1;

	w->tid = (pid_t)syscall(SYS_gettid);
	if (write(w->started, &one, sizeof(one)) != sizeof(one))
		die("eventfd");
	write_once(w);
	if (write(w->done, &one, sizeof(one)) != sizeof(one))
		die("eventfd");
	return NULL;
}

/* Is thread tid in write()/writev() on fd with fewer than size bytes: a
 * piece of its block, so its write has begun and is not yet over? */
static int sending_a_piece(pid_t tid, int fd, size_t whole)
{
	char path[64], buf[256];
	long nr, argfd;
	unsigned long count;
	FILE *f;
	int yes = 0;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;	/* A has exited: its write is over */
		die(path);
	}
	if (fgets(buf, sizeof(buf), f) != NULL &&
	    sscanf(buf, "%ld %lx %*x %lx", &nr, &argfd, &count) == 3)
		yes = (nr == SYS_write || nr == SYS_writev) && argfd == fd &&
		      (nr == SYS_writev || count < whole);
	fclose(f);
	return yes;
}

/* Has A's write returned? */
static int over(const struct writer *a)
{
	struct pollfd p = { .fd = a->done, .events = POLLIN };

	return poll(&p, 1, 0) > 0;
}

static int run_inside(enum how how, struct writer *a, struct writer *b)
{
	pthread_t t;
	uint64_t v;

	a->how = how == BY_FWRITE ? BY_FWRITE : BY_WRITE;
	b->how = how;
	a->block = make_block('A', a->size);
	b->block = make_block('B', b->size);
	if ((a->started = eventfd(0, EFD_CLOEXEC)) < 0 ||
	    (a->done = eventfd(0, EFD_CLOEXEC)) < 0)
		die("eventfd");
	if (pthread_create(&t, NULL, writer_a, a) != 0)
		die("pthread_create");
	if (read(a->started, &v, sizeof(v)) != sizeof(v))
		die("eventfd");
	while (!sending_a_piece(a->tid, a->fd, a->size))
		if (over(a)) {
			pthread_join(t, NULL);
			return 75;
		}
	write_once(b);
	pthread_join(t, NULL);
	return 0;
}

static int runs(void)
{
	int c, letter = -1;
	long len = 0;

	while ((c = getchar()) != EOF) {
		if (c != '\n' && c != letter) {
			if (letter >= 0)
				printf("%c %ld\n", letter, len);
			letter = c;
			len = 0;
		}
		len++;
	}
	if (letter >= 0)
		printf("%c %ld\n", letter, len);
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
	if (argc >= 2 && strcmp(argv[1], "runs") == 0)
		return runs();
	if (argc >= 7 && strcmp(argv[1], "inside") == 0) {
		struct writer a = { .fd = atoi(argv[3]), .size = strtoul(argv[4], NULL, 0) };
		struct writer b = { .fd = atoi(argv[5]), .size = strtoul(argv[6], NULL, 0) };

		return run_inside(strcmp(argv[2], "fwrite") == 0 ? BY_FWRITE :
				  strcmp(argv[2], "sendfile") == 0 ? BY_SENDFILE : BY_WRITE, &a, &b);
	}
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
