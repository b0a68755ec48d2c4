// Command datafold talks to the Datafold API from scripts and CI jobs.
//
//	datafold integrations remove [flags] ID [ID...]
//	datafold version
//
// The API key is read from DATAFOLD_API_KEY only, never from a flag, so it
// stays out of shell history and process listings. The server is --host,
// else DATAFOLD_HOST, else https://app.datafold.com.
//
// Exit status: 0 when everything succeeded, 1 when any API or network call
// failed (the others are still attempted), 2 for usage errors.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
