package generator

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"strings"
	"testing"

	"github.com/mluviigen/mluviigen/generator/ir"
	"github.com/mluviigen/mluviigen/spec"
	"github.com/mluviigen/mluviigen/templates"
)

// TestRuntimeNamesAreReserved: a spec name that maps onto a name the runtime
// files declare (the dispatcher's Waiters, the client's APIError, …) is a
// positioned error, not generated code that does not compile.
func TestRuntimeNamesAreReserved(t *testing.T) {
	for _, name := range []string{"Waiters", "APIError", "MemoryQueue", "Timestamp", "DecodeError"} {
		src := `name: p
discriminator: {key: activity}
session: {field: sessionId}
types:
  - name: ` + name + `
    kind: struct
    fields: [{name: x, type: string}]
activities:
  - {name: Ping, direction: fromMluvii, role: event, session: false}
`
		s, err := spec.Load("spec.yaml", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, err = Build(s)
		if err == nil || !strings.Contains(err.Error(), "spec.yaml:5:5: type "+name+": Go name "+name+" is already declared by the runtime") {
			t.Errorf("type %s: Build error = %v", name, err)
		}
	}
}

// TestDeclaredNamesAreClaimed keeps the reserved set honest: in the code
// generated from the default spec and every generating golden case, each
// package-level name, and each method and struct field of each type, is
// either claimed by the model (ir.API.Names) or in the reserved set. An
// emitter that declares a name neither Build nor reserved.go knows of fails
// here, before a spec that takes the name produces code that does not
// compile.
func TestDeclaredNamesAreClaimed(t *testing.T) {
	type input struct {
		name string
		api  *ir.API
		opts Options
	}
	s, err := spec.Default()
	if err != nil {
		t.Fatal(err)
	}
	api, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	inputs := []input{{"default", api, Options{ImportPath: "example.com/m"}}}
	for _, c := range goldenCases(t) {
		if c.wantsError() {
			continue
		}
		api, err := LoadAPI(goldenSpec, c.spec(t), c.overlays(t)...)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, input{c.name, api, c.options(t)})
	}
	reserved, err := reservedSet()
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range inputs {
		files, err := Generate(in.api, in.opts)
		if err != nil {
			t.Fatalf("%s: %v", in.name, err)
		}
		claimed := map[ir.Name]bool{}
		for _, n := range in.api.Names {
			claimed[n] = true
		}
		kinds := memberKinds(in.api)
		ok := func(pkg, typ, name string) bool {
			if claimed[ir.Name{Package: pkg, Type: typ, Name: name}] {
				return true
			}
			if _, r := reserved[scope{pkg, typ}][name]; r {
				return true
			}
			for _, k := range kinds[typ] {
				if _, r := reserved[scope{pkg, k}][name]; r {
					return true
				}
			}
			return false
		}
		checked := 0
		for _, f := range files {
			if !strings.HasSuffix(f.Path, ".go") {
				continue
			}
			if path.Dir(f.Path) == NATSPackage {
				// mluviinats declares no name from the spec (its glue's
				// names are fixed), so none can clash with its own.
				continue
			}
			pkg := ir.MainPackage
			if path.Dir(f.Path) == TestPackage {
				pkg = ir.TestPackage
			}
			file, err := parser.ParseFile(token.NewFileSet(), f.Path, f.Data, parser.SkipObjectResolution)
			if err != nil {
				t.Fatalf("%s: %v", in.name, err)
			}
			for _, d := range declared(file) {
				checked++
				if d.name != "_" && !ok(pkg, d.typ, d.name) {
					where := "package-level name"
					if d.typ != "" {
						where = "member of " + d.typ
					}
					t.Errorf("%s: %s declares %s %s, which Build does not claim and reserved.go does not reserve", in.name, f.Path, where, d.name)
				}
			}
		}
		if checked < 100 {
			t.Errorf("%s: only %d declarations checked", in.name, checked)
		}
	}
}

// memberKinds maps each generated type to the member sets its kind has.
func memberKinds(api *ir.API) map[string][]string {
	kinds := map[string][]string{}
	for _, a := range api.Activities {
		kinds[a.GoName] = []string{everyActivity}
		if a.Direction.Sent() {
			kinds[a.GoName] = append(kinds[a.GoName], sentActivity)
		}
	}
	for _, s := range api.Structs {
		kinds[s.GoName] = []string{everyStruct}
	}
	for _, e := range api.Enums {
		kinds[e.ValueType()] = []string{everyEnum}
		if e.Flags {
			kinds[e.GoName] = []string{everyFlagSet}
		}
	}
	for _, a := range api.Activities {
		for _, f := range a.Fields {
			if f.Option != "" {
				kinds[optionType(f.Option)] = []string{everyOption}
			}
		}
	}
	return kinds
}

type decl struct{ typ, name string }

// declared lists a file's package-level names, methods (typ: the receiver's
// type) and struct fields (typ: the struct type).
func declared(f *ast.File) []decl {
	var out []decl
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				out = append(out, decl{"", d.Name.Name})
			} else {
				out = append(out, decl{templates.RecvTypeName(d.Recv.List[0].Type), d.Name.Name})
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					out = append(out, decl{"", s.Name.Name})
					if st, ok := s.Type.(*ast.StructType); ok {
						for _, n := range templates.FieldNames(st) {
							out = append(out, decl{s.Name.Name, n})
						}
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						out = append(out, decl{"", n.Name})
					}
				}
			}
		}
	}
	return out
}
