package datafold

// The generator is pinned by go.mod's tool directive. In order: opnames
// writes the overlay (overlay.yaml plus actions for unions the generator
// mishandles); oapi-codegen writes package api, the client, whose
// deprecation notices opnames then makes paragraphs Go tools see; then
// package spec, the embedded document, apart so that importing the client
// never links an OpenAPI parser; conformance writes the tests generated
// from both.
//go:generate go run ./internal/opnames overlay -spec openapi.yaml -overlay overlay.yaml -out api/overlay.gen.yaml
//go:generate go tool oapi-codegen -config oapi-codegen.yaml openapi.yaml
//go:generate go run ./internal/opnames godoc -spec openapi.yaml -gen api
//go:generate go tool oapi-codegen -config oapi-codegen.spec.yaml openapi.yaml
//go:generate go run ./internal/conformance -gen api -out conformance_gen_test.go
