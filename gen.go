package datafold

// The generator is pinned by go.mod's tool directive, so every clone produces
// byte-identical code without installing anything globally.
//
// The first run writes package api, the client; the second writes package
// spec, the embedded OpenAPI document, apart so that importing the client
// never links an OpenAPI parser.
//go:generate go tool oapi-codegen -config oapi-codegen.yaml openapi.yaml
//go:generate go tool oapi-codegen -config oapi-codegen.spec.yaml openapi.yaml
