package generator

import (
	"testing"

	"github.com/dave/jennifer/jen"

	"github.com/mluviigen/mluviigen/spec"
)

func TestParamName(t *testing.T) {
	for in, want := range map[string]string{
		"SessionID": "sessionID", "GroupIDs": "groupIDs", "URL": "url", "IDs": "ids",
		"HeroCardID": "heroCardID", "HTTPClient": "httpClient", "Text": "text",
		"Type": "typeValue", "Ctx": "ctxValue", "Opts": "optsValue", "Target2": "target2Value",
		"FacebookPSID": "facebookPSID", "X": "x",
	} {
		if got := paramName(in); got != want {
			t.Errorf("paramName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestClientPlanOnce: the emitters that need the client plan (methods,
// channel views, docs) share one, made once per generation.
func TestClientPlanOnce(t *testing.T) {
	s, err := spec.Default()
	if err != nil {
		t.Fatal(err)
	}
	api, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	g := &gen{api: api, pkg: "mluvii"}
	p := g.plan()
	for _, emit := range []func(*gen, *jen.File){(*gen).clientMethods, (*gen).clientCards, (*gen).channelViews} {
		emit(g, jen.NewFile("mluvii"))
	}
	if _, err := g.docs(); err != nil {
		t.Fatal(err)
	}
	if g.plan() != p {
		t.Error("the plan was made again")
	}
	if len(p.methods) == 0 {
		t.Error("the plan has no methods")
	}
}
