/* alternate COUNT: COUNT single-byte writes of 'a'..'z' in turn, even ones
 * to stdout and odd ones to stderr, so the combined order is the alphabet
 * over and over. Each byte is a write(2) of its own; a failed write exits 1. */
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 1000;

	for (long i = 0; i < count; i++) {
		char c = (char)('a' + i % 26);
		if (write(i % 2 ? 2 : 1, &c, 1) != 1)
			return 1;
	}
	return 0;
}
