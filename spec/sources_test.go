package spec

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCitations(t *testing.T) {
	tests := []struct {
		in        string
		citations []string
		keys      []string
		err       string
	}{
		{in: "D1", citations: []string{"D1"}, keys: []string{"D1"}},
		{in: "D1, D2, D3", citations: []string{"D1", "D2", "D3"}, keys: []string{"D1", "D2", "D3"}},
		{ // separators inside parentheses and quotes do not split
			in:        `CA GetAvailableGroupsResponse.cs (AvailableGroupOfflineReason; five of them, all); D1 "a, b; c (d"`,
			citations: []string{"CA GetAvailableGroupsResponse.cs (AvailableGroupOfflineReason; five of them, all)", `D1 "a, b; c (d"`},
			keys:      []string{"CA", "D1"},
		},
		{ // the key ends at the first character that is no letter, digit or inner hyphen
			in:        "CA-log 7f1d14e; D1: WhatsApp only; AGC/SuggestedAction; CA-",
			citations: []string{"CA-log 7f1d14e", "D1: WhatsApp only", "AGC/SuggestedAction", "CA-"},
			keys:      []string{"CA-log", "D1", "AGC", "CA"},
		},
		{ // remarks cite nothing
			in:        "inferred: row 8 of D1 (✔); our tests, 2025-05; \"quoted\"",
			citations: []string{"inferred: row 8 of D1 (✔)", "our tests", "2025-05", `"quoted"`},
			keys:      []string{"", "", "", ""},
		},
		{in: "D1 (a", err: "unclosed '('"},
		{in: "D1 a)", err: "unbalanced ')' at byte 5"},
		{in: `D1 "a`, err: `unterminated '"'`},
		{in: "D1;; D2", err: "empty citation (citations are separated by ';' or ',')"},
		{in: "D1,", err: "empty citation (citations are separated by ';' or ',')"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			citations, keys, err := Citations(tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.citations, citations); d != "" {
				t.Errorf("citations (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.keys, keys); d != "" {
				t.Errorf("keys (-want +got):\n%s", d)
			}
		})
	}
}

// sourcesBase is a base spec with a sources table (s.yaml); cases append to it.
const sourcesBase = head + `sources:
  - {key: CA, title: C# models, url: "https://github.com/mluvii/mluvii.Chatbot.ChannelActivities"}
  - {key: D1, title: docs}
  - {key: CA-log, title: history, url: "http://example.com/log"}
`

// sourcesErrors loads base (s.yaml) with overlays o1.yaml, … and returns the
// problems as sorted lines.
func sourcesErrors(t *testing.T, base string, overlays ...string) []string {
	t.Helper()
	var srcs []Source
	for i, o := range overlays {
		srcs = append(srcs, Source{Path: "o" + string(rune('1'+i)) + ".yaml", Data: []byte(o)})
	}
	_, err := LoadOverlaid(Source{Path: "s.yaml", Data: []byte(base)}, srcs...)
	if err == nil {
		return nil
	}
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("got %T, want ErrorList: %v", err, err)
	}
	lines := strings.Split(list.Error(), "\n")
	slices.Sort(lines)
	return lines
}

func TestValidateSources(t *testing.T) {
	tests := []struct {
		name     string
		base     string
		overlays []string
		want     []string
	}{{
		name: "citations of known keys and remarks",
		base: sourcesBase + `envelope: [{name: lang, type: string, source: "D1, CA-log 7f1d14e"}]
activities:
  - {name: Ev, direction: fromMluvii, role: event, source: "CA Ev.cs (a, b); inferred: D9", fields: [{name: x, type: string, source: our tests}]}
`,
	}, {
		name: "the table: every problem at once",
		base: sourcesBase + `  - {key: d1, title: lower case}
  - {key: D1, title: again}
  - {key: CA--x, title: t}
  - {key: D2}
  - {key: D3, title: t, url: "docs.mluvii.com/x"}
  - {key: D4, title: t, url: "ftp://example.com/"}
  - {key: D5, title: t, url: "https://"}
`,
		want: []string{
			`s.yaml:10:6: source key "CA--x" is not a key (an upper-case letter, then letters and digits, in parts joined by single hyphens: CA, D1, CA-log)`,
			`s.yaml:11:5: source "D2" has no title`,
			`s.yaml:12:25: source "D3": url "docs.mluvii.com/x" is not an absolute http or https URL`,
			`s.yaml:13:25: source "D4": url "ftp://example.com/" is not an absolute http or https URL`,
			`s.yaml:14:25: source "D5": url "https://" is not an absolute http or https URL`,
			`s.yaml:8:6: source key "d1" is not a key (an upper-case letter, then letters and digits, in parts joined by single hyphens: CA, D1, CA-log)`,
			`s.yaml:9:6: duplicate source key "D1" (first defined at 6:6)`,
		},
	}, {
		name: "unknown keys wherever a source is cited, at the source key",
		base: sourcesBase + `envelope: [{name: lang, type: string, source: D2}]
channels: [{name: WebChat}]
types:
  - name: T
    kind: struct
    source: "CA T.cs; DX"
    fields: [{name: f, type: string, source: "Ca F.cs"}]
  - {name: E, kind: enum, source: "D1 (a, b)", values: [{name: A, source: "D1, CA-lg 1"}]}
activities:
  - name: Get
    direction: toMluvii
    role: request
    retry: safe
    source: "D1; D1x"
    channelSource: "MC main.py"
    channels: {WebChat: {support: yes, source: "CQ, CA"}}
`,
		want: []string{
			`s.yaml:13:5: unknown source key "DX" in citation "DX" (did you mean "D1"?)`,
			`s.yaml:14:38: unknown source key "Ca" in citation "Ca F.cs" (did you mean "CA"?)`,
			`s.yaml:15:67: unknown source key "CA-lg" in citation "CA-lg 1" (did you mean "CA-log"?)`,
			`s.yaml:21:5: unknown source key "D1x" in citation "D1x" (did you mean "D1"?)`,
			`s.yaml:22:5: unknown source key "MC" in citation "MC main.py" (did you mean "CA"?)`,
			`s.yaml:23:40: unknown source key "CQ" in citation "CQ" (did you mean "CA"?)`,
			`s.yaml:8:39: unknown source key "D2" in citation "D2" (did you mean "D1"?)`,
		},
	}, {
		name: "a malformed source string",
		base: sourcesBase + `activities:
  - {name: Ev, direction: fromMluvii, role: event, source: "D1 (a"}
`,
		want: []string{`s.yaml:9:52: source "D1 (a": unclosed '('`},
	}, {
		name: "no table: remarks are fine, a key is not",
		base: head + `activities:
  - {name: Ev, direction: fromMluvii, role: event, source: "docs: the list", doc: x}
  - {name: Ev2, direction: fromMluvii, role: event, source: "D1 list"}
`,
		want: []string{`t.yaml:6:53: unknown source key "D1" in citation "D1 list" (the spec has no sources table)`},
	}, {
		name: "overlays add entries and cite them and the base's",
		base: sourcesBase,
		overlays: []string{
			"sources: [{key: T, title: our tests}]\nactivities:\n  - {name: Ev, direction: fromMluvii, role: event, source: \"T 2025-05; CA Ev.cs\"}\n",
			"sources: [{key: D1, url: \"https://docs.mluvii.com\"}]\nactivities:\n  - {name: Ev, source: \"T, D1 again\"}\n",
		},
	}, {
		name: "an overlay: a key twice, a contradicted title, an unknown key",
		base: sourcesBase,
		overlays: []string{
			"sources:\n  - {key: T, title: tests}\n  - {key: T, title: more tests}\n  - {key: CA, title: something else}\nactivities:\n  - {name: Ev, direction: fromMluvii, role: event, source: \"X 1; Messenger rejects links\"}\n",
		},
		want: []string{
			`o1.yaml:3:6: duplicate source key "T" (first defined at 2:6)`,
			`o1.yaml:4:15: source CA already defined at s.yaml:5:15 with title C# models, not something else`,
			`o1.yaml:6:52: unknown source key "Messenger" in citation "Messenger rejects links" (a citation that starts with an upper-case letter names a key of the sources table)`,
			`o1.yaml:6:52: unknown source key "X" in citation "X 1" (did you mean "T"?)`,
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "s.yaml"
			if !strings.HasPrefix(tt.base, sourcesBase) {
				name = "t.yaml"
			}
			got := sourcesErrors(t, tt.base, tt.overlays...)
			for i := range got {
				got[i] = strings.Replace(got[i], "s.yaml", name, 1)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
		})
	}
}

// TestDefaultSources: the embedded spec's table lists exactly the keys its
// source strings cite, so the legend in ACTIVITIES.md has no dead entries.
func TestDefaultSources(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	cited := map[string]bool{}
	cite := func(src string) {
		_, keys, err := Citations(src)
		if err != nil {
			t.Errorf("%q: %v", src, err)
		}
		for _, k := range keys {
			cited[k] = true
		}
	}
	for _, f := range s.Envelope {
		cite(f.Source)
	}
	for _, ty := range s.Types {
		cite(ty.Source)
		for _, f := range ty.Fields {
			cite(f.Source)
		}
		for _, v := range ty.Values {
			cite(v.Source)
		}
	}
	for _, a := range s.Activities {
		cite(a.Source)
		cite(a.ChannelSource)
		for _, c := range a.Channels {
			cite(c.Source)
		}
		for _, f := range a.Fields {
			cite(f.Source)
		}
	}
	if len(s.Sources) == 0 {
		t.Fatal("the embedded spec has no sources table")
	}
	for _, r := range s.Sources {
		if !cited[r.Key] {
			t.Errorf("source %s is in the table but no source string cites it", r.Key)
		}
		if r.URL == "" {
			t.Errorf("source %s has no url", r.Key)
		}
	}
}
