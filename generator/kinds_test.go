package generator

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strings"
	"testing"

	"github.com/mluviigen/mluviigen/generator/ir"
	"github.com/mluviigen/mluviigen/spec/kind"
	"github.com/mluviigen/mluviigen/templates"
)

// TestBuiltinGoCoversKindTable: the generator's columns (builtinGo) have a
// complete row for every kind of spec/kind's table and none for anything
// else, so a kind added there without its Go side fails here.
func TestBuiltinGoCoversKindTable(t *testing.T) {
	want := map[ir.Kind]bool{}
	for _, b := range kind.Builtins() {
		want[b.Kind] = true
		g, ok := builtinGo[b.Kind]
		if !ok {
			t.Errorf("builtinGo has no row for kind %s", b.Name)
			continue
		}
		if g.goType == nil || g.goType() == nil || g.read == "" || g.write == "" || g.isSet == nil || g.omit == "" {
			t.Errorf("builtinGo[%s] leaves a column empty: %+v", b.Name, g)
		}
		if g.omit != "omitempty" && g.omit != "omitzero" {
			t.Errorf("builtinGo[%s].omit = %q, want omitempty or omitzero", b.Name, g.omit)
		}
		if got := typeExpr(&ir.Type{Kind: b.Kind}); got != b.Name {
			t.Errorf("typeExpr(%s) = %q", b.Name, got)
		}
	}
	for k := range builtinGo {
		if !want[k] {
			t.Errorf("builtinGo has a row for %v, which spec/kind does not list as a builtin", k)
		}
	}
}

// TestRuntimeNamesDeclared: every runtime identifier the emitters use (rt,
// rd, wr, mt in rtnames.go) is declared by the templates, where its tag says.
// Renaming a runtime function fails this test instead of the generated build.
func TestRuntimeNamesDeclared(t *testing.T) {
	declared := map[string]map[string]bool{} // scope → names
	add := func(scope, name string) {
		if declared[scope] == nil {
			declared[scope] = map[string]bool{}
		}
		declared[scope][name] = true
	}
	for _, dir := range []string{"runtime", "mluviitest"} {
		srcs, err := templates.Go(dir)
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		for _, src := range srcs {
			f, err := parser.ParseFile(fset, src.Name+".go", append([]byte("package p\n"), src.Body...), parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, decl := range f.Decls {
				switch d := decl.(type) {
				case *ast.FuncDecl:
					if d.Recv == nil {
						add(dir, d.Name.Name)
						continue
					}
					typ := d.Recv.List[0].Type
					if st, ok := typ.(*ast.StarExpr); ok {
						typ = st.X
					}
					if id, ok := typ.(*ast.Ident); ok {
						add(dir+"."+id.Name, d.Name.Name)
					}
				case *ast.GenDecl:
					for _, s := range d.Specs {
						switch s := s.(type) {
						case *ast.TypeSpec:
							add(dir, s.Name.Name)
							if st, ok := s.Type.(*ast.StructType); ok {
								for _, fl := range st.Fields.List {
									for _, n := range fl.Names {
										add(dir+"."+s.Name.Name, n.Name)
									}
								}
							}
						case *ast.ValueSpec:
							for _, n := range s.Names {
								add(dir, n.Name)
							}
						}
					}
				}
			}
		}
	}
	checked := 0
	for _, table := range []struct {
		name string
		v    any
	}{{"rt", rt}, {"rd", rd}, {"wr", wr}, {"mt", mt}} {
		v := reflect.ValueOf(table.v)
		for i := range v.NumField() {
			f := v.Type().Field(i)
			scope, name := f.Tag.Get("decl"), v.Field(i).String()
			switch {
			case scope == "" || name == "":
				t.Errorf("%s.%s: no decl tag or no value", table.name, f.Name)
			case !strings.HasPrefix(scope, "runtime") && !strings.HasPrefix(scope, "mluviitest"):
				t.Errorf("%s.%s: decl tag %q names no template directory", table.name, f.Name, scope)
			case !declared[scope][name]:
				t.Errorf("%s.%s = %q: templates/%s declares no such name", table.name, f.Name, name, strings.Replace(scope, ".", " (type ", 1)+strings.Repeat(")", strings.Count(scope, ".")))
			}
			checked++
		}
	}
	if checked < 50 {
		t.Errorf("checked only %d names; is a table missing?", checked)
	}
}
