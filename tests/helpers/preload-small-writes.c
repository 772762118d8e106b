/*
 * preload-small-writes METHOD N: N small writes to stdout (the benchmark
 * for libdtee.so's fast path, scripts/bench-preload).  METHOD: write (one
 * 16-byte write() each), printf (one printf of a short line each, stdio
 * buffered), fwrite (one 16-byte fwrite each).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static const char line[] = "0123456789abcde\n";
	long n;

	if (argc < 3)
		return 64;
	n = atol(argv[2]);
	if (strcmp(argv[1], "write") == 0) {
		for (long i = 0; i < n; i++)
			if (write(1, line, 16) != 16)
				return 1;
	} else if (strcmp(argv[1], "printf") == 0) {
		for (long i = 0; i < n; i++)
			printf("%ld %s", i, line);
	} else if (strcmp(argv[1], "fwrite") == 0) {
		for (long i = 0; i < n; i++)
			fwrite(line, 1, 16, stdout);
	} else {
		return 64;
	}
	return fflush(stdout) != 0;
}
