/* attach-exec: a process whose second thread calls execve again and again
 * (issue 23, item 3).
 *
 *   attach-exec DIR [N]
 *
 * The main thread writes "N K" (image N, line K) to stdout every
 * millisecond or so; a second thread, after a pause of 0 to 3 ms, runs
 * this program again (execve of /proc/self/exe with N+1), from that
 * thread, so that the process keeps its pid while its threads and its
 * program change under whoever traces it. The first image writes its pid
 * to DIR/pid; every image exits 7 once DIR/stop exists. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *dir;
static long image;

static void nap(long ns)
{
	struct timespec ts = { 0, ns };

	nanosleep(&ts, NULL);
}

static int stop_asked(void)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/stop", dir);
	return access(path, F_OK) == 0;
}

static void *exec_again(void *arg)
{
	char next[32], *argv[] = { "attach-exec", (char *)dir, next, NULL };

	(void)arg;
	srand((unsigned)(getpid() ^ image ^ time(NULL)));
	nap((long)(rand() % 3000) * 1000);
	snprintf(next, sizeof next, "%ld", image + 1);
	execv("/proc/self/exe", argv);
	perror("attach-exec: execv");
	exit(1);
}

int main(int argc, char **argv)
{
	pthread_t t;
	char line[64];

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: attach-exec DIR [N]\n");
		return 2;
	}
	dir = argv[1];
	image = argc == 3 ? atol(argv[2]) : 0;
	if (image == 0) {
		char path[4096], tmp[4200];
		FILE *f;
		snprintf(path, sizeof path, "%s/pid", dir);
		snprintf(tmp, sizeof tmp, "%s.tmp", path);
		if (!(f = fopen(tmp, "w")) || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0 ||
		    rename(tmp, path) < 0) {
			perror(path);
			return 1;
		}
	}
	if (stop_asked())
		return 7;
	if (pthread_create(&t, NULL, exec_again, NULL) != 0) {
		perror("attach-exec: pthread_create");
		return 1;
	}
	for (long k = 0; !stop_asked(); k++) {
		int len = snprintf(line, sizeof line, "%ld %ld\n", image, k);
		if (write(1, line, (size_t)len) < 0)
			nap(1000 * 1000);
		nap(1000 * 1000);
	}
	return 7;
}
