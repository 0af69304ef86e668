package generator

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mluviigen/mluviigen/generator/ir"
	"github.com/mluviigen/mluviigen/spec"
)

// TestBuildPicksClientNames: names the spec cannot set are picked
// predictably. A method that would take the Client's own Send gets an
// Activity suffix; an option whose name another
// declaration takes falls back to With<Activity><Field>, then to a number;
// a channel accessor a method took becomes the view's name.
func TestBuildPicksClientNames(t *testing.T) {
	const src = `name: p
discriminator: {key: activity}
session: {field: sessionId}
channels:
  - {name: Point, sources: [p]}
types:
  - {name: WithLabel, kind: struct, fields: [{name: x, type: string}]}
  - {name: WithPointLabel, kind: struct, fields: [{name: x, type: string}]}
activities:
  - name: Send
    direction: toMluvii
    role: message
    retry: safe
    channels: {Point: yes}
    channelSource: t
  - name: Point
    direction: toMluvii
    role: request
    retry: safe
    fields: [{name: label, type: string, optional: true}]
    channels: {Point: yes}
    channelSource: t
`
	s, err := spec.Load("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	api, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	send, point := api.Activities[0], api.Activities[1]
	got := []string{send.Client.Method, point.Client.Method, point.Fields[0].Option, point.Client.Option, api.Channels[0].Accessor, send.Expect}
	want := []string{"SendActivity", "Point", "WithPointLabel2", "PointOption", "PointClient", "ExpectSend"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("names (-want +got):\n%s", d)
	}
	claimed := map[ir.Name]bool{}
	for _, n := range api.Names {
		claimed[n] = true
	}
	for _, n := range []ir.Name{
		{Type: "Client", Name: "SendActivity"}, {Name: "WithPointLabel2"}, {Name: "optPointLabel2"},
		{Type: "optPointLabel2", Name: "applyPoint"}, {Type: "Client", Name: "PointClient"},
		{Package: ir.TestPackage, Type: "Session", Name: "ExpectPoint"}, {Name: "readWithLabelPtr"},
	} {
		if !claimed[n] {
			t.Errorf("%+v is not in api.Names", n)
		}
	}
}
