// preload-big-cout FD SIZE: SIZE bytes of preload-big-write's pattern in one
// insertion into std::cout (FD 1) or std::cerr (FD 2); exit 3 if the stream
// reports failure.  libstdc++ hands it to fwrite (sync_with_stdio).
#include <cstdlib>
#include <iostream>
#include <string>

int main(int argc, char **argv)
{
	if (argc < 3)
		return 64;
	int fd = std::atoi(argv[1]);
	std::size_t size = std::strtoul(argv[2], nullptr, 0);
	std::string s(size, 'x');

	for (std::size_t i = 0; i < size; i++)
		s[i] = i % 64 == 63 ? '\n' : char('a' + (i / 64 + i) % 26);
	s[size - 1] = '\n';
	std::ostream &os = fd == 1 ? std::cout : std::cerr;
	os << s << std::flush;
	return os.good() ? 0 : 3;
}
