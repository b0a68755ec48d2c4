// Command datafold talks to the Datafold API from scripts and CI jobs.
//
//	datafold integrations remove [flags] [ID...] [-] [--file PATH]
//	datafold version
//
// The API key is read from DATAFOLD_API_KEY only, never from a flag, so it
// stays out of shell history and process listings. The server is --host,
// else DATAFOLD_HOST, else https://app.datafold.com.
//
// Exit status: 0 when everything succeeded, 1 when any id failed (the
// others are still attempted), 2 for usage errors, 130 when interrupted.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// Two signals are buffered: the first stops new removals, the second
	// cancels those in flight.
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	code := run(context.Background(), os.Args[1:], env{
		stdin:   os.Stdin,
		stdout:  os.Stdout,
		stderr:  os.Stderr,
		getenv:  os.Getenv,
		signals: signals,
	})
	os.Exit(code)
}
