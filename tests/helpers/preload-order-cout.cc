// preload-order-cout [clog]: std::cout << "out N\n" and std::cerr (or
// std::clog) << "err N\n" in turn, three times each (no std::endl: only the
// buffering decides when stdout leaves; clog is buffered itself, so it is
// flushed after each line).  iostreams are synced with stdio, as by default.
#include <cstring>
#include <iostream>

int main(int argc, char **argv)
{
	bool clog = argc > 1 && std::strcmp(argv[1], "clog") == 0;

	for (int i = 0; i < 3; i++) {
		std::cout << "out " << i << "\n";
		if (clog)
			std::clog << "err " << i << "\n" << std::flush;
		else
			std::cerr << "err " << i << "\n";
	}
	return 0;
}
