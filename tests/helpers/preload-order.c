/*
 * preload-order [full]: printf("out %d\n") and fprintf(stderr, "err %d\n")
 * in turn, three times each, as a program that does not think about
 * buffering writes.  full: first setvbuf(stdout, NULL, _IOFBF, 0), the
 * program's own choice of full buffering.
 */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "full") == 0 && setvbuf(stdout, NULL, _IOFBF, 0) != 0)
		return 70;
	for (int i = 0; i < 3; i++) {
		printf("out %d\n", i);
		fprintf(stderr, "err %d\n", i);
	}
	return 0;
}
