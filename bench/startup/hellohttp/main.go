// Command hellohttp is ../hello with net/http linked in and never used:
// what any command that can make an HTTP call pays at start, before the
// client adds anything.
package main

import (
	"fmt"
	"net/http"
)

// The reference keeps net/http, and its package init, in the binary.
var _ = http.DefaultClient

func main() { fmt.Println("hello") }
