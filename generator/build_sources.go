package generator

import (
	"github.com/mluviigen/mluviigen/generator/ir"
	"github.com/mluviigen/mluviigen/spec"
)

// references copies the spec's sources table into the IR, in spec order.
func references(table []*spec.Reference) []*ir.Reference {
	var out []*ir.Reference
	for _, r := range table {
		out = append(out, &ir.Reference{Key: r.Key, Title: r.Title, URL: r.URL})
	}
	return out
}
