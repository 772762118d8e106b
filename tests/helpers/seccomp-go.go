// seccomp-go: a static Go program (CGO_ENABLED=0) whose large writes only
// dtee's seccomp supervisor can split: Go makes the write system call
// itself, so libdtee.so never sees it. Built by tests/seccomp.bats.
//
//	seccomp-go [MIB]
//
// Writes marker lines on both streams around one fmt.Print of MIB MiB
// (default 20) to stdout and one os.Stderr.Write of MIB/4 MiB. The data is
// a pseudo-random sequence, so a lost, doubled or moved chunk changes the
// checksum. Any error is printed on stderr and exits 1.
package main

import (
	"fmt"
	"os"
	"strconv"
)

func data(n int, seed uint64) []byte {
	b := make([]byte, n)
	x := seed*0x9e3779b97f4a7c15 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "seccomp-go:", err)
		os.Exit(1)
	}
}

func main() {
	mib := 20
	if len(os.Args) > 1 {
		v, err := strconv.Atoi(os.Args[1])
		check(err)
		mib = v
	}
	_, err := fmt.Print("start\n")
	check(err)
	_, err = fmt.Fprint(os.Stderr, "before\n")
	check(err)
	_, err = fmt.Print(string(data(mib<<20, 1)))
	check(err)
	_, err = fmt.Fprint(os.Stderr, "between\n")
	check(err)
	_, err = os.Stderr.Write(data(mib<<18, 2))
	check(err)
	_, err = fmt.Print("end\n")
	check(err)
}
