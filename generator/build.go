package generator

import (
	"github.com/mluviigen/mluviigen/generator/ir"
	"github.com/mluviigen/mluviigen/spec"
)

// Build resolves a validated spec into the IR.
func Build(s *spec.Spec) (*ir.API, error) {
	return &ir.API{Name: s.Name}, nil
}
