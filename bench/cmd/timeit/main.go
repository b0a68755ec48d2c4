// Command timeit runs a command and prints how long it took in
// milliseconds, for bench/run.sh: date +%N is GNU-only, and macOS's
// bash 3.2 has no EPOCHREALTIME. The command's own output goes to stderr.
//
//	timeit CMD [ARG...]
package main

import (
	"fmt"
	"os"
	"os/exec"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: timeit CMD [ARG...]")
		os.Exit(2)
	}
	c := exec.Command(os.Args[1], os.Args[2:]...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stderr, os.Stderr
	start := time.Now()
	err := c.Run()
	took := time.Since(start)
	if err != nil {
		fmt.Fprintf(os.Stderr, "timeit: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(took.Milliseconds())
}
