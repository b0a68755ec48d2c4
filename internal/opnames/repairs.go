package main

import (
	"go.yaml.in/yaml/v3"

	"github.com/datafold/datafold-go/internal/invalid"
)

// documentActions are the generated actions written after the others: the
// repairs of the rules the generator enforces that the document breaks
// (internal/invalid), judged on the document as overlay.yaml's own
// actions leave it, which is what they apply to.
func documentActions(spec, overlayDoc *yaml.Node) ([]*yaml.Node, error) {
	doc, err := invalid.Apply(spec, overlayDoc)
	if err != nil {
		return nil, err
	}
	return invalid.Check(doc).Actions, nil
}
