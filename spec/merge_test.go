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

// TestMergeDuplicates: an overlay names each node of a list once, as a spec
// does. A repeat is reported at its name, naming the first (in the same file),
// with the error the same mistake gets in a base spec, and left out; the other
// problems come with it.
func TestMergeDuplicates(t *testing.T) {
	tests := []struct {
		name     string
		overlays []string
		want     []string
	}{{
		name: "a new activity declared twice",
		overlays: []string{`activities:
  - name: SendSticker
    direction: toMluvii
    role: request
    retry: unsafe
    channels: {WebChat: yes, WhatsApp: no}
    channelSource: ours
  - retry: safe
    name: SendSticker
`},
		want: []string{`o1.yaml:9:5: duplicate activity name "SendSticker" (also "SendSticker" at 2:5; names match in any letter case)`},
	}, {
		name:     "a base activity patched twice in one overlay",
		overlays: []string{"activities:\n  - {name: Get, retry: unsafe}\n  - {retry: safe, name: Get}\n"},
		want:     []string{`o1.yaml:3:19: duplicate activity name "Get" (also "Get" at 2:6; names match in any letter case)`},
	}, {
		name:     "a type declared twice",
		overlays: []string{"types:\n  - {name: Mood, kind: enum, values: [{name: HAPPY}]}\n  - {name: Mood, kind: enum, values: [{name: SAD}]}\n"},
		want:     []string{`o1.yaml:3:6: duplicate type "Mood" (first defined at 2:6)`},
	}, {
		name:     "an enum value twice in one type entry",
		overlays: []string{"types:\n  - name: State\n    values: [{name: OFF, number: 0}, {name: ON, doc: on}, {name: OFF, number: 2}, {name: ON, doc: no}]\n"},
		want: []string{
			`o1.yaml:3:60: duplicate value "OFF" in State (first at 3:15)`,
			`o1.yaml:3:84: duplicate value "ON" in State (first at 3:39)`,
		},
	}, {
		name:     "a field twice in one activity entry",
		overlays: []string{"activities:\n  - name: Get\n    fields: [{name: b, type: string, optional: true}, {name: a, doc: A}, {name: b, type: int64, optional: true}, {name: a, doc: B}]\n"},
		want: []string{
			`o1.yaml:3:115: activity Get: key "a" collides with field "a" (first at 3:56; keys match in any letter case)`,
			`o1.yaml:3:75: activity Get: key "b" collides with field "b" (first at 3:15; keys match in any letter case)`,
		},
	}, {
		name:     "a field twice in a struct and in the envelope",
		overlays: []string{"envelope: [{name: e, type: string}, {name: e, type: bool}]\ntypes:\n  - {name: P, kind: struct, fields: [{name: x, type: string}, {name: x, type: string}]}\n"},
		want: []string{
			`o1.yaml:1:38: envelope: key "e" collides with field "e" (first at 1:13; keys match in any letter case)`,
			`o1.yaml:3:64: type P: key "x" collides with field "x" (first at 3:39; keys match in any letter case)`,
		},
	}, {
		name:     "a channel twice",
		overlays: []string{"channels:\n  - {name: WhatsApp, doc: first}\n  - {name: WhatsApp, doc: second}\n"},
		want:     []string{`o1.yaml:3:6: duplicate channel "WhatsApp" (first defined at 2:6)`},
	}, {
		name:     "an item twice in one list",
		overlays: []string{"channels: [{name: WhatsApp, sources: [wa, Default2, wa]}]\nactivities:\n  - {name: Get, aliases: [Fetch, Fetch], oneOf: [[a, b], [a, b]], fields: [{name: a, aliases: [A, A]}]}\n"},
		want: []string{
			`o1.yaml:1:29: duplicate source "wa" in channel WhatsApp`,
			`o1.yaml:3:17: duplicate alias "Fetch" in activity Get`,
			`o1.yaml:3:42: duplicate oneOf group [a, b] in activity Get`,
			`o1.yaml:3:86: duplicate alias "A" in field "a" of activity Get`,
		},
	}, {
		name: "with the conflicts and the merged spec's problems, at once",
		overlays: []string{`activities:
  - {name: Get, direction: fromMluvii}
  - {name: Ev, fields: [{name: n, type: strin}, {name: n, type: string}]}
  - {name: Get, doc: again}
`},
		want: []string{
			`o1.yaml:2:17: activity Get already defined at b.yaml:9:5 with direction toMluvii, not fromMluvii`,
			`o1.yaml:3:35: unknown type "strin" (did you mean "string"?)`,
			`o1.yaml:3:50: activity Ev: key "n" collides with field "n" (first at 3:26; keys match in any letter case)`,
			`o1.yaml:4:6: duplicate activity name "Get" (also "Get" at 2:6; names match in any letter case)`,
		},
	}, {
		name:     "entries without a name are not merged into each other",
		overlays: []string{"activities:\n  - {doc: a, direction: fromMluvii, role: event}\n  - {doc: b, direction: fromMluvii, role: event}\ntypes:\n  - {kind: enum, values: [{name: A}]}\n  - {kind: enum, values: [{name: B}]}\n"},
		want: []string{
			`o1.yaml:2:5: activity name "" is not an identifier`,
			`o1.yaml:3:5: activity name "" is not an identifier`,
			`o1.yaml:5:5: type name "" is not an identifier`,
			`o1.yaml:6:5: type name "" is not an identifier`,
		},
	}, {
		name:     "in each overlay, naming its own first",
		overlays: []string{"types:\n  - {name: State, doc: a}\n  - {name: State, doc: b}\n", "types:\n  - {name: State, doc: c}\n  - {name: State, doc: d}\n"},
		want: []string{
			`o1.yaml:3:6: duplicate type "State" (first defined at 2:6)`,
			`o2.yaml:3:6: duplicate type "State" (first defined at 2:6)`,
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

// TestMergeDuplicateLeftOut: the first declaration stands; the repeat changes
// nothing (here it would make a request that is not idempotent retried on 5xx).
func TestMergeDuplicateLeftOut(t *testing.T) {
	base, err := Parse("b.yaml", []byte(mergeBase))
	if err != nil {
		t.Fatal(err)
	}
	o, err := Parse("o.yaml", []byte("activities:\n  - {name: Get, retry: unsafe}\n  - {name: Get, retry: safe, fields: [{name: z, type: string}]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := merge(base, o)
	if err == nil {
		t.Fatal("no error for the repeated Get")
	}
	if g := activity(s, "Get"); g.Retry != RetryUnsafe || len(g.Fields) != 1 {
		t.Errorf("Get: retry %q, fields %v; want unsafe and the base's [a]", g.Retry, fieldNames(g.Fields))
	}
}

// TestMergePatchesEarlierFiles: what an earlier file declared (the base, or an
// earlier overlay) is what an overlay patches, once per file.
func TestMergePatchesEarlierFiles(t *testing.T) {
	s, errs := overlaid(t, `channels: [{name: WhatsApp, sources: [wa]}]
types:
  - {name: Mood, kind: enum, values: [{name: HAPPY}]}
activities:
  - name: SendSticker
    direction: toMluvii
    role: request
    retry: unsafe
    channels: {WebChat: yes, WhatsApp: no}
    channelSource: ours
    fields: [{name: id, type: string}]
  - {name: Get, aliases: [Fetch], fields: [{name: a, doc: A}]}
`, `channels: [{name: WhatsApp, sources: [wa, wa2]}]
types:
  - {name: Mood, values: [{name: HAPPY, doc: happy}, {name: SAD}]}
  - {name: State, values: [{name: ON, doc: on}]}
activities:
  - {name: SendSticker, retry: safe, fields: [{name: id, doc: ID.}, {name: size, type: int32, optional: true}]}
  - {name: Get, aliases: [Fetch, Get2], fields: [{name: a, doc: B}]}
`)
	if errs != nil {
		t.Fatalf("unexpected errors:\n%s", strings.Join(errs, "\n"))
	}
	st := activity(s, "SendSticker")
	if st.Retry != RetrySafe || st.Keys["retry"].File != "o2.yaml" || !slices.Equal(fieldNames(st.Fields), []string{"id", "size"}) || st.Fields[0].Doc != "ID." {
		t.Errorf("SendSticker: retry %q at %v, fields %s", st.Retry, st.Keys["retry"], show(reflect.ValueOf(st.Fields)))
	}
	if g := activity(s, "Get"); !slices.Equal(g.Aliases, []string{"Fetch", "Get2"}) || g.Fields[0].Doc != "B" {
		t.Errorf("Get: aliases %v, field a doc %q", g.Aliases, g.Fields[0].Doc)
	}
	if got := show(reflect.ValueOf(s.Channels[1].Sources)); got != "[wa, wa2]" {
		t.Errorf("WhatsApp sources %s", got)
	}
	if vs := s.Types[1].Values; len(vs) != 2 || vs[0].Doc != "happy" || vs[1].Name != "SAD" {
		t.Errorf("Mood values %s", show(reflect.ValueOf(vs)))
	}
}

// TestMergeResponseBeforeItsRequest: a response no request names is an error
// of the merged spec, not of the file that adds it, so an overlay may add a
// response before (or without) the request that names it, which a later
// overlay adds or patches in.
func TestMergeResponseBeforeItsRequest(t *testing.T) {
	const response = `activities:
  - {name: GetResponse, direction: fromMluvii, role: response}
`
	if _, errs := overlaid(t, response, "activities:\n  - {name: Get, response: GetResponse}\n"); errs != nil {
		t.Errorf("a later overlay names the response:\n%s", strings.Join(errs, "\n"))
	}
	if _, errs := overlaid(t, response+"  - {name: Put, direction: toMluvii, role: request, retry: safe, response: GetResponse, channels: {WebChat: yes, WhatsApp: yes}, channelSource: ours}\n"); errs != nil {
		t.Errorf("a request after its response in one overlay:\n%s", strings.Join(errs, "\n"))
	}
	_, errs := overlaid(t, response)
	if want := []string{`o1.yaml:2:48: activity GetResponse: role response, but no request names it (add "response: GetResponse" to the request mluvii answers with it, or make it role event)`}; !slices.Equal(errs, want) {
		t.Errorf("nothing names the response: got\n%s\nwant\n%s", strings.Join(errs, "\n"), strings.Join(want, "\n"))
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
		for key, rule := range rules {
			fieldIndex(typ, key) // panics on a rule for a key that does not exist
			if _, ok := unionItems[key]; rule == ruleUnion && !ok {
				t.Errorf("unionItems has no name for an item of %s.%s", typ.Name(), key)
			}
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
	// Downstream, the embedded spec is no file the user has: it is named in
	// words, with the command that prints it.
	e := Pos{File: EmbeddedName, Line: 352, Col: 22}
	if got, want := e.RelativeTo(Pos{File: "extra.yaml", Line: 3}), "line 352 of the embedded spec (see `mluviigen spec`)"; got != want {
		t.Errorf("embedded spec: %q, want %q", got, want)
	}
	if got, want := (&Error{Pos: e, Msg: "m"}).Error(), "line 352 of the embedded spec (see `mluviigen spec`): m"; got != want {
		t.Errorf("an error in the embedded spec: %q, want %q", got, want)
	}
}

// TestMergeUnknownKeysInPatches: a misspelled key in an overlay node that
// patches what the base declares (the top level, an activity, a field, a
// type, a channel) is a positioned error like anywhere else; it used to
// panic with "no merge rule".
func TestMergeUnknownKeysInPatches(t *testing.T) {
	_, lines := overlaid(t, `sesion: x
channels: [{name: WebChat, sourcess: [x]}]
types:
  - {name: State, valuess: []}
activities:
  - name: Get
    retri: unsafe
    fields:
      - {name: a, dox: y}
`)
	want := []string{
		`o1.yaml:1:1: unknown key "sesion" (did you mean "session"?)`,
		`o1.yaml:2:28: unknown key "sourcess" (did you mean "sources"?)`,
		`o1.yaml:4:19: unknown key "valuess" (did you mean "values"?)`,
		`o1.yaml:7:5: unknown key "retri" (did you mean "retry"?)`,
		`o1.yaml:9:19: unknown key "dox" (did you mean "doc"?)`,
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
