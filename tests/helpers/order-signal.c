/* order-signal: N lines of printf on stdout while a timer's signal
 * handler writes "E\n" to fd 2 every 50 us, so that the handler's write
 * often interrupts a printf on stdout.  Under dtee, when no one watches,
 * libdtee.so flushes stdout before writes to stderr: it must never do so
 * from inside the interrupted call (musl's FILE lock cannot tell, so
 * there a write(2) on fd 2 flushes nothing).
 *
 *   order-signal N
 *
 * Prints "hits H" on stderr at the end; exit 0. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t hits;

static void handler(int sig)
{
	(void)sig;
	hits++;
	(void)!write(2, "E\n", 2);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = handler, .sa_flags = SA_RESTART };
	struct itimerval it = { { 0, 50 }, { 0, 50 } };
	int n = argc > 1 ? atoi(argv[1]) : 100000;

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (int i = 0; i < n; i++)
		printf("line %07d abcdefghijklmnopqrstuvwxyz0123456789\n", i);
	fflush(stdout);
	it = (struct itimerval){ { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &it, NULL);
	fprintf(stderr, "hits %d\n", (int)hits);
	return 0;
}
