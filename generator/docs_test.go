package generator

import (
	"strings"
	"testing"

	"github.com/mluviigen/mluviigen/generator/ir"
)

// TestDocFieldsEscapePipes: a field's doc and deprecation note are table
// cells in ACTIVITIES.md, so a "|" in either must not end the cell.
func TestDocFieldsEscapePipes(t *testing.T) {
	got := docFields([]*ir.Field{{Wire: "a", GoName: "A", Type: &ir.Type{Kind: ir.String},
		Doc: []string{"a|b"}, Deprecated: "use c|d"}})
	if want := `a\|b **Deprecated:** use c\|d`; len(got) != 1 || got[0].Doc != want {
		t.Errorf("docFields: %+v, want Doc %q", got, want)
	}
}

// TestDocsSourcesLegend: ACTIVITIES.md ends with the sources table as a
// legend (titles escaped for the table, "–" for a source without a url), and
// says so under the channel matrix; a spec without a table has neither.
func TestDocsSourcesLegend(t *testing.T) {
	const base = `name: legend
discriminator: {key: activity}
session: {field: sessionId}
channels: [{name: WebChat}]
activities:
  - {name: Ping, direction: toMluvii, role: event, retry: safe, channels: {WebChat: yes}, channelSource: "D1 list; T"}
`
	docs := func(src string) string {
		t.Helper()
		files, err := FromSpec("legend.yaml", []byte(src), Options{ImportPath: "example.com/legend"})
		if err != nil {
			t.Fatal(err)
		}
		data, ok := files.Lookup(DocsFile)
		if !ok {
			t.Fatal("no " + DocsFile)
		}
		return string(data)
	}
	got := docs(base + `sources:
  - {key: D1, title: "docs: a|b", url: "https://docs.example.com/x"}
  - {key: T, title: our tests}
`)
	for _, want := range []string{
		"listed under each activity; [Sources](#sources) says what their keys stand for.\n",
		"## Sources\n",
		"| key | source | link |\n|---|---|---|\n" +
			"| `D1` | docs: a\\|b | <https://docs.example.com/x> |\n" +
			"| `T` | our tests | – |\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("ACTIVITIES.md lacks %q:\n%s", want, got)
		}
	}
	if !strings.HasSuffix(got, "| `T` | our tests | – |\n") {
		t.Errorf("the legend is not at the end:\n%s", got)
	}
	without := docs(strings.Replace(base, `channelSource: "D1 list; T"`, `channelSource: "docs: list"`, 1))
	if strings.Contains(without, "## Sources") || strings.Contains(without, "(#sources)") {
		t.Errorf("a spec without sources has a legend:\n%s", without)
	}
}
