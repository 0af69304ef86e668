package spec

import _ "embed"

// DefaultPath names the embedded default spec in positions and headers.
const DefaultPath = "spec/mluvii.yaml"

// DefaultYAML is the embedded default spec: mluvii's chatbot protocol.
//
//go:embed mluvii.yaml
var DefaultYAML []byte

// SchemaJSON is the JSON Schema (draft 2020-12) of the spec format, for editors
// and for checking spec files outside mluviigen.
//
//go:embed schema.json
var SchemaJSON []byte

// Default loads the embedded default spec.
func Default() (*Spec, error) { return Load(DefaultPath, DefaultYAML) }
