package datafold

// The generator is pinned by go.mod's tool directive, so every clone produces
// byte-identical code without installing anything globally.
//go:generate go tool oapi-codegen -config oapi-codegen.yaml openapi.yaml
