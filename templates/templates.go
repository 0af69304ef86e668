// Package templates holds the spec-independent parts of every generated
// package, embedded into the generator.
//
// The Go files under runtime/ (package mluvii) and mluviitest/ (package
// mluviitest) are real Go source: the JSON reader and writer, timestamps, the
// dispatcher's queue and worker pool, the client's token source and retry
// loop, the fake mluvii's HTTP plumbing. The generator renames the package
// clause to the output package and writes each file verbatim next to the code
// it generates from the spec (as <name>_gen.go).
//
// They are also ordinary packages here: templates/runtime and
// templates/mluviitest compile, vet and run their own tests in place. What
// every generated package declares from its spec (Activity, Decode, the
// activity types, …) comes from a small fixture spec, testdata/fixture.yaml,
// whose generated declarations are committed beside the templates as
// fixture_*_gen.go (kept fresh by generator's TestTemplatesFixtureUpToDate).
// Go and DeclaredNames skip those fixture files and the _test.go files: they
// are never emitted nor reserved.
//
// Runtime code may use only the standard library and what every generated
// package declares whatever the spec says (see README.md in this directory).
package templates

import (
	"bytes"
	"embed"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed runtime/*.go mluviitest/*.go mluviinats/*.go
var goFiles embed.FS

// ActivitiesMarkdown is the text/template of the generated Markdown reference.
//
//go:embed docs/activities.md.tmpl
var ActivitiesMarkdown string

// GoFile is one runtime file, ready to be emitted.
type GoFile struct {
	// Name is the file's base name without .go, e.g. "jsonread".
	Name string
	// Body is the source after the package clause: imports and declarations.
	Body []byte
}

// Go returns the runtime files of dir ("runtime" or "mluviitest") sorted by
// name, each with its package clause (and everything before it) removed. The
// fixture's generated files and the tests are not runtime files (see Emitted).
func Go(dir string) ([]GoFile, error) {
	names, err := fs.Glob(goFiles, dir+"/*.go")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []GoFile
	for _, name := range names {
		if !Emitted(path.Base(name)) {
			continue
		}
		src, err := goFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		body, err := afterPackageClause(src)
		if err != nil {
			return nil, fmt.Errorf("templates/%s: %w", name, err)
		}
		base := path.Base(name)
		out = append(out, GoFile{Name: base[:len(base)-len(".go")], Body: body})
	}
	return out, nil
}

// FixturePrefix starts the base name of every file generated from the fixture
// spec into runtime/ and mluviitest/, e.g. runtime/fixture_activities_gen.go.
const FixturePrefix = "fixture_"

// Emitted reports whether a file of this base name in runtime/ or mluviitest/
// is a runtime file, emitted into every generated package: a .go file that is
// neither a test nor generated from the fixture spec.
func Emitted(base string) bool {
	return strings.HasSuffix(base, ".go") && !strings.HasSuffix(base, "_test.go") && !strings.HasPrefix(base, FixturePrefix)
}

// afterPackageClause returns src after its "package x" line. Everything
// before it (the build constraint, file comments) is dropped.
func afterPackageClause(src []byte) ([]byte, error) {
	for rest := src; len(rest) > 0; {
		line, next, _ := bytes.Cut(rest, []byte("\n"))
		if bytes.HasPrefix(line, []byte("package ")) {
			return next, nil
		}
		rest = next
	}
	return nil, fmt.Errorf("no package clause")
}

// DeclaredNames returns the package-level names (types, functions, variables,
// constants) the runtime files of dir declare, sorted. A spec name that maps
// onto one of them would not compile, so the generator reserves them.
func DeclaredNames(dir string) ([]string, error) {
	d, err := Declared(dir)
	if err != nil {
		return nil, err
	}
	return d.Names, nil
}

// Declarations are the names the runtime files of one directory declare.
type Declarations struct {
	// Names are the package-level names, sorted.
	Names []string
	// Members maps a type name to its methods and, for a struct, its fields,
	// each sorted. Methods declared on a type the files do not declare (one
	// the generated code declares) are listed under that type's name too.
	Members map[string][]string
}

// Declared parses the runtime files of dir and returns what they declare.
func Declared(dir string) (*Declarations, error) {
	srcs, err := Go(dir)
	if err != nil {
		return nil, err
	}
	d := &Declarations{Members: map[string][]string{}}
	fset := token.NewFileSet()
	for _, src := range srcs {
		f, err := parser.ParseFile(fset, src.Name+".go", append([]byte("package p\n"), src.Body...), parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("templates/%s/%s.go: %w", dir, src.Name, err)
		}
		for _, decl := range f.Decls {
			d.Names = append(d.Names, declNames(decl)...)
			for typ, members := range memberNames(decl) {
				d.Members[typ] = append(d.Members[typ], members...)
			}
		}
	}
	sort.Strings(d.Names)
	for _, m := range d.Members {
		sort.Strings(m)
	}
	return d, nil
}

// memberNames returns the methods a declaration adds to its receiver type,
// or the fields of the struct types it declares.
func memberNames(decl ast.Decl) map[string][]string {
	out := map[string][]string{}
	switch d := decl.(type) {
	case *ast.FuncDecl:
		if d.Recv != nil && len(d.Recv.List) == 1 {
			if typ := RecvTypeName(d.Recv.List[0].Type); typ != "" {
				out[typ] = append(out[typ], d.Name.Name)
			}
		}
	case *ast.GenDecl:
		for _, s := range d.Specs {
			ts, ok := s.(*ast.TypeSpec)
			if !ok {
				continue
			}
			if st, ok := ts.Type.(*ast.StructType); ok {
				out[ts.Name.Name] = append(out[ts.Name.Name], FieldNames(st)...)
			}
		}
	}
	return out
}

// RecvTypeName returns the name of the type of a method receiver (T, *T,
// T[P], *T[P]), or "".
func RecvTypeName(x ast.Expr) string {
	for {
		switch t := x.(type) {
		case *ast.StarExpr:
			x = t.X
		case *ast.IndexExpr:
			x = t.X
		case *ast.IndexListExpr:
			x = t.X
		case *ast.ParenExpr:
			x = t.X
		case *ast.Ident:
			return t.Name
		default:
			return ""
		}
	}
}

// FieldNames returns the names of a struct type's fields; an embedded field
// is named by its type.
func FieldNames(st *ast.StructType) []string {
	var out []string
	for _, f := range st.Fields.List {
		if len(f.Names) == 0 {
			if n := RecvTypeName(f.Type); n != "" {
				out = append(out, n)
			} else if sel, ok := f.Type.(*ast.SelectorExpr); ok {
				out = append(out, sel.Sel.Name)
			}
			continue
		}
		for _, n := range f.Names {
			out = append(out, n.Name)
		}
	}
	return out
}

func declNames(decl ast.Decl) []string {
	var out []string
	switch d := decl.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil {
			out = append(out, d.Name.Name)
		}
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				out = append(out, s.Name.Name)
			case *ast.ValueSpec:
				for _, n := range s.Names {
					out = append(out, n.Name)
				}
			}
		}
	}
	return out
}
