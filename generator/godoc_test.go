package generator

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/mluviigen/mluviigen/spec"
)

// TestGeneratedGodoc checks that every exported declaration of the default
// spec's output has a doc comment whose first line starts with its name.
func TestGeneratedGodoc(t *testing.T) {
	s, err := spec.Default()
	if err != nil {
		t.Fatal(err)
	}
	api, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	files, err := Generate(api, Options{ImportPath: "example.com/bot/mluvii", SpecPath: spec.DefaultPath})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !strings.HasSuffix(f.Path, ".go") {
			continue
		}
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, f.Path, f.Data, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, problem := range undocumented(file) {
			t.Errorf("%s:%d: %s", f.Path, fset.Position(problem.pos).Line, problem.msg)
		}
	}
}

type docProblem struct {
	pos token.Pos
	msg string
}

func undocumented(file *ast.File) []docProblem {
	var out []docProblem
	check := func(name *ast.Ident, doc *ast.CommentGroup, groupDoc *ast.CommentGroup) {
		if !name.IsExported() {
			return
		}
		if doc == nil {
			doc = groupDoc
			if doc != nil {
				return // a documented group (const blocks) covers its members
			}
		}
		if doc == nil {
			out = append(out, docProblem{name.Pos(), name.Name + " has no doc comment"})
			return
		}
		first := doc.Text()
		for _, article := range []string{"A ", "An ", "The "} {
			first = strings.TrimPrefix(first, article)
		}
		if !strings.HasPrefix(first, name.Name+" ") && !strings.HasPrefix(first, name.Name+",") && !strings.HasPrefix(first, "Deprecated") {
			out = append(out, docProblem{name.Pos(), name.Name + ": doc does not start with its name: " + strings.SplitN(first, "\n", 2)[0]})
		}
	}
	for _, decl := range file.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if d.Recv != nil && !exportedReceiver(d.Recv) {
				continue
			}
			check(d.Name, d.Doc, nil)
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch sp := spec.(type) {
				case *ast.TypeSpec:
					doc := sp.Doc
					if doc == nil && len(d.Specs) == 1 {
						doc = d.Doc
					}
					check(sp.Name, doc, nil)
				case *ast.ValueSpec:
					for _, n := range sp.Names {
						check(n, sp.Doc, d.Doc)
					}
				}
			}
		}
	}
	return out
}

func exportedReceiver(recv *ast.FieldList) bool {
	t := recv.List[0].Type
	if star, ok := t.(*ast.StarExpr); ok {
		t = star.X
	}
	if idx, ok := t.(*ast.IndexExpr); ok {
		t = idx.X
	}
	id, ok := t.(*ast.Ident)
	return ok && id.IsExported()
}
