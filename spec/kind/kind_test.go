package kind_test

import (
	"strings"
	"testing"

	"github.com/mluviigen/mluviigen/spec"
	"github.com/mluviigen/mluviigen/spec/kind"
)

func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for i, b := range kind.Builtins() {
		if b.Kind != kind.Kind(i+1) {
			t.Errorf("row %d (%s) has kind %d: builtins must come first, in order", i, b.Name, b.Kind)
		}
		if b.Name == "" || b.Doc == "" {
			t.Errorf("row %d: empty name or doc", i)
		}
		if seen[b.Name] {
			t.Errorf("name %q twice", b.Name)
		}
		seen[b.Name] = true
		if k, ok := kind.Lookup(b.Name); !ok || k != b.Kind || k.String() != b.Name || !k.IsBuiltin() {
			t.Errorf("Lookup(%q) = %v, %v", b.Name, k, ok)
		}
	}
	for k := kind.List; k <= kind.Flags; k++ {
		if k.IsBuiltin() || k.String() == "kind(?)" || seen[k.String()] {
			t.Errorf("composite kind %d: IsBuiltin %v, name %q", k, k.IsBuiltin(), k.String())
		}
	}
	// The named kinds are spelled as the spec's type kinds.
	for k, want := range map[kind.Kind]string{kind.Struct: spec.KindStruct, kind.Enum: spec.KindEnum, kind.Flags: spec.KindFlags} {
		if k.String() != want {
			t.Errorf("%v.String() = %q, want %q", k, k.String(), want)
		}
	}
	if _, ok := kind.Lookup("decimal"); ok {
		t.Error("Lookup found a kind the table lacks")
	}
}

// TestSchemaJSONListsBuiltins: the spec format's JSON Schema names the
// builtins where it describes type names and type expressions; a kind added
// to the table must be added there too.
func TestSchemaJSONListsBuiltins(t *testing.T) {
	list := strings.Join(kind.Names(), ", ")
	for _, want := range []string{
		"an identifier that is not a builtin (" + list + ")",
		"Type expression: " + list + ", a named type",
	} {
		if !strings.Contains(string(spec.SchemaJSON), want) {
			t.Errorf("spec/schema.json does not say %q", want)
		}
	}
}
