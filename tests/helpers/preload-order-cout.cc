// preload-order-cout: std::cout << "out N\n" and std::cerr << "err N\n" in
// turn, three times each (no std::endl: only the buffering decides when
// stdout leaves).  iostreams are synced with stdio, as by default.
#include <iostream>

int main()
{
	for (int i = 0; i < 3; i++) {
		std::cout << "out " << i << "\n";
		std::cerr << "err " << i << "\n";
	}
	return 0;
}
