// Package bench compares the cost of a Remove an integration call through
// this module's client with raw net/http and with ogen's client for the
// same operation. It is its own module so that the library's go.mod
// never carries ogen or benchstat.
package bench

// Both ogen clients are generated from remove-integration.yaml, a pinned
// copy of the one operation measured (the seed spec as Datafold published
// it), not from ../openapi.yaml: ogen refuses parts of real pydantic specs
// (3.1's numeric exclusiveMaximum), and a benchmark contender must never
// block a spec update. Our client is always the current one; the operation
// it calls keeps its signature across updates.
//go:generate go tool ogen -config ogen/ogen.yml -target ogen -package ogen -clean remove-integration.yaml
//go:generate go tool ogen -config ogenlean/ogen.yml -target ogenlean -package ogenlean -clean remove-integration.yaml
