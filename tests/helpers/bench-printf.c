/*
 * bench-printf N [alt]: printf("line %d of the output\n") N times, as a
 * program that prints a lot and thinks nothing of buffering (the
 * order-as-printed benchmark, scripts/bench-buffering).  alt: every other
 * line goes to stderr with fprintf instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	int alt = argc > 2 && strcmp(argv[2], "alt") == 0;

	for (long i = 0; i < n; i++) {
		if (alt && i % 2)
			fprintf(stderr, "line %ld of the output\n", i);
		else
			printf("line %ld of the output\n", i);
	}
	return 0;
}
