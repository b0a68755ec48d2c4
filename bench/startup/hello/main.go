// Command hello prints a line: the floor for a Go binary's wall time,
// against which bench/cmd/startup times `datafold version`.
package main

import "fmt"

func main() { fmt.Println("hello") }
