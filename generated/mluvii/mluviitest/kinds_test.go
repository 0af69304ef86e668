package mluviitest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mluviigen/mluviigen/generated/mluvii"
)

// TestLoadSpecKnowsEveryKind: every field type of the generated package's
// run-time schema has a kind the fake checks.
func TestLoadSpecKnowsEveryKind(t *testing.T) {
	if spec.err != nil {
		t.Fatal(spec.err)
	}
	seen := map[string]bool{}
	var walk func(r mluvii.TypeRef)
	walk = func(r mluvii.TypeRef) {
		seen[r.Kind] = true
		if r.Elem != nil {
			walk(*r.Elem)
		}
	}
	for _, a := range mluvii.Activities() {
		for _, f := range a.Fields {
			walk(f.TypeRef)
			if f.TypeRef.String() != f.Type {
				t.Errorf("%s.%s: TypeRef renders as %q, Type is %q", a.Name, f.Name, f.TypeRef, f.Type)
			}
		}
	}
	for _, k := range []string{"string", "bool", "int32", "int64", "timestamp", "list", "struct", "enum"} {
		if !seen[k] {
			t.Errorf("no field of kind %s in the default spec; the walk is broken", k)
		}
	}
}

// fatalTB records Fatalf and stops the goroutine as testing.T does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(f)
}

// TestUnknownKindFailsLoudly: a schema whose field has a kind the fake does
// not know (a builtin added to the generator's kind table but not to
// scalarKinds) makes NewServer fail the test, instead of the check letting
// any value through.
func TestUnknownKindFailsLoudly(t *testing.T) {
	bad := &schema{
		acts: []*actInfo{{name: "Order", fields: []fieldInfo{
			{name: "total", typ: &typeRef{kind: "list", elem: &typeRef{kind: "decimal"}}},
		}}},
		types: map[string]*typeInfo{},
	}
	bad.index()
	if bad.err == nil || !strings.Contains(bad.err.Error(), `Order.total has type kind "decimal"`) {
		t.Fatalf("index: err = %v, want one naming Order.total and kind decimal", bad.err)
	}

	named := &schema{acts: []*actInfo{{name: "Order", fields: []fieldInfo{
		{name: "state", typ: &typeRef{kind: "enum", name: "OrderState"}},
	}}}, types: map[string]*typeInfo{}}
	named.index()
	if named.err == nil || !strings.Contains(named.err.Error(), `no enum "OrderState"`) {
		t.Errorf("index: err = %v, want one naming the missing enum", named.err)
	}

	saved := spec
	spec = bad
	defer func() { spec = saved }()
	tb := &fatalTB{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil && r != any(tb) {
				panic(r)
			}
		}()
		NewServer(tb)
		t.Error("NewServer returned for a schema with an unknown kind")
	}()
	if !strings.Contains(tb.msg, `"decimal"`) || !strings.Contains(tb.msg, "scalarKinds") {
		t.Errorf("NewServer failed with %q, want the kind and where to add it", tb.msg)
	}
}
