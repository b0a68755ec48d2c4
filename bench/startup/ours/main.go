// Command ours makes one Remove an integration call through this module's
// client, for bench/cmd/startup to measure what importing the client costs
// a program: package init, binary size.
package main

import (
	"context"
	"fmt"
	"os"

	datafold "github.com/datafold/datafold-go"
)

func main() {
	c, err := datafold.NewClient(datafold.WithServer(os.Args[1]), datafold.WithAPIKey("dftest_startup_key"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	resp, err := c.RemoveIntegrationWithResponse(context.Background(), 42)
	if err == nil {
		err = datafold.CheckResponse(resp)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
