package specdiff

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mluviigen/mluviigen/spec"
)

// base is the OLD spec of the table tests; each case edits it into NEW.
const base = `name: t
discriminator: {key: activity, foldCase: true}
session: {field: sessionId}
channels: [{name: WebChat}, {name: WhatsApp}]
types:
  - {name: State, kind: enum, values: [{name: ON, number: 1}, {name: OFF, number: 0}]}
  - {name: Card, kind: struct, fields: [{name: title, type: string}]}
activities:
  - name: Get
    direction: toMluvii
    role: request
    response: GetResponse
    retry: safe
    channels: {WebChat: yes, WhatsApp: unverified}
    channelSource: docs
    fields:
      - {name: a, type: int32, optional: true}
      - {name: card, type: Card, optional: true}
  - name: GetResponse
    direction: fromMluvii
    role: response
    fields:
      - {name: s, type: State}
      - {name: n, type: int64}
  - name: Put
    direction: toMluvii
    role: request
    retry: unsafe
    channels: {WebChat: yes, WhatsApp: yes}
    channelSource: docs
    fields:
      - {name: text, type: string}
`

func load(t *testing.T, name, src string) *spec.Spec {
	t.Helper()
	s, err := spec.Load(name, []byte(src))
	if err != nil {
		t.Fatalf("%s:\n%v", name, err)
	}
	return s
}

// line renders a change compactly for the table: label, kind, what, sides.
func line(c Change) string {
	var sides []string
	for _, s := range c.Sides {
		sides = append(sides, string(s))
	}
	return fmt.Sprintf("%s | %s | %s | %s", c.Label(), c.Kind, c.What, strings.Join(sides, ","))
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name string
		edit [][2]string // replacements turning base into NEW
		want []string
	}{{
		name: "no change",
	}, {
		name: "an activity added is compatible",
		edit: [][2]string{{"activities:\n", "activities:\n  - {name: Ping, direction: fromMluvii, role: event, session: false}\n"}},
		want: []string{"compatible | activity-added | activity Ping added | receive"},
	}, {
		name: "an activity removed",
		edit: [][2]string{{"  - name: Put\n", "  - name: Put2\n"}},
		want: []string{
			"wire-breaking, Go-API-breaking | activity-removed | activity Put removed | send",
			"compatible | activity-added | activity Put2 added | send",
		},
	}, {
		name: "enum value added is compatible, removed breaks the Go API for receivers",
		edit: [][2]string{{"{name: OFF, number: 0}", "{name: BUSY, number: 2}"}},
		want: []string{
			"Go-API-breaking | value-removed | type State: value OFF removed | receive",
			"compatible | value-added | type State: value BUSY added | receive",
		},
	}, {
		name: "optional to required is wire-breaking for senders",
		edit: [][2]string{{"{name: a, type: int32, optional: true}", "{name: a, type: int32}"}},
		want: []string{"wire-breaking, Go-API-breaking | field-required | activity Get: field a: now required | send"},
	}, {
		name: "required to optional is wire-breaking for receivers",
		edit: [][2]string{{"{name: n, type: int64}", "{name: n, type: int64, optional: true}"}},
		want: []string{"wire-breaking | field-optional | activity GetResponse: field n: now optional | receive"},
	}, {
		name: "a field's type, and one removed",
		edit: [][2]string{{"{name: s, type: State}", "{name: s, type: string}"}, {"      - {name: n, type: int64}\n", ""}},
		want: []string{
			"wire-breaking, Go-API-breaking | field-type | activity GetResponse: field s: type State → string | receive",
			"wire-breaking, Go-API-breaking | field-removed | activity GetResponse: field n removed | receive",
		},
	}, {
		name: "goName only breaks the Go API",
		edit: [][2]string{{"  - name: Put\n", "  - name: Put\n    goName: PutText\n"}, {"{name: text, type: string}", "{name: text, type: string, goName: Body}"}},
		want: []string{
			"Go-API-breaking | activity-go-name | activity Put: Go name Put → PutText | send",
			"Go-API-breaking | field-go-name | activity Put: field text: Go name Text → Body | send",
		},
	}, {
		name: "pairing, retry and channel cells",
		// A response no request names is a spec error: unpaired, it becomes an event.
		edit: [][2]string{{"    response: GetResponse\n", ""}, {"    role: response\n", "    role: event\n"}, {"retry: safe", "retry: unsafe"}, {"WhatsApp: unverified}", "WhatsApp: no}"}, {"{WebChat: yes, WhatsApp: yes}", "{WebChat: unverified, WhatsApp: yes}"}},
		want: []string{
			"wire-breaking, Go-API-breaking | response-removed | activity Get: no longer answered (was GetResponse) | send",
			"wire-breaking | retry-unsafe | activity Get: retry safe → unsafe | send",
			"wire-breaking, Go-API-breaking | channel-cell-lost | activity Get: channel WhatsApp unverified → no | send",
			"Go-API-breaking | activity-role | activity GetResponse: role response → event | receive",
			"compatible | channel-cell-weakened | activity Put: channel WebChat yes → unverified | send",
		},
	}, {
		name: "a field's own channel cells, and ending the session",
		edit: [][2]string{
			{"{name: text, type: string}", "{name: text, type: string, channels: {WhatsApp: no}, channelSource: docs}"},
			{"{name: a, type: int32, optional: true}", "{name: a, type: int32, optional: true, channels: {WebChat: unverified}, channelSource: docs}"},
			{"    role: response\n", "    role: response\n    endsSession: true\n"},
		},
		want: []string{
			"wire-breaking | field-channel-cell-lost | activity Put: field text: channel WhatsApp yes → no | send",
			"compatible | field-channel-cell-weakened | activity Get: field a: channel WebChat yes → unverified | send",
			"compatible | session-end-added | activity GetResponse now ends the session | receive",
		},
	}, {
		name: "a struct field: required on the send side, pointer in Go",
		edit: [][2]string{{"fields: [{name: title, type: string}]", "fields: [{name: title, type: string}, {name: url, type: string}]"}, {"{name: card, type: Card, optional: true}", "{name: card, type: Card}"}},
		want: []string{
			"wire-breaking | field-added-required | type Card: field url added (required) | send-type",
			"wire-breaking, Go-API-breaking | field-required | activity Get: field card: now required | send",
			"Go-API-breaking | field-pointer | activity Get: field card: Go type *Card → Card | send",
		},
	}, {
		name: "aliases: new names are missed by old receivers",
		edit: [][2]string{{"    role: response\n", "    role: response\n    aliases: [GetResult]\n    keyAliases: {sesionId: sessionId}\n"}, {"{name: n, type: int64}", "{name: n, type: int64, aliases: [num]}"}},
		want: []string{
			"wire-breaking | activity-alias-added | activity GetResponse: name alias GetResult added | receive",
			"wire-breaking | key-alias-added | activity GetResponse: key alias sesionId → sessionId added | receive",
			"wire-breaking | field-alias-added | activity GetResponse: field n: key alias num added | receive",
		},
	}, {
		name: "a direction gained and a channel added",
		edit: [][2]string{{"channels: [{name: WebChat}, {name: WhatsApp}]", "channels: [{name: WebChat}, {name: WhatsApp}, {name: VK}]"}, {"{WebChat: yes, WhatsApp: unverified}", "{WebChat: yes, WhatsApp: unverified, VK: no}"}, {"{WebChat: yes, WhatsApp: yes}", "{WebChat: yes, WhatsApp: yes, VK: yes}"}, {"  - name: Put\n    direction: toMluvii\n    role: request", "  - name: Put\n    direction: both\n    role: message"}},
		want: []string{
			"Go-API-breaking | activity-role | activity Put: role request → message | send,receive",
			"compatible | channel-added | channel VK added | send,send-type,receive",
			"compatible | direction-gained | activity Put: direction toMluvii → both | receive",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := base
			for _, e := range tt.edit {
				if !strings.Contains(src, e[0]) {
					t.Fatalf("base lacks %q", e[0])
				}
				src = strings.Replace(src, e[0], e[1], 1)
			}
			var got []string
			for _, c := range Compare(load(t, "old.yaml", base), load(t, "new.yaml", src)) {
				got = append(got, line(c))
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("changes (-want +got):\n%s", d)
			}
		})
	}
}

// TestRulesComplete: every kind has a verdict, with a reason, on every side,
// so no change can be reported unclassified.
func TestRulesComplete(t *testing.T) {
	kinds := []Kind{ActivityAdded, ActivityRemoved, ActivityCase, ActivityGoName, ActivityRole, DirectionGained, DirectionLost,
		ActivityAliasAdded, ActivityAliasRemoved, ActivitySession, ActivityWireKey, Deprecated, ResponseAdded, ResponseRemoved,
		ResponseChanged, RetryNowUnsafe, RetryNowSafe, SessionEndAdded, SessionEndRemoved, FieldCellLost, FieldCellWeakened, FieldCellGained, CellLost, CellWeakened, CellGained, OneOfAdded, OneOfRemoved,
		KeyAliasAdded, KeyAliasRemoved, FieldAdded, FieldAddedRequired, FieldRemoved, FieldType, FieldRequired, FieldOptional,
		FieldNullable, FieldNotNullable, FieldPointer, FieldGoName, FieldAliasAdded, FieldAliasRemoved, TypeAdded, TypeRemoved,
		TypeKind, TypeGoName, ValueAdded, ValueRemoved, ValueNumber, ChannelAdded, ChannelRemoved, ChannelSources,
		DiscriminatorKey, FoldCaseGained, FoldCaseLost, SessionField}
	if len(kinds) != len(rules) {
		t.Errorf("%d kinds, %d rules", len(kinds), len(rules))
	}
	for _, k := range kinds {
		for _, s := range sides {
			if v, ok := rules[k][s]; !ok || v.Why == "" {
				t.Errorf("%s on %s: no verdict with a reason", k, s)
			}
		}
	}
	// The anchors.
	for _, tc := range []struct {
		kind Kind
		side Side
		want string
	}{
		{ValueAdded, Receive, "compatible"},
		{ActivityAdded, Receive, "compatible"},
		{FieldRemoved, Receive, "wire-breaking, Go-API-breaking"},
		{FieldRequired, Send, "wire-breaking, Go-API-breaking"},
		{FieldGoName, Send, "Go-API-breaking"},
	} {
		if got := rules[tc.kind][tc.side].Label(); got != tc.want {
			t.Errorf("%s on %s: %s, want %s", tc.kind, tc.side, got, tc.want)
		}
	}
}

func TestDefaultAgainstItself(t *testing.T) {
	s, err := spec.Default()
	if err != nil {
		t.Fatal(err)
	}
	if c := Compare(s, s); len(c) != 0 {
		t.Errorf("the default spec differs from itself: %v", c)
	}
}

func TestFails(t *testing.T) {
	r := &Report{Changes: []Change{{Verdict: goAPI}}}
	for level, want := range map[string]bool{FailOnNone: false, FailOnBreaking: false, FailOnGoBreaking: true} {
		if r.Fails(level) != want {
			t.Errorf("go-only change, --fail-on %s: %v", level, !want)
		}
	}
	r.Changes = append(r.Changes, Change{Verdict: wire})
	if !r.Fails(FailOnBreaking) || r.Fails(FailOnNone) {
		t.Error("wire change: --fail-on breaking should fail, none should not")
	}
}
