/* writes FD:TEXT...: one write(2) per argument, of TEXT exactly (which may
 * be empty: a zero-length write), to FD. "\n" in TEXT is a newline. Exits 1
 * if a write fails or is short. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *colon = strchr(argv[i], ':');
		char buf[4096];
		size_t n = 0;

		if (!colon) {
			fprintf(stderr, "writes: %s: expected FD:TEXT\n", argv[i]);
			return 2;
		}
		for (const char *p = colon + 1; *p && n < sizeof buf; p++) {
			if (p[0] == '\\' && p[1] == 'n')
				buf[n++] = '\n', p++;
			else
				buf[n++] = *p;
		}
		if (write(atoi(argv[i]), buf, n) != (ssize_t)n)
			return 1;
	}
	return 0;
}
