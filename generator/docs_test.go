package generator

import (
	"testing"

	"github.com/mluviigen/mluviigen/generator/ir"
)

// TestDocFieldsEscapePipes: a field's doc and deprecation note are table
// cells in ACTIVITIES.md, so a "|" in either must not end the cell.
func TestDocFieldsEscapePipes(t *testing.T) {
	got := docFields([]*ir.Field{{Wire: "a", GoName: "A", Type: &ir.Type{Kind: ir.String},
		Doc: []string{"a|b"}, Deprecated: "use c|d"}})
	if want := `a\|b **Deprecated:** use c\|d`; len(got) != 1 || got[0].Doc != want {
		t.Errorf("docFields: %+v, want Doc %q", got, want)
	}
}
