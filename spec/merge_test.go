package spec

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// mergeBase is the base spec of the merge tests (b.yaml).
const mergeBase = `name: t
discriminator: {key: activity}
session: {field: sessionId}
channels: [{name: WebChat, sources: [Default]}, {name: WhatsApp}]
types:
  - {name: State, kind: enum, values: [{name: ON, number: 1}]}
activities:
  - name: Get
    direction: toMluvii
    role: request
    retry: safe
    channels: {WebChat: yes, WhatsApp: unverified}
    channelSource: docs
    keyAliases: {sesionId: sessionId}
    fields:
      - {name: a, type: int32, optional: true}
  - name: Ev
    direction: fromMluvii
    role: event
    fields:
      - {name: s, type: State}
`

// overlaid loads mergeBase with overlays o1.yaml, o2.yaml, … and returns the
// spec, or the problems as sorted lines.
func overlaid(t *testing.T, overlays ...string) (*Spec, []string) {
	t.Helper()
	var srcs []Source
	for i, o := range overlays {
		srcs = append(srcs, Source{Path: "o" + string(rune('1'+i)) + ".yaml", Data: []byte(o)})
	}
	s, err := LoadOverlaid(Source{Path: "b.yaml", Data: []byte(mergeBase)}, srcs...)
	if err == nil {
		return s, nil
	}
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("got %T, want ErrorList: %v", err, err)
	}
	lines := strings.Split(list.Error(), "\n")
	slices.Sort(lines)
	return nil, lines
}

func activity(s *Spec, name string) *Activity {
	for _, a := range s.Activities {
		if a.Name == name {
			return a
		}
	}
	return nil
}

func fieldNames(fs []*Field) (names []string) {
	for _, f := range fs {
		names = append(names, f.Name)
	}
	return names
}

func TestMergeAdds(t *testing.T) {
	tests := []struct {
		name    string
		overlay string
		check   func(t *testing.T, s *Spec)
	}{{
		name: "activity appended after the base's",
		overlay: `activities:
  - {name: Put, direction: toMluvii, role: request, retry: unsafe, channels: {WebChat: yes, WhatsApp: no}, channelSource: mine}
`,
		check: func(t *testing.T, s *Spec) {
			var names []string
			for _, a := range s.Activities {
				names = append(names, a.Name)
			}
			if d := cmp.Diff([]string{"Get", "Ev", "Put"}, names); d != "" {
				t.Error(d)
			}
			if p := activity(s, "Put").Pos; p.File != "o1.yaml" || p.Line != 2 {
				t.Errorf("Put at %v, want o1.yaml:2", p)
			}
		},
	}, {
		name:    "field, alias and doc on an existing activity",
		overlay: "activities:\n  - name: Get\n    doc: Get gets.\n    fields: [{name: b, type: string, optional: true, aliases: [B2]}, {name: a, aliases: [A2], doc: new}]\n",
		check: func(t *testing.T, s *Spec) {
			g := activity(s, "Get")
			if d := cmp.Diff([]string{"a", "b"}, fieldNames(g.Fields)); d != "" {
				t.Error(d)
			}
			if g.Doc != "Get gets." || g.Fields[0].Doc != "new" || !slices.Equal(g.Fields[0].Aliases, []string{"A2"}) || g.Fields[0].Type != "int32" {
				t.Errorf("Get = doc %q, field a = %+v", g.Doc, g.Fields[0])
			}
		},
	}, {
		name:    "enum value",
		overlay: "types:\n  - name: State\n    values: [{name: OFF, number: 0}, {name: ON, doc: on}]\n",
		check: func(t *testing.T, s *Spec) {
			vs := s.Types[0].Values
			if len(vs) != 2 || vs[1].Name != "OFF" || vs[0].Doc != "on" || *vs[0].Number != 1 {
				t.Errorf("values = %s", show(reflect.ValueOf(vs)))
			}
		},
	}, {
		name:    "channel cell, retry and unstated goName",
		overlay: "activities:\n  - name: Get\n    goName: Fetch\n    retry: unsafe\n    channels: {WhatsApp: {support: yes, source: tested 2025}}\n",
		check: func(t *testing.T, s *Spec) {
			g := activity(s, "Get")
			if c := g.Channels["WhatsApp"]; c.Support != SupportYes || c.Source != "tested 2025" || c.Pos.File != "o1.yaml" {
				t.Errorf("WhatsApp cell = %+v", c)
			}
			if c := g.Channels["WebChat"]; c.Support != SupportYes || c.Source != "" {
				t.Errorf("WebChat cell changed: %+v", c)
			}
			if g.Retry != RetryUnsafe || g.GoName != "Fetch" || g.Keys["retry"].File != "o1.yaml" {
				t.Errorf("retry %q goName %q at %v", g.Retry, g.GoName, g.Keys["retry"])
			}
		},
	}, {
		name:    "channelSource sources the patched cells only",
		overlay: "activities:\n  - name: Get\n    channelSource: my test\n    channels: {WhatsApp: no}\n",
		check: func(t *testing.T, s *Spec) {
			g := activity(s, "Get")
			if g.ChannelSource != "docs" || g.Channels["WhatsApp"].Source != "my test" {
				t.Errorf("row source %q, WhatsApp cell %+v", g.ChannelSource, g.Channels["WhatsApp"])
			}
		},
	}, {
		name:    "restating the base changes nothing",
		overlay: "activities:\n  - {name: Ev, direction: fromMluvii, role: event, fields: [{name: s, type: State, optional: false}]}\n",
		check:   func(t *testing.T, s *Spec) {},
	}, {
		name:    "empty overlay",
		overlay: "# nothing yet\n",
		check:   func(t *testing.T, s *Spec) {},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, errs := overlaid(t, tt.overlay)
			if errs != nil {
				t.Fatalf("unexpected errors:\n%s", strings.Join(errs, "\n"))
			}
			tt.check(t, s)
		})
	}
}

func TestMergeConflicts(t *testing.T) {
	tests := []struct {
		name     string
		overlays []string
		want     []string
	}{{
		name:     "field type",
		overlays: []string{"activities:\n  - name: Get\n    fields:\n      - {name: a, type: string}\n"},
		want:     []string{`o1.yaml:4:19: field "a" of activity Get already defined at b.yaml:16:19 with type int32, not string`},
	}, {
		name: "all at once",
		overlays: []string{`discriminator: {key: type}
types:
  - {name: State, kind: flags, values: [{name: ON, number: 2}]}
activities:
  - {name: Ev, direction: toMluvii, keyAliases: {sesionId: x}}
  - {name: Get, keyAliases: {sesionId: other}, fields: [{name: a, optional: false, nullable: true}]}
`},
		want: []string{
			`o1.yaml:1:17: discriminator already defined at b.yaml:2:17 with key activity, not type`,
			`o1.yaml:3:19: type State already defined at b.yaml:6:19 with kind enum, not flags`,
			`o1.yaml:3:52: value "ON" of type State already defined at b.yaml:6:51 with number 1, not 2`,
			`o1.yaml:5:16: activity Ev already defined at b.yaml:18:5 with direction fromMluvii, not toMluvii`,
			`o1.yaml:5:37: activity Ev: key alias "sesionId" points to unknown field "x"`,
			`o1.yaml:6:17: key alias "sesionId" of activity Get already defined at b.yaml:14:5 for sessionId, not other`,
			`o1.yaml:6:67: field "a" of activity Get already defined at b.yaml:16:32 with optional true, not false`,
		},
	}, {
		name:     "a later overlay against an earlier one",
		overlays: []string{"activities:\n  - {name: Ev, fields: [{name: n, type: int64}]}\n", "activities:\n  - {name: Ev, fields: [{name: n, type: string}]}\n"},
		want:     []string{`o2.yaml:2:35: field "n" of activity Ev already defined at o1.yaml:2:35 with type int64, not string`},
	}, {
		name:     "a patched cell without a source",
		overlays: []string{"activities:\n  - {name: Get, channels: {WhatsApp: no}}\n"},
		want:     []string{`o1.yaml:2:38: activity Get: channel WhatsApp: a patched cell needs a source (give the cell one, or set channelSource in the overlay)`},
	}, {
		name: "conflicts and the merged spec's other problems at once",
		overlays: []string{`activities:
  - {name: Get, channels: {WhatsApp: no}, fields: [{name: a, type: string}, {name: b, type: strin}]}
`},
		want: []string{
			`o1.yaml:2:38: activity Get: channel WhatsApp: a patched cell needs a source (give the cell one, or set channelSource in the overlay)`,
			`o1.yaml:2:62: field "a" of activity Get already defined at b.yaml:16:19 with type int32, not string`,
			`o1.yaml:2:87: unknown type "strin" (did you mean "string"?)`,
		},
	}, {
		name:     "the merged spec is validated, positioned in each file",
		overlays: []string{"activities:\n  - {name: Ev, fields: [{name: n, type: strin}]}\n  - {name: Put, direction: toMluvii, role: request}\n"},
		want: []string{
			`o1.yaml:2:35: unknown type "strin" (did you mean "string"?)`,
			`o1.yaml:3:5: activity Put: channels is required for activities sent to mluvii`,
			`o1.yaml:3:5: activity Put: retry (safe or unsafe) is required for activities sent to mluvii`,
		},
	}, {
		name:     "a name in another letter case is a duplicate, naming both files",
		overlays: []string{"activities:\n  - {name: ev, direction: fromMluvii, role: event}\n"},
		want:     []string{`o1.yaml:2:5: duplicate activity name "ev" (also "Ev" at b.yaml:17:5; names match in any letter case)`},
	}, {
		name:     "syntax errors of every file at once",
		overlays: []string{"activities: [\n", "types: {}\nfoo: 1\n"},
		want: []string{
			`o1.yaml:2: invalid YAML: did not find expected node content`,
			`o2.yaml:1:8: expected a list, got a mapping`,
			`o2.yaml:2:1: unknown key "foo" (did you mean "doc"?)`,
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := overlaid(t, tt.overlays...)
			if d := cmp.Diff(tt.want, errs); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
		})
	}
}

// TestMergeLeavesInputsAlone: the embedded default is loaded once and shared.
func TestMergeLeavesInputsAlone(t *testing.T) {
	base, err := Load("b.yaml", []byte(mergeBase))
	if err != nil {
		t.Fatal(err)
	}
	o, err := Parse("o.yaml", []byte("activities:\n  - {name: Get, retry: unsafe, channels: {WebChat: {support: no, source: x}}, fields: [{name: z, type: string}]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	before, beforeO := show(reflect.ValueOf(base)), show(reflect.ValueOf(o))
	if _, err := Merge(base, o); err != nil {
		t.Fatal(err)
	}
	if show(reflect.ValueOf(base)) != before || show(reflect.ValueOf(o)) != beforeO {
		t.Error("Merge changed its inputs")
	}
}

// TestMergeRulesComplete: every key of every node an overlay can name has a
// rule, so a key added to the format cannot be silently dropped by Merge.
func TestMergeRulesComplete(t *testing.T) {
	for typ, rules := range mergeRules {
		for i := range typ.NumField() {
			tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("yaml"), ",")
			if tag == "" || tag == "-" {
				continue
			}
			if _, ok := rules[tag]; !ok {
				t.Errorf("mergeRules[%s] has no rule for %q", typ.Name(), tag)
			}
		}
		for key := range rules {
			fieldIndex(typ, key) // panics on a rule for a key that does not exist
		}
	}
}

func TestPosRelativeTo(t *testing.T) {
	p := Pos{File: "a.yaml", Line: 3, Col: 5}
	if got := p.RelativeTo(Pos{File: "a.yaml", Line: 9}); got != "3:5" {
		t.Errorf("same file: %q", got)
	}
	if got := p.RelativeTo(Pos{File: "b.yaml", Line: 9}); got != "a.yaml:3:5" {
		t.Errorf("other file: %q", got)
	}
}
