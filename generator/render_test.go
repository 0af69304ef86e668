package generator

import (
	"strings"
	"testing"

	"github.com/dave/jennifer/jen"
)

// TestRenderShowsListing: when an emitter produces Go that does not parse,
// the error carries a line-numbered listing of what was emitted.
func TestRenderShowsListing(t *testing.T) {
	f := jen.NewFile("p")
	f.Func().Id("broken").Params().Block(jen.Id("x").Op(":=").Op("}"))
	_, err := render(f)
	if err == nil {
		t.Fatal("render accepted broken Go")
	}
	msg := err.Error()
	for _, want := range []string{"emitted Go does not format", "    1  package p", "x := }"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}
