package generator

import (
	"github.com/mluviigen/mluviigen/generator/ir"
)

// Options control one generation.
type Options struct {
	// Package is the Go package name of the output (default: the spec's name).
	Package string
	// ImportPath is the import path of the output directory; the fake mluvii
	// subpackage imports the types from there.
	ImportPath string
	// SpecPath names the spec in the generated header, as the user gave it.
	SpecPath string
	// Channels restricts the client to activities supported on all of them.
	Channels []string
	// StrictChannels leaves out activities whose support is unverified.
	StrictChannels bool
}

// Generate renders the API into files. It never touches the disk.
func Generate(api *ir.API, opts Options) (Files, error) {
	return nil, nil
}
