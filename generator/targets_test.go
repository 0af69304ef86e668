package generator

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dave/jennifer/jen"
)

// withExampleTarget registers an optional target for the test's duration, as
// an optional subpackage (the NATS one, say) registers itself.
func withExampleTarget(t *testing.T) {
	t.Helper()
	saved := targets
	targets = append(slices.Clone(targets), &target{
		name: "example",
		dir:  "mluviiexample",
		pkg:  func(*gen) string { return "mluviiexample" },
		emitters: []goEmitter{{name: "example", emit: func(g *gen, f *jen.File) {
			f.Comment("Activities is how many activities the spec has.")
			f.Const().Id("Activities").Op("=").Lit(len(g.api.Activities))
		}}},
		modules:  []string{"example.com/broker"},
		optional: true,
		doc:      "an optional output for tests",
	})
	t.Cleanup(func() { targets = saved })
}

func exampleFiles(t *testing.T, with ...string) Files {
	t.Helper()
	files, err := FromSpec("spec.yaml", []byte(minimalSpec), Options{ImportPath: "example.com/bot/mluvii", With: with})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

const minimalSpec = `name: mluvii
doc: Package mluvii is a spec with one event.
discriminator:
  key: activity
session:
  field: sessionId
  doc: SessionID is the conversation the activity belongs to.
activities:
  - name: Text
    direction: fromMluvii
    role: event
    doc: Text is a message the guest typed.
    fields:
      - {name: text, type: string, doc: Text is what the guest wrote.}
`

// TestOptionalTargetOnlyWhenAsked: an optional target's files come only with
// Options.With (any letter case); an unknown name is an error naming the
// optional ones.
func TestOptionalTargetOnlyWhenAsked(t *testing.T) {
	withExampleTarget(t)
	if _, ok := exampleFiles(t).Lookup("mluviiexample/example_gen.go"); ok {
		t.Error("the optional target was generated without being asked for")
	}
	data, ok := exampleFiles(t, "Example").Lookup("mluviiexample/example_gen.go")
	if !ok || !strings.Contains(string(data), "package mluviiexample") || !strings.Contains(string(data), "Activities = 1") {
		t.Errorf("with the target: %q, %v", data, ok)
	}
	_, err := FromSpec("spec.yaml", []byte(minimalSpec), Options{With: []string{"kafka"}})
	if err == nil || !strings.Contains(err.Error(), `unknown optional output "kafka" (optional outputs: nats, example)`) {
		t.Errorf("unknown target: %v", err)
	}
	if _, err := FromSpec("spec.yaml", []byte(minimalSpec), Options{With: []string{"main"}}); err == nil {
		t.Error("a default target named in With: no error")
	}
	var info TargetInfo
	for _, ti := range Targets() {
		if ti.Name == "example" {
			info = ti
		}
	}
	if !info.Optional || info.Dir != "mluviiexample" || !slices.Equal(info.Modules, []string{"example.com/broker"}) {
		t.Errorf("Targets: %+v", info)
	}
}

// TestSwitchedOffTargetIsStale: files of an optional target generated once
// are reported by Diff and removed by WriteDir's clean when it is switched
// off, although this generation produced nothing in its directory.
func TestSwitchedOffTargetIsStale(t *testing.T) {
	withExampleTarget(t)
	dir := t.TempDir()
	if err := exampleFiles(t, "example").WriteDir(dir, false); err != nil {
		t.Fatal(err)
	}
	stalePath := filepath.Join(dir, "mluviiexample", "example_gen.go")
	foreign := filepath.Join(dir, "mluviiexample", "other_gen.go")
	if err := os.WriteFile(foreign, []byte("package mluviiexample\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	without := exampleFiles(t)
	diff, err := without.Diff(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(diff, "--- a/mluviiexample/example_gen.go\n+++ /dev/null\n") {
		t.Errorf("Diff does not delete the switched-off target's file:\n%s", diff)
	}
	if err := without.WriteDir(dir, true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stalePath); !os.IsNotExist(err) {
		t.Errorf("clean left %s: %v", stalePath, err)
	}
	if _, err := os.Stat(foreign); err != nil {
		t.Errorf("clean removed a file without mluviigen's header: %v", err)
	}
	if diff, _ := without.Diff(dir); diff != "" {
		t.Errorf("after clean, Diff:\n%s", diff)
	}
}

// TestTargetsOwnTheirFiles: every file of a generation lies in the directory
// of exactly one target, and the default targets are the main package and
// mluviitest, the optional one NATS.
func TestTargetsOwnTheirFiles(t *testing.T) {
	dirs := targetDirs()
	if !slices.Equal(dirs, []string{".", TestPackage, NATSPackage}) {
		t.Errorf("target directories %v", dirs)
	}
	for _, f := range exampleFiles(t) {
		d := filepath.ToSlash(filepath.Dir(f.Path))
		if !slices.Contains(dirs, d) {
			t.Errorf("%s lies outside every target's directory", f.Path)
		}
	}
}
