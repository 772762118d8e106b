/* attach-writer: a running process for dtee --attach to take over.
 *
 *   attach-writer [-t THREADS] [-d] [-s] [-x] [-r FIFO] DIR
 *
 * Writes numbered lines, one write(2) each: with one thread "o N" to stdout
 * and "e N+1" to stderr, N counting up across both; with -t, thread T
 * writes "T N" to stdout, N counting its own writes. A short pause between
 * writes keeps the files small (pacing, not synchronisation). Failed writes
 * are counted, not fatal (and said on stderr at the end). Once set up, writes its pid to DIR/pid; exits 7
 * once DIR/stop exists, printing the failed-write count to DIR/failed.
 * -d: not dumpable (PR_SET_DUMPABLE 0). -s: under a seccomp filter that
 * allows everything. -r: the main thread blocks in read(2) on FIFO and
 * writes "read: TEXT" (or "read failed: ERROR") to stdout for each read, so
 * that an interrupted and restarted call can be seen (use with -t). -x: the
 * main thread ends (pthread_exit) once set up; the others go on (with -t). */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *dir;
static atomic_long failed;
static atomic_int last_error;

static void line(int fd, const char *tag, long n)
{
	char buf[64];
	int len = snprintf(buf, sizeof buf, "%s %ld\n", tag, n);

	if (write(fd, buf, (size_t)len) != len) {
		atomic_store(&last_error, errno);
		atomic_fetch_add(&failed, 1);
	}
}

static void pause_a_little(void)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

static int stop_asked(void)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/stop", dir);
	return access(path, F_OK) == 0;
}

static void *thread_main(void *arg)
{
	char tag[16];

	snprintf(tag, sizeof tag, "%ld", (long)arg);
	for (long n = 0; !stop_asked(); n++) {
		line(1, tag, n);
		pause_a_little();
	}
	return NULL;
}

static void write_file(const char *name, long value)
{
	char path[4096], tmp[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s/.%s", dir, name);
	if (!(f = fopen(tmp, "w")) || fprintf(f, "%ld\n", value) < 0 || fclose(f) != 0 ||
	    rename(tmp, path) != 0) {
		perror(path);
		exit(1);
	}
}

static void allow_all_filter(void)
{
	struct sock_filter insn = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { 1, &insn };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		perror("seccomp");
		exit(1);
	}
}

/* Read lines from fifo until DIR/stop exists; report each read. */
static void reader(const char *fifo)
{
	int fd = open(fifo, O_RDWR);	/* RDWR: never EOF, never blocks on open */
	char buf[256], out[300];

	if (fd < 0) {
		perror(fifo);
		exit(1);
	}
	while (!stop_asked()) {
		ssize_t n = read(fd, buf, sizeof buf - 1);
		int len;
		if (n < 0) {
			len = snprintf(out, sizeof out, "read failed: %s\n", strerror(errno));
		} else {
			buf[n] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			len = snprintf(out, sizeof out, "read: %s\n", buf);
		}
		if (write(1, out, (size_t)len) != len)
			atomic_fetch_add(&failed, 1);
	}
}

int main(int argc, char **argv)
{
	int threads = 0, opt;
	const char *fifo = NULL;
	int main_exits = 0;

	while ((opt = getopt(argc, argv, "t:dsxr:")) != -1) {
		switch (opt) {
		case 't': threads = atoi(optarg); break;
		case 'd': prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); break;
		case 's': allow_all_filter(); break;
		case 'r': fifo = optarg; break;
		case 'x': main_exits = 1; break;
		default: return 2;
		}
	}
	if (optind != argc - 1)
		return 2;
	dir = argv[optind];
	for (long t = 0; t < threads; t++) {
		pthread_t th;
		if (pthread_create(&th, NULL, thread_main, (void *)t) != 0)
			return 1;
		pthread_detach(th);
	}
	write_file("pid", (long)getpid());
	if (fifo)
		reader(fifo);
	if (main_exits)
		pthread_exit(NULL);
	for (long n = 0; !stop_asked(); n += 2) {
		if (threads == 0) {
			line(1, "o", n);
			line(2, "e", n + 1);
		}
		pause_a_little();
	}
	if (atomic_load(&failed) > 0)
		fprintf(stderr, "attach-writer: %ld writes failed, the last with %s\n",
			atomic_load(&failed), strerror(atomic_load(&last_error)));
	write_file("failed", atomic_load(&failed));
	return 7;
}
