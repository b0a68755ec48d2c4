// Package dataloss holds a client generated into api/ from spec.yaml, a small FastAPI-style
// document holding the shapes oapi-codegen once turned into types that
// silently lost values, with the module's own oapi-codegen.yaml. Its tests
// prove those values now survive a round trip and reach the wire.
package dataloss

//go:generate go run ../opnames overlay -spec spec.yaml -overlay overlay.yaml -out api/overlay.gen.yaml
//go:generate go tool oapi-codegen -config oapi-codegen.yaml spec.yaml
