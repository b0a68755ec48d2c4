// Package bench compares the cost of a Remove an integration call through
// this module's client with raw net/http and with ogen's client for the
// same openapi.yaml. It is its own module so that the library's go.mod
// never carries ogen or benchstat.
package bench

// Both ogen clients are generated from the library's own openapi.yaml.
//go:generate go tool ogen -config ogen/ogen.yml -target ogen -package ogen -clean ../openapi.yaml
//go:generate go tool ogen -config ogenlean/ogen.yml -target ogenlean -package ogenlean -clean ../openapi.yaml
